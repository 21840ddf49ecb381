package sqltext

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// TestAdversarialCorpus checks the classifier against testdata/adversarial.sql:
// no write may ever be classified as a read.
func TestAdversarialCorpus(t *testing.T) {
	data, err := os.ReadFile("testdata/adversarial.sql")
	if err != nil {
		t.Fatal(err)
	}
	c := NewClassifier()
	n := 0
	for _, block := range strings.Split(string(data), "\n-- ====\n") {
		want := ""
		var body []string
		for _, line := range strings.Split(block, "\n") {
			if w, ok := strings.CutPrefix(line, "-- want: "); ok {
				want = w
				continue
			}
			if want != "" {
				body = append(body, line)
			}
		}
		sql := strings.Join(body, "\n")
		if want == "" {
			continue
		}
		n++
		t.Run(strings.TrimSpace(sql), func(t *testing.T) {
			cl := c.Classify(sql)
			switch want {
			case "write":
				if cl.IsRead() || cl.Risk == RiskLow && cl.Class != ClassSession {
					t.Errorf("a write classified as %+v", cl)
				}
			case "read":
				if !cl.IsRead() {
					t.Errorf("a read classified as %+v", cl)
				}
			default:
				t.Fatalf("unknown expectation %q", want)
			}
		})
	}
	if n < 60 {
		t.Errorf("corpus has %d cases; expected more", n)
	}
}

// TestHugeAndGarbage: 1 MB statements and binary garbage are classified
// quickly and never as reads unless they are.
func TestHugeAndGarbage(t *testing.T) {
	c := NewClassifier()
	huge := "SELECT * FROM t WHERE id IN (" + strings.Repeat("1,", 500000) + "1)"
	if cl := c.Classify(huge); !cl.IsRead() {
		t.Errorf("1 MB SELECT: %+v", cl.Class)
	}
	hugeWrite := "DELETE FROM t WHERE note = '" + strings.Repeat("x", 1<<20) + "'"
	if cl := c.Classify(hugeWrite); cl.IsRead() {
		t.Error("1 MB DELETE classified as read")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		cl := c.Classify(string(b))
		if cl.IsRead() && !bytes.Contains(bytes.ToUpper(b), []byte("SELECT")) && !bytes.Contains(bytes.ToUpper(b), []byte("SHOW")) {
			t.Errorf("garbage classified as a read: %q", b)
		}
		_ = Split(string(b))
		_ = Fingerprint(string(b))
	}
}
