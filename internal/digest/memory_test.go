package digest

import (
	"context"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// repeatReader yields chunk again and again, left bytes in all: a large log
// that never exists on disk.
type repeatReader struct {
	chunk []byte
	pos   int
	left  int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:min(len(p), n+int(min(r.left, int64(len(r.chunk)-r.pos))))], r.chunk[r.pos:])
		n += c
		r.pos = (r.pos + c) % len(r.chunk)
		r.left -= int64(c)
	}
	return n, nil
}

// TestTwoGigabytesInBoundedMemory streams 2 GiB of slow log through the
// parallel digest and checks the heap stays small and every event is
// counted.
func TestTwoGigabytesInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 2 GiB (about 10 s on two cores)")
	}
	chunk, err := os.ReadFile(fixtureDir + "/mariadb-10.11-restart.log")
	if err != nil {
		t.Fatal(err)
	}
	const total = 2 << 30
	runtime.GC()
	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				mu.Lock()
				peak = max(peak, ms.HeapInuse)
				mu.Unlock()
			}
		}
	}()
	start := time.Now()
	d, err := Run(context.Background(), []Input{{Name: "2GiB", R: &repeatReader{chunk: chunk, left: total}}}, Options{})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	reps := int64(total / len(chunk))
	// 19 events per copy; the last, partial copy adds a few and one
	// incomplete event at most.
	if d.Events < reps*19 || d.Events > reps*19+19 {
		t.Errorf("%d events, want about %d", d.Events, reps*19)
	}
	if d.Files[0].Read != total {
		t.Errorf("read %d bytes, want %d", d.Files[0].Read, total)
	}
	t.Logf("2 GiB, %d events, %d classes in %v; peak heap in use %.1f MiB", d.Events, d.ClassCount, time.Since(start), float64(peak)/(1<<20))
	if peak > 48<<20 {
		t.Errorf("peak heap in use %.1f MiB, want <= 48 MiB", float64(peak)/(1<<20))
	}
}
