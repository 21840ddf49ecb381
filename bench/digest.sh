#!/usr/bin/env bash
# Speed of `mydba digest` against pt-query-digest (Debian percona-toolkit) on
# the same slow log of at least MB megabytes (default 256), in the same run,
# with peak RSS from /usr/bin/time -v.
#
# The log: the sandbox runs its shop workload for SECONDS (default 120,
# bench/slowlog-gen.sh), or DIGEST_BASE=FILE names an existing log; copies of
# it are concatenated until the file reaches MB (the sandbox writes a few
# hundred KB of slow log per second on a shared two-core machine, so two
# hundred MB would take hours). Events, classes and counts scale with the
# copies; parsing and aggregation work is the same per byte.
# Usage: bench/digest.sh [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-256}
command -v pt-query-digest >/dev/null || { echo "pt-query-digest missing: apt-get install percona-toolkit" >&2; exit 1; }
work=${DIGEST_WORK:-$(mktemp -d)}
[[ -n ${DIGEST_WORK:-} ]] || trap 'rm -rf "$work"' EXIT
go build -o "$work/mydba" ./cmd/mydba
go build -o "$work/digestcmp" ./bench/digestcmp
base=${DIGEST_BASE:-}
if [[ -z $base ]]; then
	base=$work/base.log
	bench/slowlog-gen.sh "${SECONDS_OF_WORKLOAD:-120}" "$base"
fi
log=$work/slow.log
: >"$log"
while (($(stat -c %s "$log") < mb * 1000 * 1000)); do cat "$base" >>"$log"; done
size=$(stat -c %s "$log")
echo "log: $size bytes ($(grep -c '^# User@Host: ' "$log") events), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # NAME CMD... -> "seconds peak_rss_kb"
	local name=$1
	shift
	/usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time"
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
		/Maximum resident set size/ { rss = $2 } END { printf "%.2f %d\n", s, rss }' "$work/$name.time"
}
best() { # NAME CMD...: best wall time of three, its RSS
	local name=$1 b="" r
	shift
	for _ in 1 2 3; do
		r=$(measure "$name" "$@")
		if [[ -z $b ]] || awk -v a="${r%% *}" -v c="${b%% *}" 'BEGIN { exit !(a < c) }'; then b=$r; fi
	done
	echo "$b"
}
my=$(best mydba "$work/mydba" digest -o json --top 0 "$log")
my1=$(best mydba1 "$work/mydba" digest -o json --top 0 --workers 1 "$log")
mytxt=$(best mydbatxt "$work/mydba" digest "$log")
pt=$(measure pt pt-query-digest --no-version-check --output json --limit '100%:100000000' "$log")
ptrep=$(measure ptrep pt-query-digest --no-version-check "$log")
awk -v size="$size" -v my="$my" -v my1="$my1" -v mytxt="$mytxt" -v pt="$pt" -v ptrep="$ptrep" 'BEGIN {
	split(my, m); split(my1, m1); split(mytxt, mt); split(pt, p); split(ptrep, pr)
	mb = size / 1e6
	printf "%-44s %8s %9s %10s\n", "run", "seconds", "MB/s", "peak RSS"
	printf "%-44s %8.2f %9.1f %7.1f MB\n", "pt-query-digest --output json (all classes)", p[1], mb / p[1], p[2] / 1024
	printf "%-44s %8.2f %9.1f %7.1f MB\n", "pt-query-digest (default report)", pr[1], mb / pr[1], pr[2] / 1024
	printf "%-44s %8.2f %9.1f %7.1f MB\n", "mydba digest -o json --top 0 (best of 3)", m[1], mb / m[1], m[2] / 1024
	printf "%-44s %8.2f %9.1f %7.1f MB\n", "mydba digest (report, best of 3)", mt[1], mb / mt[1], mt[2] / 1024
	printf "%-44s %8.2f %9.1f %7.1f MB\n", "mydba digest --workers 1 (best of 3)", m1[1], mb / m1[1], m1[2] / 1024
	printf "speed-up: %.0fx (json, all classes), %.0fx (reports), %.0fx on one core\n", p[1] / m[1], pr[1] / mt[1], p[1] / m1[1]
}'
echo "correctness on the same log:"
"$work/digestcmp" "$work/pt.out" "$work/mydba.out"
