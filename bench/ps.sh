#!/usr/bin/env bash
# mydba ps / mydba locks on a busy server: 1,000 idle sessions plus a
# five-session lock chain held open on the sandbox primary by the Go
# benchmark itself (internal/workbench BenchmarkProcessList1000), which
# measures in the same run:
#  - warm/cold: one snapshot (sessions + transactions, threads, lock waits)
#    plus lock graph, grouping by user,host and the lock tree, in process;
#    "cold" waits 150 ms between runs so InnoDB refreshes INNODB_TRX each time;
#  - peer/*: SHOW FULL PROCESSLIST and sys.innodb_lock_waits through the
#    same driver;
#  - cli/*: whole processes (start, connect, query, print): mydba ps -o json,
#    mydba ps --group-by user,host, mydba locks against mariadb-admin
#    processlist and mariadb -e 'SELECT * FROM sys.innodb_lock_waits'.
# Usage: bench/ps.sh [BENCHTIME]   (default 2s). Needs the sandbox running
# with max_connections >= 1,100.
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-2s}
eval "$(scripts/sandbox.sh env)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/mydba" ./cmd/mydba
MYDBA_BENCH_BIN=$work/mydba go test ./internal/workbench -run '^$' \
	-bench '^BenchmarkProcessList1000$' -benchtime "$benchtime" -count 1 2>&1 |
	grep -v '^\[mysql\]'
