#!/usr/bin/env bash
# Compare mydba analyze with sqlfluff lint (Debian's sqlfluff, dialect mysql)
# on the same statements: what each reports, and the time per statement.
# The corpus is internal/sqltext/testdata/analyze.sql (18 statements that
# exercise every mydba rule), repeated COPIES times for mydba's timings and
# SF_COPIES times for sqlfluff's (its time grows faster than the file: 900
# statements in one file did not finish in 20 minutes).
# Usage: bench/analyze.sh [COPIES] [RUNS] [SF_COPIES]   (default 50, median of 5, 2)
# With the sandbox's env (eval "$(scripts/sandbox.sh env)") mydba is also
# timed schema-aware, against the least-privilege account.
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-50}
runs=${2:-5}
sf_copies=${3:-2}
command -v sqlfluff >/dev/null || { echo "sqlfluff missing: apt-get install sqlfluff" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/mydba" ./cmd/mydba
src=internal/sqltext/testdata/analyze.sql
for _ in $(seq "$copies"); do cat "$src"; echo; done >"$work/corpus.sql"
for _ in $(seq "$sf_copies"); do cat "$src"; echo; done >"$work/sf-corpus.sql"
export MYDBA_HOME="$work/state" MYDBA_KEYRING=off
# sqlfluff skips files over 20 kB unless told otherwise.
printf '[sqlfluff]\ndialect = mysql\nlarge_file_skip_byte_limit = 0\n' >"$work/sqlfluff.cfg"
sqlfluff() { command sqlfluff "$1" --config "$work/sqlfluff.cfg" --processes 1 "${@:2}"; }
per_copy=$("$work/mydba" analyze -f "$src" -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["statements"]))')
n=$((per_copy * copies))
sf_n=$((per_copy * sf_copies))

# An ad-hoc DSN without the password (it goes through MYDBA_PASSWORD).
dsn=""
if [[ -n ${MYDBA_TEST_LEASTPRIV_DSN:-} ]]; then
	eval "$(python3 - <<'EOF'
import os, shlex, urllib.parse
u = urllib.parse.urlsplit(os.environ["MYDBA_TEST_LEASTPRIV_DSN"])
print("export MYDBA_PASSWORD=" + shlex.quote(urllib.parse.unquote(u.password or "")))
print("dsn=" + shlex.quote(f"{u.scheme}://{u.username}@{u.hostname}:{u.port}{u.path}"))
EOF
)"
fi

now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
timed() { # RUNS CMD...: median wall time in seconds
	local r=$1
	shift
	for _ in $(seq "$r"); do
		local s e
		s=$(now)
		"$@" >/dev/null 2>&1 || true
		e=$(now)
		echo "$e - $s" | bc -l
	done | median
}

echo "== what each reports on the $per_copy statements of $src"
{
	if [[ -n $dsn ]]; then "$work/mydba" analyze --dsn "$dsn" -f "$src" -o json; else "$work/mydba" analyze -f "$src" -o json; fi
} | python3 -c '
import collections, json, sys
c = collections.Counter(f["code"] + " (" + f["severity"] + ")" for s in json.load(sys.stdin)["statements"] for f in s["findings"])
print("mydba analyze%s:" % (" (schema-aware)" if "'"$dsn"'" else ""))
for k, v in sorted(c.items()): print("  %-40s %d" % (k, v))'
sqlfluff lint --format json "$src" 2>/dev/null | python3 -c '
import collections, json, sys
c = collections.Counter(); desc = {}
for f in json.load(sys.stdin):
    for v in f["violations"]:
        c[v["code"]] += 1; desc[v["code"]] = v["description"][:70]
print("sqlfluff lint --dialect mysql (layout and capitalisation rules included):")
for k, v in sorted(c.items()): print("  %-5s %3d  %s" % (k, v, desc[k]))' || true

echo "== time per statement: mydba on $n statements (median of $runs runs), sqlfluff on $sf_n (1 run)"
off=$(timed "$runs" "$work/mydba" analyze -f "$work/corpus.sql" -o json)
printf "mydba analyze (offline):      %7.3f s  %8.1f us/statement\n" "$off" "$(echo "$off / $n * 1000000" | bc -l)"
if [[ -n $dsn ]]; then
	on=$(timed "$runs" "$work/mydba" analyze --dsn "$dsn" -f "$work/corpus.sql" -o json)
	printf "mydba analyze (schema-aware): %7.3f s  %8.1f us/statement (connect + describe 7 tables once)\n" "$on" "$(echo "$on / $n * 1000000" | bc -l)"
fi
sf=$(timed 1 sqlfluff lint "$work/sf-corpus.sql")
printf "sqlfluff lint:                %7.3f s  %8.1f us/statement\n" "$sf" "$(echo "$sf / $sf_n * 1000000" | bc -l)"
# Proof that sqlfluff linted the whole corpus rather than skipping it.
sqlfluff lint --format json "$work/sf-corpus.sql" 2>/dev/null | python3 -c '
import json, sys
print("  (sqlfluff reported %d violations on the corpus)" % sum(len(f["violations"]) for f in json.load(sys.stdin)))' || true
