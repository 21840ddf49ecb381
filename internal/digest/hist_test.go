package digest

import (
	"math"
	"testing"
)

func TestHistConstants(t *testing.T) {
	if got := math.Log(histBase); math.Abs(got-histLogBase) > 1e-15 {
		t.Errorf("histLogBase = %v, want %v", histLogBase, got)
	}
	if got := math.Abs(1 - math.Log(histMin)/math.Log(histBase)); math.Abs(got-histOffset) > 1e-9 {
		t.Errorf("histOffset = %v, want %v", histOffset, got)
	}
}

func TestHistP95(t *testing.T) {
	tests := []struct {
		name string
		vals []float64
		want float64
	}{
		{name: "one value", vals: []float64{0.3}, want: 0.3},
		{name: "two values", vals: []float64{0.1, 0.9}, want: 0.9},
		{name: "all equal", vals: []float64{2, 2, 2}, want: 2},
		// pt-query-digest on the 11 sleep() events of the sandbox log
		// reports 4.963848 (Query 1 of the s5 sample in bench/RESULTS.md).
		{name: "pt sample", vals: []float64{0.100298, 0.200449, 0.300343, 0.400371, 0.500381, 0.600482, 0.671517, 1.000602, 2.000445, 5.000387, 8.000599}, want: 4.963848},
		{name: "uniform 1..1000 ms", vals: func() []float64 {
			v := make([]float64, 1000)
			for i := range v {
				v[i] = float64(i+1) / 1000
			}
			return v
		}(), want: 0.95},
		// Under ten values pt-query-digest's 95th is the largest.
		{name: "zeros", vals: []float64{0, 0, 0, 0, 1}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h hist
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, v := range tt.vals {
				h.add(v)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			got := h.p95(int64(len(tt.vals)), lo, hi)
			// Buckets are 5% wide: the reported value is at most 5%
			// below the true one, never above it.
			if got > tt.want*1.0001 || got < tt.want/1.05 {
				t.Errorf("p95 = %v, want %v within the 5%% bucket", got, tt.want)
			}
			if len(h.counts) > histBuckets {
				t.Errorf("%d buckets", len(h.counts))
			}
		})
	}
}

func TestHistRange(t *testing.T) {
	var h hist
	h.add(0.010)
	h.add(0.011)
	if len(h.counts) > 3 {
		t.Errorf("two close values use %d counters", len(h.counts))
	}
	h.add(0)
	h.add(1e9)
	if h.lo != 0 || len(h.counts) != histBucket(1e9)+1 {
		t.Errorf("0 to 1e9 s: lo %d, %d counters", h.lo, len(h.counts))
	}
	h.add(1e300)
	if len(h.counts) != histBuckets {
		t.Errorf("capped: %d counters, want %d", len(h.counts), histBuckets)
	}
}
