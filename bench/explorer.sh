#!/usr/bin/env bash
# The explorer on a 10,000-table schema (t_explorer_10k) against the
# everyday peer, mariadb-show (mysqlshow), and the mariadb client running
# the one-query forms mydba avoids, as the least-privilege user. Each row is
# a whole process (start, connect, query, print), median of N runs.
#
# The schema is created by the Go benchmark on first use (about a minute,
# not replicated) and kept; drop it with
#   go test ./internal/adapter/mysql -run '^$' -bench BenchmarkExplorer10k/schemas -benchtime 1x -explorer-drop-10k
# Usage: bench/explorer.sh [N]   (default 10). Needs the sandbox running.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
eval "$(scripts/sandbox.sh env)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Creates t_explorer_10k if it is missing; a no-op otherwise.
go test ./internal/adapter/mysql -run '^$' -bench 'BenchmarkExplorer10k/schemas' -benchtime 1x >/dev/null
go build -o "$work/mydba" ./cmd/mydba
export MYDBA_HOME=$work/home MYDBA_KEYRING=off MYDBA_PASSWORD=mydba-sandbox
dsn=mysql://mydba@127.0.0.1:13306/
db=t_explorer_10k
client=(mariadb --no-defaults -h127.0.0.1 -P13306 -umydba -pmydba-sandbox -N -B)
show=(mariadb-show --no-defaults -h127.0.0.1 -P13306 -umydba -pmydba-sandbox)
cols="TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, TABLE_COLLATION, CREATE_TIME, UPDATE_TIME, TABLE_COMMENT"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
time_n() { for _ in $(seq "$n"); do ms "$@"; done | median; }
row() { printf '%-78s %7s\n' "$1" "$(shift; time_n "$@")"; }

echo "== a page of 50 tables with sizes, from the middle of $db (median of $n, ms)"
row "mydba tables --after tbl_05000 --limit 50 -o json" "$work/mydba" tables "$db" --after tbl_05000 --limit 50 --dsn "$dsn" -o json
row "mariadb: one SELECT ... FROM information_schema.TABLES ... ORDER BY LIMIT 50" "${client[@]}" -e "SELECT $cols FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db' AND TABLE_NAME > 'tbl_05000' ORDER BY TABLE_NAME LIMIT 50"
row "mariadb-show --status $db (the whole schema: no paging)" "${show[@]}" --status "$db"
echo "== search: tables whose name contains 0777 (median of $n, ms)"
row "mydba tables --filter 0777 -o json" "$work/mydba" tables "$db" --filter 0777 --dsn "$dsn" -o json
row "mariadb-show --status $db '%0777%' (wildcard pushed into the file listing)" "${show[@]}" --status "$db" '%0777%'
echo "== describe one table, foreign keys both ways (median of $n, ms)"
row "mydba describe $db.tbl_07777_audit -o json" "$work/mydba" describe "$db.tbl_07777_audit" --dsn "$dsn" -o json
row "mariadb: referencing keys from information_schema.KEY_COLUMN_USAGE" "${client[@]}" -e "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_SCHEMA='$db' AND REFERENCED_TABLE_NAME='tbl_07777_audit'"
echo "== schemas with sizes (median of $n, ms)"
row "mydba schemas -o json" "$work/mydba" schemas --dsn "$dsn" -o json
row "mariadb: SUM(DATA_LENGTH + INDEX_LENGTH) GROUP BY TABLE_SCHEMA" "${client[@]}" -e "SELECT TABLE_SCHEMA, COUNT(*), SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES GROUP BY TABLE_SCHEMA"
echo "machine: $(nproc) cores, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
