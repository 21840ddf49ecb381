#!/usr/bin/env bash
# mydba query --export csv against its everyday peer, the mariadb client in
# batch mode, on the same 1,000,000-row query over the sandbox primary as the
# least-privilege user. Each run is a whole process (start, connect, stream,
# write a file), measured with /usr/bin/time for wall time and peak RSS;
# runs alternate, median of N each. The peer runs twice: --batch (buffers
# the whole result, the client's default) and --batch --quick (streams).
# A last mydba run exports 10,000,000 rows to show RSS stays flat.
# Usage: bench/query-export.sh [N]   (default 5). Needs the sandbox running.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
eval "$(scripts/sandbox.sh env)"
command -v /usr/bin/time >/dev/null || { echo "/usr/bin/time missing: apt-get install time" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/mydba" ./cmd/mydba
export MYDBA_HOME=$work/home MYDBA_KEYRING=off MYDBA_PASSWORD=mydba-sandbox
dsn=mysql://mydba@127.0.0.1:13306/shop
query() {
	echo "SELECT seq AS id, seq * 7 % 1000 AS qty, CONCAT('item-', seq) AS name, seq / 100 AS price," \
		"DATE_ADD(TIMESTAMP'2024-01-01 00:00:00', INTERVAL seq % 100000 SECOND) AS created_at FROM seq_1_to_$1"
}
q=$(query 1000000)

# run NAME CMD... appends "seconds max_rss_kb" to $work/time.NAME.
run() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null
	cat "$work/t" >>"$work/time.$name"
}
for _ in $(seq "$n"); do
	run mydba "$work/mydba" query --dsn "$dsn" --export csv --out "$work/out.csv" "$q"
	run batch mariadb --no-defaults -h127.0.0.1 -P13306 -umydba -p"$MYDBA_PASSWORD" --batch -e "$q" shop
	run quick mariadb --no-defaults -h127.0.0.1 -P13306 -umydba -p"$MYDBA_PASSWORD" --batch --quick -e "$q" shop
done
lines=$(wc -l <"$work/out.csv")
[[ $lines -eq 1000001 ]] || { echo "mydba wrote $lines lines, want 1000001" >&2; exit 1; }
run big "$work/mydba" query --dsn "$dsn" --export csv --out "$work/big.csv" "$(query 10000000)"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
report() {
	local name=$1 label=$2 rows=$3
	local secs rss
	secs=$(cut -d' ' -f1 <"$work/time.$name" | median)
	rss=$(cut -d' ' -f2 <"$work/time.$name" | median)
	awk -v l="$label" -v s="$secs" -v r="$rss" -v rows="$rows" 'BEGIN {
		printf "%-44s %6.2f s  %9.0f rows/s  max RSS %7.1f MiB\n", l, s, rows / s, r / 1024 }'
}
echo "1,000,000 rows x 5 columns, median of $n runs ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)):"
report mydba "mydba query --export csv --out FILE" 1000000
report batch "mariadb --batch (buffers the result)" 1000000
report quick "mariadb --batch --quick (streams)" 1000000
report big "mydba, 10,000,000 rows (1 run)" 10000000
