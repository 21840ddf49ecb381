#!/usr/bin/env bash
# Compare mydba fingerprint with pt-fingerprint (Debian percona-toolkit) on
# the same generated corpus: agreement per category and time per statement.
# Usage: bench/fingerprint.sh [N]   (default 20000 statements)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
command -v pt-fingerprint >/dev/null || { echo "pt-fingerprint missing: apt-get install percona-toolkit" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/mydba" ./cmd/mydba
go run ./bench/fpcorpus -n "$n" >"$work/corpus.sql" 2>"$work/categories"

now() { date +%s.%N; }
t0=$(now); pt-fingerprint "$work/corpus.sql" >"$work/pt.out"; t1=$(now)
: >"$work/empty"; e0=$(now); pt-fingerprint "$work/empty" >/dev/null; e1=$(now)
m0=$(now); "$work/mydba" fingerprint <"$work/corpus.sql" | cut -f2- >"$work/mydba.out"; m1=$(now)

[[ $(wc -l <"$work/pt.out") -eq $n ]] || { echo "pt-fingerprint printed $(wc -l <"$work/pt.out") lines for $n statements" >&2; exit 1; }
paste -d '\t' "$work/categories" "$work/pt.out" "$work/mydba.out" | awk -F'\t' -v n="$n" '
	{ total[$1]++; if ($2 == $3) same[$1]++; else if ($1 == "agree") { bad++; if (bad <= 10) printf "MISMATCH\n  pt:    %s\n  mydba: %s\n", $2, $3 } }
	END {
		for (c in total) printf "%-18s %6d statements, %6d identical\n", c, total[c], same[c]
		if (bad > 0) { printf "%d unexplained differences\n", bad; exit 1 }
	}'
# Per statement in-process, on the same corpus, best of three runs; the
# token split is the floor of any byte-at-a-time scanner on that corpus.
bench=$(MYDBA_FP_CORPUS="$work/corpus.sql" go test -run x -bench 'BenchmarkFingerprintCorpus|BenchmarkTokenSplitCorpus' -count 3 ./internal/sqltext)
best() { awk -v name="$1" '$1 ~ "^"name { v = $3; if (best == "" || v < best) best = v } END { print best }' <<<"$bench"; }
ns=$(best BenchmarkFingerprintCorpus)
floor=$(best BenchmarkTokenSplitCorpus)
awk -v n="$n" -v pt="$(echo "$t1 - $t0 - ($e1 - $e0)" | bc -l)" -v my="$(echo "$m1 - $m0" | bc -l)" -v ns="$ns" -v floor="$floor" 'BEGIN {
	printf "pt-fingerprint:      %8.2f us/statement (whole run, Perl startup subtracted)\n", pt / n * 1e6
	printf "mydba fingerprint:   %8.2f us/statement (whole process: startup, read, ID, write)\n", my / n * 1e6
	printf "mydba in-process:    %8.3f us/statement (BenchmarkFingerprintCorpus, best of 3)\n", ns / 1000
	printf "token split floor:   %8.3f us/statement (BenchmarkTokenSplitCorpus, best of 3)\n", floor / 1000
	printf "speed-up per statement: %.0fx in-process, %.0fx whole process\n", pt * 1e9 / n / ns, pt / my
}'
