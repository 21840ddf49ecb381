package ai

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sseResult is what reading a whole stream gives: the events, and how it
// ended (EOF, truncated, or an error).
type sseResult struct {
	Events  []sseEvent `json:"events"`
	Partial *sseEvent  `json:"partial,omitempty"`
	End     string     `json:"end"`
}

func readAllSSE(r io.Reader) sseResult {
	rd := newSSEReader(r)
	res := sseResult{Events: []sseEvent{}}
	for {
		ev, err := rd.Next()
		switch {
		case err == nil:
			res.Events = append(res.Events, ev)
			continue
		case errors.Is(err, io.EOF):
			res.End = "eof"
		case errors.Is(err, errSSETruncated):
			res.End = "truncated"
			res.Partial = &ev
		default:
			res.End = "error: " + err.Error()
		}
		return res
	}
}

// TestSSEGolden reads every fixture whole, one byte at a time and in
// halves: line endings split across reads must not change the events.
func TestSSEGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "sse", "*.sse"))
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v", err)
	}
	provider, _ := filepath.Glob(filepath.Join("testdata", "providers", "*.sse"))
	files = append(files, provider...)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := readAllSSE(bytes.NewReader(raw))
			for name, r := range map[string]io.Reader{
				"one byte": iotest.OneByteReader(bytes.NewReader(raw)),
				"halves":   iotest.HalfReader(bytes.NewReader(raw)),
			} {
				if diff := cmp.Diff(got, readAllSSE(r)); diff != "" {
					t.Errorf("%s reads differ (-whole +%s):\n%s", name, name, diff)
				}
			}
			js, _ := json.MarshalIndent(got, "", "  ")
			golden := strings.TrimSuffix(path, ".sse") + ".golden"
			if *update {
				if err := os.WriteFile(golden, append(js, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), string(js)+"\n"); diff != "" {
				t.Errorf("(-golden +got):\n%s", diff)
			}
		})
	}
}

func TestSSEReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	got := readAllSSE(r)
	want := sseResult{Events: []sseEvent{{Data: "a"}}, End: "error: connection reset"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// FuzzSSE: any input, cut anywhere, gives the same events as read whole,
// and never panics or loops.
func FuzzSSE(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.sse"))
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("data: x\r"))
	f.Add([]byte("\r\n\r\n:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		whole := readAllSSE(bytes.NewReader(b))
		split := readAllSSE(iotest.OneByteReader(bytes.NewReader(b)))
		if diff := cmp.Diff(whole, split); diff != "" {
			t.Errorf("split read differs:\n%s", diff)
		}
	})
}
