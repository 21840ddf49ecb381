package sqltext

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAnonymize(t *testing.T) {
	tests := []struct {
		in     string
		text   string
		values map[string]string
	}{
		{"SELECT * FROM customers WHERE email = 'alice@example.com' AND id = 42",
			"SELECT * FROM customers WHERE email = @v1 AND id = @v2",
			map[string]string{"@v1": "'alice@example.com'", "@v2": "42"}},
		{"SELECT a FROM t1 WHERE b IN ('x', 'y', 'x') LIMIT 10",
			"SELECT a FROM t1 WHERE b IN (@v1, @v2, @v1) LIMIT @v3",
			map[string]string{"@v1": "'x'", "@v2": "'y'", "@v3": "10"}},
		{"SELECT X'ABCD', _utf8mb4'héllo', 1.5e3, .5, 0x1F FROM `t 2` /* secret note */ -- bye",
			"SELECT @v1, @v2, @v3, @v4, @v5 FROM `t 2`    ",
			map[string]string{"@v1": "X'ABCD'", "@v2": "_utf8mb4'héllo'", "@v3": "1.5e3", "@v4": ".5", "@v5": "0x1F"}},
		{"SELECT @v1, 'it''s' FROM t",
			"SELECT @v1, @v_1 FROM t",
			map[string]string{"@v_1": "'it''s'"}},
		{"SELECT col1 FROM tab WHERE `col2` = \"dq\"",
			"SELECT col1 FROM tab WHERE `col2` = @v1",
			map[string]string{"@v1": `"dq"`}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a := Anonymize(tt.in)
			if a.Text != tt.text {
				t.Errorf("text\n got %q\nwant %q", a.Text, tt.text)
			}
			if diff := cmp.Diff(tt.values, a.Values); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			for _, lit := range a.Values {
				if strings.Contains(a.Text, lit) && len(lit) > 2 {
					t.Errorf("literal %s still in %q", lit, a.Text)
				}
			}
		})
	}
}

func TestAnonymizeRestore(t *testing.T) {
	var parts []string
	for i := 1; i <= 12; i++ {
		parts = append(parts, "'value"+strings.Repeat("x", i)+"'")
	}
	q := "SELECT " + strings.Join(parts, ", ")
	a := Anonymize(q)
	if got := a.Restore(a.Text); got != q {
		t.Errorf("round trip\n got %q\nwant %q", got, q)
	}
	// The anonymised text still parses: placeholders are user variables.
	if cl := NewClassifier().Classify(a.Text); cl.Class != ClassRead {
		t.Errorf("anonymised text classifies as %s", cl.Class)
	}
}

func FuzzAnonymize(f *testing.F) {
	for _, s := range []string{"SELECT 'a', 1 FROM t", "X'", "_x'y'", "SELECT @v1, 'q'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := Anonymize(s)
		for ph := range a.Values {
			if !strings.Contains(a.Text, ph) {
				t.Fatalf("placeholder %s missing from %q", ph, a.Text)
			}
		}
	})
}
