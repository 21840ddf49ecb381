package sqltext

import (
	"os"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	tests := []struct{ in, want string }{
		// Agreements with pt-fingerprint 3.2.1 (checked by bench/fingerprint.sh on a corpus).
		{"SELECT * FROM t WHERE id = 5", "select * from t where id = ?"},
		{"INSERT INTO t (a,b) VALUES (1,'x'),(2,'y')", "insert into t (a,b) values(?+)"},
		{"insert into t values (1),(2)", "insert into t values(?+)"},
		{"replace into t(a) values(1)", "replace into t(a) values(?+)"},
		{"SELECT 1 /* c */ FROM t -- x", "select ? from t"},
		{"select * from t # hash comment\nwhere a=1", "select * from t where a=?"},
		{"select * from t where a in (1, 2) or b in ('a','b') limit 10, 20", "select * from t where a in(?+) or b in(?+) limit ?"},
		{"select * from t where id=1 limit 5 offset 10", "select * from t where id=? limit ?"},
		{"SELECT a FROM t ORDER BY a ASC, b ASC", "select a from t order by a, b"},
		{"SELECT a FROM t ORDER BY ascii ASC", "select a from t order by ascii"},
		{"select * from t where x is null", "select * from t where x is ?"},
		{"select 1 union select 2 union all select 3", "select ? /*repeat union all*/"},
		{"select a from t union select b from u", "select a from t union select b from u"},
		{"use shop", "use ?"},
		{"CALL p(1,2)", "call p"},
		{"  call Shop.Place_Order('x', 3)", "call shop.place_order"},
		{"call p (1)", "call p (?)"},
		{`select 'it\'s' , "dq"`, "select ? , ?"},
		{"select 'a''b'", "select ?"},
		{"SELECT * FROM t WHERE x=-1.5e3 AND y=+2 AND z = - 3", "select * from t where x=? and y=? and z = ?"},
		{"SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c IN (1,2))", "select * from t where a in (select b from u where c in(?+))"},
		{"select * from t where a in ()", "select * from t where a in(?+)"},
		{"SELECT /*!40001 SQL_NO_CACHE */ * FROM `t`", "mysqldump"},
		{"SELECT /*shop.orders:1/4*/ COUNT(*) FROM t", "percona-toolkit"},
		{"administrator command: Ping", "administrator command: Ping"},
		{"SELECT   a,\n\tb\r\nFROM  t", "select a, b from t"},
		{"select /*!50000 straight_join */ a from t", "select /*!? straight_join */ a from t"},
		// Deliberate differences from pt-fingerprint (docs/sql.md).
		{"SELECT c1 FROM t2 WHERE c3 = 5", "select c1 from t2 where c3 = ?"},
		{"SELECT `a1` FROM `db2`.`t3`", "select `a1` from `db2`.`t3`"},
		{"select a-1, a - 1 from t", "select a-?, a - ? from t"},
		{"SELECT * FROM t WHERE z = - 3", "select * from t where z = ?"},
		{"select 0x1F, X'AB', b'101', N'x', _utf8mb4'y', .5, 1e10", "select ?, ?, ?, ?, ?, ?, ?"},
		{"select 1abc from t", "select 1abc from t"},
		{"SELECT * FROM t LIMIT 1, 2 UNION SELECT * FROM u LIMIT 3, 4", "select * from t limit ? union select * from u limit ?"},
		{"SELECT 'x' FROM t -- trailing comment", "select ? from t"},
		{"SELECT 'ünï' AS `名前` FROM t WHERE c = 'x🐬'", "select ? as `名前` from t where c = ?"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Fingerprint(tt.in); got != tt.want {
				t.Errorf("Fingerprint(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestID(t *testing.T) {
	// pt-query-digest 3.2.1 prints 0x1FE1379FE2A31B8D16219655761820A2 for "select 1".
	if got := ID(Fingerprint("select 1")); got != "1FE1379FE2A31B8D16219655761820A2" {
		t.Errorf("ID = %s", got)
	}
}

func FuzzFingerprint(f *testing.F) {
	for _, s := range []string{"SELECT * FROM t WHERE a IN (1,2)", "insert into t values (1,'a'),(2,'b')", "select 'x\\'", "call p(", "/*", "-1", "select 1 union select 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fp := Fingerprint(s)
		if strings.ContainsAny(fp, "\n\t\r") && !strings.HasPrefix(fp, "administrator command: ") {
			t.Fatalf("fingerprint keeps whitespace: %q", fp)
		}
		if again := Fingerprint(s); again != fp {
			t.Fatalf("not deterministic: %q then %q", fp, again)
		}
		// Appending after other bytes must not change the fingerprint.
		if got := string(AppendFingerprint([]byte("prefix "), s)); got != "prefix "+fp {
			t.Fatalf("AppendFingerprint with a prefix: %q, want %q", got, "prefix "+fp)
		}
	})
}

func BenchmarkFingerprintCorpus(b *testing.B) {
	qs := benchCorpus(b)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	// A wrapping index rather than i%len(qs): the division would cost a
	// twentieth of what is measured.
	j := 0
	for range b.N {
		buf = AppendFingerprint(buf[:0], qs[j])
		if j++; j == len(qs) {
			j = 0
		}
	}
}

// BenchmarkTokenSplitCorpus is a floor for any byte-at-a-time scanner: it
// only finds where each run of same-class bytes ends, writing nothing. The
// fingerprint cannot cost less than this on the same corpus.
func BenchmarkTokenSplitCorpus(b *testing.B) {
	qs := benchCorpus(b)
	tokens := 0
	b.ResetTimer()
	j := 0
	for range b.N {
		q := qs[j]
		for i := 0; i < len(q); {
			ac := byteAction[q[i]]
			i++
			for i < len(q) && byteAction[q[i]] == ac && ac != acOther {
				i++
			}
			tokens++
		}
		if j++; j == len(qs) {
			j = 0
		}
	}
	b.ReportMetric(float64(tokens)/float64(b.N), "tokens/op")
}

func benchCorpus(b *testing.B) []string {
	path := os.Getenv("MYDBA_FP_CORPUS")
	if path == "" {
		b.Skip("MYDBA_FP_CORPUS not set (bench/fingerprint.sh sets it)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var qs []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSuffix(l, ";"); l != "" {
			qs = append(qs, l)
		}
	}
	return qs
}

func BenchmarkFingerprint(b *testing.B) {
	qs := []string{
		"SELECT o.id, o.total, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'shipped' AND o.created_at > '2025-01-01 00:00:00' ORDER BY o.created_at DESC LIMIT 50",
		"INSERT INTO order_items (order_id, line_no, product_id, qty, unit_price) VALUES (1001, 1, 42, 3, 19.99), (1001, 2, 7, 1, 5.00)",
		"UPDATE products SET stock = stock - 1 WHERE id = 42 AND stock > 0",
		"SELECT * FROM customers WHERE email = 'someone@example.com'",
	}
	var n int
	for _, q := range qs {
		n += len(q)
	}
	b.SetBytes(int64(n / len(qs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		Fingerprint(qs[i%len(qs)])
	}
}

// The scanner's byte tables are literals for speed; they must say what the
// predicates they replace say.
func TestFingerprintTables(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		want := byte(acOther)
		switch {
		case isSpace(b):
			want = acSpace
		case isWordByte(b):
			want = acWord
		case isDigit(b):
			want = acDigit
		case b == '\'' || b == '"':
			want = acQuote
		case b == '`':
			want = acBacktick
		case b == '(':
			want = acOpen
		case b == ')':
			want = acClose
		case b == '/' || b == '#' || b == '-':
			want = acComment
		case b == '.':
			want = acDot
		}
		if byteAction[c] != want {
			t.Errorf("byteAction[%#x] = %d, want %d", c, byteAction[c], want)
		}
		lower := byte(0)
		if isWordByte(b) || isDigit(b) {
			lower = b
			if b >= 'A' && b <= 'Z' {
				lower = b + 'a' - 'A'
			}
		}
		if wordLower[c] != lower {
			t.Errorf("wordLower[%#x] = %#x, want %#x", c, wordLower[c], lower)
		}
	}
}
