package digest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/parse"
)

func TestFilter(t *testing.T) {
	e := &parse.SlowEvent{DB: []byte("shop"), User: []byte("app"), Host: []byte("10.0.0.7"), ThreadID: 42,
		Query: []byte("SELECT * FROM orders WHERE id = 7")}
	e.Set(parse.SlowQueryTime, 1.5)
	e.Set(parse.SlowRowsExamined, 20000)
	e.Set(parse.SlowFullScan, 1)
	fp := []byte("select * from orders where id = ?")
	tests := []struct {
		expr string
		want bool
	}{
		{"db=shop", true}, {"db = shop", true}, {"db='shop'", true}, {"db!=shop", false}, {"db=Shop", false},
		{"database=shop", true}, {"user=app", true}, {"host~^10\\.", true}, {"host!~^10\\.", false},
		{"fingerprint~orders", true}, {"fp~customers", false}, {"query~id = 7$", true},
		{"query_time>1", true}, {"query_time>1.5", false}, {"query_time>=1.5", true}, {"query_time<2s", true},
		{"query_time>=1500ms", true}, {"query_time==1.5", true},
		{"rows_examined>10000", true}, {"rows_examined<=10000", false},
		{"full_scan=yes", true}, {"full_scan=no", false}, {"full_scan!=yes", false},
		{"lock_time>0", false}, {"lock_time!=1", false}, // not logged: no comparison matches
		{"thread_id=42", true}, {"thread_id>42", false},
		{"id=8A1D", false}, {"id!=8A1D", true},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.expr)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.expr, err)
			continue
		}
		if got := f.match(e, fp); got != tt.want {
			t.Errorf("%q matched %v, want %v", tt.expr, got, tt.want)
		}
		if f.String() != strings.TrimSpace(tt.expr) {
			t.Errorf("String() = %q", f.String())
		}
	}
}

func TestFilterID(t *testing.T) {
	// The query ID of "select sleep(?)" (pt-query-digest, sandbox log).
	e := &parse.SlowEvent{Query: []byte("SELECT SLEEP(1)")}
	for _, expr := range []string{"id=59A74D08", "id=0x59a74d08d407b5ed", "id=59A74D08D407B5EDF9A57DD5A41825CA"} {
		f, err := ParseFilter(expr)
		if err != nil {
			t.Fatal(err)
		}
		if !f.match(e, []byte("select sleep(?)")) {
			t.Errorf("%s does not match", expr)
		}
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct{ expr, msg string }{
		{"", "want ATTRIBUTE OPERATOR VALUE"},
		{"shop", "want ATTRIBUTE OPERATOR VALUE"},
		{"=shop", "want ATTRIBUTE OPERATOR VALUE"},
		{"qeury_time>1", `unknown attribute "qeury_time" (did you mean query_time?)`},
		{"query_time~1", "query_time is a number"},
		{"query_time>fast", `"fast" is not a number of seconds or a duration`},
		{"rows_sent>1s", `"1s" is not a number`},
		{"db>shop", "db is text"},
		{"host~(", "bad regular expression"},
		{"id~abc", "id takes = or !="},
		{"id=xyz", "a query ID is hexadecimal"},
		{"full_scan=maybe", "full_scan is yes or no"},
		{"rows_sent>", "missing value"},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.expr)
		if err == nil || !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParseFilter(%q) = %v, want ErrInvalid with %q", tt.expr, err, tt.msg)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2024, 5, 10, 12, 0, 0, 0, time.UTC)
	berlin := time.FixedZone("CEST", 2*3600)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-05-10T17:00:00Z", time.Date(2024, 5, 10, 17, 0, 0, 0, time.UTC)},
		{"2024-05-10T17:00:00+02:00", time.Date(2024, 5, 10, 15, 0, 0, 0, time.UTC)},
		{"2024-05-10 17:00", time.Date(2024, 5, 10, 17, 0, 0, 0, berlin)},
		{"2024-05-10 17:00:30", time.Date(2024, 5, 10, 17, 0, 30, 0, berlin)},
		{"2024-05-10", time.Date(2024, 5, 10, 0, 0, 0, 0, berlin)},
		{"24h", now.Add(-24 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, now, berlin)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-5h", "2024-13-01", "10/05/2024"} {
		if _, err := ParseTime(bad, now, berlin); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("ParseTime(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"db=shop", "query_time>=250ms", "host~^10\\.", "id=59A7", "full_scan=yes", "rows_sent>", "~x", "thread_id!=3"} {
		f.Add(s)
	}
	e := &parse.SlowEvent{DB: []byte("shop"), Query: []byte("SELECT 1")}
	e.Set(parse.SlowQueryTime, 1)
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			if !errors.Is(err, dba.ErrInvalid) {
				t.Fatalf("ParseFilter(%q): %v is not ErrInvalid", s, err)
			}
			return
		}
		flt.match(e, []byte("select ?"))
	})
}
