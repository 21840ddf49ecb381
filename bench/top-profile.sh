#!/usr/bin/env bash
# mydba top and mydba profile against their peers on the sandbox primary,
# as the least-privilege user; each a whole process (start, connect,
# query, print), median of N runs, ms:
#  1. the 20 heaviest statement digests: `mydba top -o json` (ordered and
#     limited by the server, mydba's own statements recognised and left
#     out, an example and pt-query-digest query ID each) against the sys
#     schema's view of the same table, sys.x$statement_analysis LIMIT 20
#     (no examples, own statements included);
#  2. stage-by-stage timing of one statement: `mydba profile -o json`
#     (performance_schema: stages tied to the statement's event id, its
#     counters) against the server's deprecated SHOW PROFILE.
# Usage: bench/top-profile.sh [N]   (default 15). Needs the sandbox running.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-15}
eval "$(scripts/sandbox.sh env)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/mydba" ./cmd/mydba
export MYDBA_HOME=$work/home MYDBA_KEYRING=off MYDBA_PASSWORD=mydba-sandbox
dsn=mysql://mydba@127.0.0.1:13306/shop
client=(mariadb --no-defaults -h127.0.0.1 -P13306 -umydba -pmydba-sandbox -B shop)

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
time_n() { for _ in $(seq "$n"); do ms "$@"; done | median; }

q="SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY 2 DESC"
echo "== 20 heaviest digests (whole process, median of $n, ms)"
printf '%-62s %6s\n' "mydba top -o json (own excluded, examples, query IDs)" "$(time_n "$work/mydba" top --dsn "$dsn" -o json)"
printf '%-62s %6s\n' "mydba top --no-index -o json" "$(time_n "$work/mydba" top --dsn "$dsn" --no-index -o json)"
printf '%-62s %6s\n' "mariadb -e 'SELECT * FROM sys.x\$statement_analysis LIMIT 20'" "$(time_n "${client[@]}" -e 'SELECT * FROM sys.x$statement_analysis LIMIT 20')"
echo "== stage timing of: $q (whole process, median of $n, ms)"
printf '%-62s %6s\n' "mydba profile -o json" "$(time_n "$work/mydba" profile --dsn "$dsn" -o json "$q")"
printf '%-62s %6s\n' "mariadb -e 'SET profiling = 1; <q>; SHOW PROFILE'" "$(time_n "${client[@]}" -e "SET profiling = 1; $q; SHOW PROFILE")"
printf '%-62s %6s\n' "mariadb -e '<q>' (the statement alone)" "$(time_n "${client[@]}" -e "$q")"
echo "machine: $(nproc) cores, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
