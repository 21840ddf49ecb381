package digest

import "math"

// Histogram parameters are pt-query-digest's (EventAggregator.pm): buckets
// 5% wide from 1 µs up, so a percentile read from them is at most 5% below
// the true value, in bounded memory per class.
const (
	histBase    = 1.05
	histMin     = 0.000001
	histBuckets = 1000
)

// histLogBase is ln(1.05) and histOffset |1 - ln(1e-6)/ln(1.05)|, which
// places 1 µs in bucket 1 (pt-query-digest's BASE_OFFSET); constants so no
// table is computed at start-up (hist_test.go checks them).
const (
	histLogBase = 0.04879016416943205
	histOffset  = 284.16179691438606
)

// hist counts values per bucket. It stores only the range of buckets its
// values fall in, so a class whose queries all take 1-100 ms costs ~100
// counters, not 1000.
type hist struct {
	lo     int
	counts []uint32
}

func histBucket(v float64) int {
	if v < histMin {
		return 0
	}
	i := int(histOffset + math.Log(v)/histLogBase)
	return min(max(i, 0), histBuckets-1)
}

// histValue is the lower bound of bucket i.
func histValue(i int) float64 {
	if i == 0 {
		return 0
	}
	return math.Pow(histBase, float64(i-1)) * histMin
}

func (h *hist) add(v float64) {
	b := histBucket(v)
	switch {
	case len(h.counts) == 0:
		h.lo = b
		h.counts = append(h.counts, 1)
		return
	case b < h.lo:
		grown := make([]uint32, len(h.counts)+h.lo-b)
		copy(grown[h.lo-b:], h.counts)
		h.counts, h.lo = grown, b
	case b >= h.lo+len(h.counts):
		h.counts = append(h.counts, make([]uint32, b-h.lo-len(h.counts)+1)...)
	}
	h.counts[b-h.lo]++
}

// p95 is pt-query-digest's 95th percentile: the lower bound of the bucket
// that holds the value ranked floor(0.95 n) (n for fewer than 10 values),
// with its special cases for one and two values or a single distinct one.
func (h *hist) p95(n int64, lo, hi float64) float64 {
	if n <= 0 {
		return 0
	}
	if n == 1 || lo == hi || n == 2 {
		return hi
	}
	cutoff := n
	if n >= 10 {
		cutoff = int64(float64(n) * 0.95)
	}
	top := n - cutoff
	var seen int64
	for i := len(h.counts) - 1; i >= 0; i-- {
		seen += int64(h.counts[i])
		if h.counts[i] > 0 && seen > top {
			return histValue(h.lo + i)
		}
	}
	return histValue(h.lo)
}
