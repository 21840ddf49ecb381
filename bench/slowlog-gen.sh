#!/usr/bin/env bash
# Capture a slow log from the sandbox primary under the shop workload: start
# the workload (unless something already runs it), wait SECONDS, stop it (only
# if this script started it), and write what the server appended to its slow
# log meanwhile (long_query_time=0: every statement) to OUT, from the first
# event header on. Other sessions' statements in that window are kept: they
# are real traffic too.
# Usage: bench/slowlog-gen.sh SECONDS OUT
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:?usage: bench/slowlog-gen.sh SECONDS OUT}
out=${2:?usage: bench/slowlog-gen.sh SECONDS OUT}
eval "$(scripts/sandbox.sh env)"
slow=$MYDBA_TEST_SANDBOX_DIR/primary/data/slow.log
[[ -r $slow ]] || { echo "sandbox slow log $slow is not readable (scripts/sandbox.sh start)" >&2; exit 1; }
start=$(stat -c %s "$slow")
started=0
if ! scripts/sandbox.sh workload status | grep -q running; then
	MYDBA_WORKLOAD_RATE=${MYDBA_WORKLOAD_RATE:-0} MYDBA_WORKLOAD_THREADS=${MYDBA_WORKLOAD_THREADS:-4} \
		scripts/sandbox.sh workload start >&2
	started=1
	trap 'scripts/sandbox.sh workload stop >&2' EXIT
fi
sleep "$secs"
if ((started)); then
	scripts/sandbox.sh workload stop >&2
	trap - EXIT
fi
sleep 1 # the server writes a statement to the slow log after answering it
end=$(stat -c %s "$slow")
tail -c +"$((start + 1))" "$slow" | head -c "$((end - start))" |
	sed -n '/^# \(Time\|User@Host\): /,$p' >"$out"
echo "slowlog-gen: $(wc -c <"$out") bytes, $(grep -c '^# User@Host: ' "$out") events in ${secs}s -> $out" >&2
