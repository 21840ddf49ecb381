#!/usr/bin/env bash
# mydba explain against its peer, pt-visual-explain (Debian percona-toolkit),
# which also turns the classic EXPLAIN table into a tree:
#  1. the classic EXPLAIN of the 49 statements of the plan fixtures
#     (internal/parse/testdata/plan/sql) is captured once from the sandbox
#     with the mariadb client (-B);
#  2. each is rendered as a tree by `pt-visual-explain FILE` and by
#     `mydba explain --from FILE -o json` (no server: parse, tree, advice),
#     whole processes, median of N runs per file, summed over the files;
#  3. both must name the same tables (the tree was rebuilt from the same
#     rows);
#  4. the whole `mydba explain` round trip on the sandbox (connect,
#     EXPLAIN FORMAT=JSON, describe the tables, advise) and the same with
#     --analyze, median of N, for three statements.
# Usage: bench/explain.sh [N]   (default 5). Needs the sandbox running.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
eval "$(scripts/sandbox.sh env)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/mydba" ./cmd/mydba
export MYDBA_HOME=$work/home MYDBA_KEYRING=off MYDBA_PASSWORD=sandbox NO_COLOR=1
dsn=mysql://root@127.0.0.1:13306/shop
client=(mariadb --no-defaults -h127.0.0.1 -P13306 -uroot -psandbox shop)

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
us() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000)); }
time_n() { for _ in $(seq "$n"); do us "$@"; done | median; }

queries=internal/parse/testdata/plan/sql/mariadb-10.11-queries.json
mkdir -p "$work/tab"
python3 - "$queries" "$work/tab" <<'EOF'
import json, sys
for name, sql in json.load(open(sys.argv[1])).items():
    open(f"{sys.argv[2]}/{name}.sql", "w").write(sql)
EOF
for f in "$work"/tab/*.sql; do
	"${client[@]}" -B -e "EXPLAIN $(cat "$f")" >"${f%.sql}.tsv"
done
files=("$work"/tab/*.tsv)
echo "== classic EXPLAIN of ${#files[@]} statements rendered as a tree (whole process, median of $n per file, summed)"
pt_total=0 my_total=0 same=0 differ=() pt_failed=() my_failed=()
for f in "${files[@]}"; do
	pt=$(time_n pt-visual-explain "$f")
	my=$(time_n "$work/mydba" explain --from "$f" -o json)
	pt_total=$((pt_total + pt))
	my_total=$((my_total + my))
	# The tables each tree names, sorted.
	if ! pt-visual-explain "$f" >"$work/pt.out" 2>"$work/pt.err"; then
		pt_failed+=("$(basename "$f" .tsv): $(head -c 120 "$work/pt.err")")
		continue
	fi
	if ! "$work/mydba" explain --from "$f" -o json >"$work/my.out" 2>"$work/my.err"; then
		my_failed+=("$(basename "$f" .tsv): $(head -c 120 "$work/my.err")")
		continue
	fi
	# pt-visual-explain names a table on "table X" lines (a scan) and in
	# "key X->index" (an index access); internal ones as temporary(X),
	# derived(X), union(X,Y), which mydba shows as steps instead.
	pt_tables=$(sed -n -e 's/^[ |+-]*table *\([^ (]*\)$/\1/p' -e 's/^[ |+-]*key *\([^ (]*\)->.*$/\1/p' "$work/pt.out" | sort -u | tr '\n' ' ')
	my_tables=$(python3 -c '
import json, sys
def walk(n):
    # pt-visual-explain writes derived tables as derived(...): compare the rest.
    if n.get("kind") == "table" and n.get("table") and not n["table"].startswith("<derived"):
        yield n["table"]
    for c in n.get("children", []):
        yield from walk(c)
t = sorted(set(walk(json.load(sys.stdin)["plan"]["root"])))
print(" ".join(t) + " " if t else "")' <"$work/my.out")
	if [[ "$pt_tables" == "$my_tables" ]]; then
		same=$((same + 1))
	else
		differ+=("$(basename "$f" .tsv): pt [$pt_tables] mydba [$my_tables]")
	fi
done
printf '%-44s %8s ms\n' "pt-visual-explain FILE" "$((pt_total / 1000))"
printf '%-44s %8s ms\n' "mydba explain --from FILE -o json" "$((my_total / 1000))"
awk -v p="$pt_total" -v m="$my_total" 'BEGIN { printf "%-44s %8.1fx\n", "pt-visual-explain / mydba", p / m }'
echo "same tables in both trees: $same of ${#files[@]}"
for d in "${differ[@]}"; do echo "  differ: $d"; done
echo "pt-visual-explain failed on ${#pt_failed[@]}, mydba on ${#my_failed[@]}"
for d in "${pt_failed[@]}"; do echo "  pt-visual-explain: $d"; done
for d in "${my_failed[@]}"; do echo "  mydba: $d"; done

echo "== mydba explain on the sandbox (whole process: connect, EXPLAIN, describe, advise; median of $n, ms)"
for sql in \
	"SELECT * FROM customers WHERE email = 'user42@example.com'" \
	"SELECT o.id, p.name, oi.qty FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id WHERE o.customer_id = 7" \
	"SELECT c.id, (SELECT max(o.created_at) FROM orders o WHERE o.customer_id = c.id) FROM customers c WHERE c.country = 'DE' AND c.city LIKE 'B%'"; do
	e=$(time_n "$work/mydba" explain --dsn "$dsn" -o json "$sql")
	a=$(time_n "$work/mydba" explain --analyze --dsn "$dsn" -o json "$sql")
	printf '%-70s explain %6s  analyze %6s\n' "${sql:0:70}" "$((e / 1000))" "$((a / 1000))"
done
echo "machine: $(nproc) cores, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
