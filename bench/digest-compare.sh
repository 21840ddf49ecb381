#!/usr/bin/env bash
# Correctness of `mydba digest` against pt-query-digest (Debian
# percona-toolkit): on the same slow log both must find the same classes with
# the same event counts. Classes are matched by query ID, and where the
# fingerprints deliberately differ (docs/sql.md) by digest.PTComparable; see
# bench/digestcmp. Any other difference fails the script.
# Usage: bench/digest-compare.sh [FILE...]
#   without FILE: a log of SECONDS (default 120) of sandbox workload,
#   captured by bench/slowlog-gen.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pt-query-digest >/dev/null || { echo "pt-query-digest missing: apt-get install percona-toolkit" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/mydba" ./cmd/mydba
go build -o "$work/digestcmp" ./bench/digestcmp
files=("$@")
if ((${#files[@]} == 0)); then
	bench/slowlog-gen.sh "${SECONDS_OF_WORKLOAD:-120}" "$work/workload.log"
	files=("$work/workload.log")
fi
status=0
for f in "${files[@]}"; do
	echo "== $f ($(du -h "$f" | cut -f1))"
	pt-query-digest --no-version-check --output json --limit '100%:100000000' "$f" >"$work/pt.json"
	"$work/mydba" digest -o json --top 0 "$f" >"$work/mydba.json"
	"$work/digestcmp" "$work/pt.json" "$work/mydba.json" || status=1
done
exit $status
