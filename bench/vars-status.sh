#!/usr/bin/env bash
# mydba vars and mydba status against their everyday peers on the sandbox
# primary, as the least-privilege user:
#  1. time to list every system variable with metadata: `mydba vars -o json`
#     against the mariadb client reading the same source
#     (information_schema.SYSTEM_VARIABLES) and plain SHOW GLOBAL VARIABLES;
#     each a whole process (start, connect, query, print), median of N runs;
#  2. QPS: `mydba status --interval 2s` against `mariadb-admin
#     extended-status --relative` (Questions delta over 2 s), both sampling
#     the same 2 s concurrently under a steady single-client load. (That an
#     idle server reads exactly 0 is TestStatusIdleServerIsZero, on a private
#     server: the shared sandbox is never idle.)
# Usage: bench/vars-status.sh [N]   (default 20). Needs the sandbox running.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
eval "$(scripts/sandbox.sh env)"
work=$(mktemp -d)
load_pid=
cleanup() {
	# Only the load generator this script started, by its pid.
	[[ -n $load_pid ]] && kill "$load_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/mydba" ./cmd/mydba
export MYDBA_HOME=$work/home MYDBA_KEYRING=off MYDBA_PASSWORD=mydba-sandbox
dsn=mysql://mydba@127.0.0.1:13306/
client=(mariadb --no-defaults -h127.0.0.1 -P13306 -umydba -pmydba-sandbox -N -B)
admin=(mariadb-admin --no-defaults -h127.0.0.1 -P13306 -umydba -pmydba-sandbox)

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
time_n() { for _ in $(seq "$n"); do ms "$@"; done | median; }

echo "== list every system variable (whole process, median of $n, ms)"
printf '%-58s %6s\n' "mydba vars -o json (SYSTEM_VARIABLES, typed, sorted)" "$(time_n "$work/mydba" vars --dsn "$dsn" -o json)"
printf '%-58s %6s\n' "mariadb -e 'SELECT * FROM information_schema.SYSTEM_VARIABLES'" "$(time_n "${client[@]}" -e 'SELECT * FROM information_schema.SYSTEM_VARIABLES')"
printf '%-58s %6s\n' "mariadb -e 'SHOW GLOBAL VARIABLES' (values only)" "$(time_n "${client[@]}" -e 'SHOW GLOBAL VARIABLES')"
printf '%-58s %6s\n' "mydba vars --changed -o json" "$(time_n "$work/mydba" vars --changed --dsn "$dsn" -o json)"

qps_mydba() { "$work/mydba" status --dsn "$dsn" --interval 2s -o json | sed -n 's/.*"qps": \([0-9.]*\).*/\1/p'; }
qps_admin() { "${admin[@]}" extended-status --relative --sleep=2 --count=2 | awk '/\| Questions / { q = $4 } END { printf "%.1f\n", q / 2 }'; }

# A steady load: one client sending SELECT 1 as fast as it can. Its rate
# swings with whatever else the machine runs, so the two tools sample the
# same 2 s at the same time and each pair is compared.
yes 'SELECT 1;' | head -n 50000000 | "${client[@]}" >/dev/null &
load_pid=$!
sleep 1
echo "== queries per second under a single-client SELECT 1 load (both tools over the same 2 s, 5 pairs)"
printf '%-8s %-10s %-14s %s\n' pair mydba mariadb-admin difference
for i in 1 2 3 4 5; do
	qps_mydba >"$work/m" &
	a=$(qps_admin)
	wait $!
	m=$(<"$work/m")
	awk -v i="$i" -v m="$m" -v a="$a" 'BEGIN { printf "%-8s %-10.1f %-14.1f %+.1f%%\n", i, m, a, (m - a) / a * 100 }'
done
echo "machine: $(nproc) cores, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
