#!/usr/bin/env bash
# Overhead of mydba's monitor on a busy server: sysbench oltp_read_write on
# the sandbox primary, alternating runs without and with `mydba serve`
# sampling three connections (primary as root, primary as the
# least-privilege user, replica) at 1 s, as [monitor] profiles configure
# it. Reports sysbench TPS per run, the TPS difference, and mydba's own CPU
# (% of one core, from /proc utime+stime over the runs it monitored) and
# RSS (current and peak).
# sysbench prepares its own schema t_monitor_sbtest and drops it at the end;
# no global variable is changed.
# Usage: bench/monitor-overhead.sh [SECONDS_PER_RUN] [PAIRS]  (default 60, 2)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
pairs=${2:-2}
eval "$(scripts/sandbox.sh env)"
work=$(mktemp -d)
serve_pid=
cleanup() {
	if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
	mariadb --no-defaults -h127.0.0.1 -P13306 -uroot -psandbox -e "DROP DATABASE IF EXISTS t_monitor_sbtest" || true
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/mydba" ./cmd/mydba
export MYDBA_HOME=$work/home MYDBA_KEYRING=off
mkdir -p "$MYDBA_HOME"
echo sandbox | "$work/mydba" conn add mon-root mysql://root@127.0.0.1:13306/ --password-stdin >/dev/null
echo mydba-sandbox | "$work/mydba" conn add mon-lp mysql://mydba@127.0.0.1:13306/ --password-stdin >/dev/null
echo sandbox | "$work/mydba" conn add mon-replica mysql://root@127.0.0.1:13307/ --password-stdin >/dev/null
cat >"$MYDBA_HOME/config.toml" <<'EOF'
[monitor]
profiles = ["mon-root", "mon-lp", "mon-replica"]
interval = "1s"
EOF

mariadb --no-defaults -h127.0.0.1 -P13306 -uroot -psandbox -e "DROP DATABASE IF EXISTS t_monitor_sbtest; CREATE DATABASE t_monitor_sbtest"
sb=(sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port=13306 --mysql-user=root --mysql-password=sandbox
	--mysql-db=t_monitor_sbtest --tables=4 --table-size=20000 --threads=2 --report-interval=0 --rand-seed=42)
"${sb[@]}" prepare >/dev/null
# One warm-up run: the buffer pool and the adaptive hash settle.
"${sb[@]}" --time=15 run >/dev/null

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tps() { "${sb[@]}" --time="$secs" run | awk '/transactions:/ { gsub(/\(/, "", $3); print $3 }'; }

hz=$(getconf CLK_TCK)
declare -a off on
cpu_ticks=0
cpu_secs=0
# server_secs is the primary's statement time (s) and count outside
# sysbench's own statements, from performance_schema's digests: what mydba's
# sampling costs the server, measured directly rather than inferred from TPS.
server_secs() {
	mariadb --no-defaults -N -h127.0.0.1 -P13306 -uroot -psandbox -e "SELECT COALESCE(SUM(SUM_TIMER_WAIT), 0) / 1e12, COALESCE(SUM(COUNT_STAR), 0)
		FROM performance_schema.events_statements_summary_by_digest
		WHERE (SCHEMA_NAME IS NULL OR SCHEMA_NAME <> 't_monitor_sbtest')"
}
srv_secs=0
srv_count=0
# with runs one timed sysbench run while `mydba serve` monitors.
with() {
	"$work/mydba" serve --addr 127.0.0.1:0 >"$work/serve.log" 2>&1 &
	serve_pid=$!
	# Let the three connections connect and the first samples settle.
	sleep 5
	t0=$(ticks "$serve_pid")
	read -r q0 c0 < <(server_secs)
	s0=$(date +%s.%N)
	on+=("$(tps)")
	t1=$(ticks "$serve_pid")
	s1=$(date +%s.%N)
	read -r q1 c1 < <(server_secs)
	srv_secs=$(echo "$srv_secs + $q1 - $q0" | bc -l)
	srv_count=$((srv_count + c1 - c0))
	cpu_ticks=$((cpu_ticks + t1 - t0))
	cpu_secs=$(echo "$cpu_secs + $s1 - $s0" | bc -l)
	rss=$(awk '/VmRSS/ { print $2 }' "/proc/$serve_pid/status")
	hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$serve_pid/status")
	kill "$serve_pid"
	wait "$serve_pid" 2>/dev/null || true
	serve_pid=
}
# Pairs alternate their order (without-with, then with-without): the
# server's throughput drifts as its tables and logs grow, and the drift
# then falls on both sides alike.
for i in $(seq "$pairs"); do
	if ((i % 2)); then
		off+=("$(tps)")
		with
	else
		with
		off+=("$(tps)")
	fi
	echo "pair $i: without ${off[-1]} tps, with ${on[-1]} tps; mydba RSS ${rss} KiB (peak ${hwm} KiB)"
done
avg() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
a_off=$(avg "${off[@]}")
a_on=$(avg "${on[@]}")
echo "== sysbench oltp_read_write, 2 threads, 4 x 20k rows, ${secs}s per run, $pairs pairs"
echo "without monitoring: ${off[*]} tps (mean $a_off)"
echo "with monitoring:    ${on[*]} tps (mean $a_on)"
echo "TPS difference: $(echo "($a_on - $a_off) / $a_off * 100" | bc -l | xargs printf '%.2f')%"
echo "mydba CPU while monitoring 3 connections at 1s: $(echo "$cpu_ticks / $hz / $cpu_secs * 100" | bc -l | xargs printf '%.2f')% of one core"
echo "server time of mydba's statements on the primary: $(echo "$srv_secs * 1000 / $cpu_secs" | bc -l | xargs printf '%.2f') ms per second ($(echo "$srv_count / $cpu_secs" | bc -l | xargs printf '%.1f') statements/s), $(echo "$srv_secs / $cpu_secs * 100" | bc -l | xargs printf '%.3f')% of one core"
echo "machine: $(nproc) cores, $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
