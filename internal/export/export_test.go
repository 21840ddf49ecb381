package export

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture is a result set captured from a server (see testdata/README.md).
type fixture struct {
	Columns []dba.Column
	Rows    [][][]byte
}

func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Columns []dba.Column        `json:"columns"`
		Rows    [][]json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	f := fixture{Columns: raw.Columns}
	for _, r := range raw.Rows {
		row := make([][]byte, len(r))
		for i, v := range r {
			var s *string
			if err := json.Unmarshal(v, &s); err == nil {
				if s != nil {
					row[i] = []byte(*s)
				}
				continue
			}
			var h struct{ Hex string }
			if err := json.Unmarshal(v, &h); err != nil {
				t.Fatalf("value %s: %v", v, err)
			}
			if row[i], err = hex.DecodeString(h.Hex); err != nil {
				t.Fatal(err)
			}
		}
		f.Rows = append(f.Rows, row)
	}
	return f
}

func write(t testing.TB, f Format, o Options, cols []dba.Column, rows [][][]byte) string {
	t.Helper()
	var b bytes.Buffer
	w, err := New(f, &b, o)
	if err != nil {
		t.Fatal(err)
	}
	if cols != nil {
		if err := w.Begin(cols); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n%s", path, cmp.Diff(string(want), got))
	}
}

// TestGolden writes each captured result set in each format.
func TestGolden(t *testing.T) {
	for _, tc := range []struct{ fixture, table string }{
		{"mariadb-10.11-types", "types"},
		{"mysql-8.0-json", "t1"},
	} {
		f := loadFixture(t, tc.fixture)
		for _, format := range Formats {
			t.Run(tc.fixture+"/"+string(format), func(t *testing.T) {
				out := write(t, format, Options{Table: Table{Name: tc.table}}, f.Columns, f.Rows)
				golden(t, tc.fixture+"."+string(format), out)
				if format == JSON && !json.Valid([]byte(out)) {
					t.Error("not valid JSON")
				}
				if format == NDJSON {
					for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
						if !json.Valid([]byte(line)) {
							t.Errorf("line %d is not a JSON document: %s", i+1, line)
						}
					}
				}
			})
		}
	}
}

var sample = []dba.Column{
	{Name: "id", Type: "BIGINT"}, {Name: "s", Type: "VARCHAR", Nullable: true},
	{Name: "b", Type: "VARBINARY", Nullable: true}, {Name: "bit", Type: "BIT", Nullable: true},
}

func TestCSV(t *testing.T) {
	rows := [][][]byte{
		{[]byte("1"), nil, nil, nil},
		{[]byte("2"), {}, {}, {0}},
		{[]byte("3"), []byte(`a,"b"` + "\r\nc"), {0xca, 0xfe}, {1, 2}},
		{[]byte("4"), []byte(" lead and trail "), {0x00}, {0xff}},
	}
	got := write(t, CSV, Options{}, sample, rows)
	want := "id,s,b,bit\r\n" +
		"1,,,\r\n" +
		"2,\"\",\"\",0\r\n" +
		"3,\"a,\"\"b\"\"\r\nc\",0xCAFE,258\r\n" +
		"4, lead and trail ,0x00,255\r\n"
	if got != want {
		t.Errorf("CSV:\n%q\nwant\n%q", got, want)
	}
}

func TestJSONKeysAndEmpty(t *testing.T) {
	cols := []dba.Column{{Name: "id", Type: "INT"}, {Name: "id", Type: "INT"}, {Name: "id_2", Type: "INT"}}
	got := write(t, JSON, Options{}, cols, [][][]byte{{[]byte("1"), []byte("2"), []byte("3")}})
	if want := "[\n{\"id\":1,\"id_2\":2,\"id_2_2\":3}\n]\n"; got != want {
		t.Errorf("JSON %q, want %q", got, want)
	}
	var objs []map[string]any
	if err := json.Unmarshal([]byte(got), &objs); err != nil || len(objs) != 1 || len(objs[0]) != 3 {
		t.Errorf("keys collide: %s (%v)", got, err)
	}
	for _, tc := range []struct {
		f    Format
		want string
	}{{JSON, "[]\n"}, {NDJSON, ""}, {CSV, "id,s,b,bit\r\n"}} {
		if got := write(t, tc.f, Options{}, sample, nil); got != tc.want {
			t.Errorf("%s with no rows: %q, want %q", tc.f, got, tc.want)
		}
	}
	if got := write(t, JSON, Options{}, nil, nil); got != "[]\n" {
		t.Errorf("JSON without a result set: %q", got)
	}
}

func TestSQLBatches(t *testing.T) {
	rows := make([][][]byte, 5)
	for i := range rows {
		rows[i] = [][]byte{[]byte(fmt.Sprint(i + 1)), []byte("x"), nil, {1}}
	}
	count := func(s string) int { return strings.Count(s, "INSERT INTO") }
	o := Options{Table: Table{Schema: "my db", Name: "t`x"}, BatchRows: 2}
	got := write(t, SQL, o, sample, rows)
	if count(got) != 3 || !strings.Contains(got, "INSERT INTO `my db`.`t``x` (`id`,`s`,`b`,`bit`) VALUES\n(1,'x',NULL,b'1'),\n(2,'x',NULL,b'1');\n") {
		t.Errorf("2-row batches:\n%s", got)
	}
	o.BatchRows, o.BatchBytes = 1000, 60
	if got := write(t, SQL, o, sample, rows); count(got) != 5 {
		t.Errorf("60-byte batches: %d INSERTs\n%s", count(got), got)
	}
	if !strings.HasPrefix(got, "-- INSERT statements for `my db`.`t``x`") || !strings.HasSuffix(got, "SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;\n") {
		t.Errorf("header or footer missing:\n%s", got)
	}
	if got := write(t, SQL, o, sample, nil); count(got) != 0 || !strings.Contains(got, "SQL_MODE=@OLD_SQL_MODE") {
		t.Errorf("no rows:\n%s", got)
	}
	if _, err := New(SQL, io.Discard, Options{}); err == nil {
		t.Error("an SQL export without a table")
	}
}

func TestSQLLiteral(t *testing.T) {
	tests := []struct {
		kind dba.ValueKind
		in   []byte
		want string
	}{
		{dba.KindText, nil, "NULL"},
		{dba.KindText, []byte{}, "''"},
		{dba.KindText, []byte("it's a \\ \"q\"\x00\n\r\x1a\t😀"), `'it\'s a \\ "q"\0\n\r\Z` + "\t😀'"},
		{dba.KindInteger, []byte("-42"), "-42"},
		{dba.KindBigInteger, []byte("18446744073709551615"), "18446744073709551615"},
		{dba.KindDecimal, []byte("-0.0000000001"), "-0.0000000001"},
		{dba.KindFloat, []byte("1.7976931348623157e308"), "1.7976931348623157e308"},
		{dba.KindFloat, []byte("-2.2250738585072014e-308"), "-2.2250738585072014e-308"},
		{dba.KindInteger, []byte("1); DROP TABLE t; --"), `'1); DROP TABLE t; --'`},
		{dba.KindBit, []byte{0}, "b'0'"},
		{dba.KindBit, []byte{0x15, 0x55}, "b'1010101010101'"},
		{dba.KindBit, []byte{0x80, 0, 0, 0, 0, 0, 0, 0}, "b'1" + strings.Repeat("0", 63) + "'"},
		{dba.KindBinary, []byte{0x00, 0x27, 0x5c}, "0x00275C"},
		{dba.KindBinary, []byte{}, "''"},
		{dba.KindTemporal, []byte("0000-00-00 00:00:00.000000"), "'0000-00-00 00:00:00.000000'"},
		{dba.KindTemporal, []byte("-838:59:59"), "'-838:59:59'"},
		{dba.KindJSON, []byte(`{"a": "it's"}`), `'{"a": "it\'s"}'`},
	}
	for _, tt := range tests {
		if got := string(AppendSQLLiteral(nil, tt.kind, tt.in)); got != tt.want {
			t.Errorf("AppendSQLLiteral(%d, %q) = %s, want %s", tt.kind, tt.in, got, tt.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"csv", "JSON", "ndjson", "sql"} {
		if _, err := ParseFormat(s); err != nil {
			t.Error(err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "want csv, json, ndjson or sql") {
		t.Errorf("xml: %v", err)
	}
}

// readCSV is a strict RFC 4180 reader for the fuzz test (encoding/csv
// rewrites CRLF inside quoted fields). It returns each field and whether
// it was quoted.
func readCSV(s string) ([][]string, [][]bool, error) {
	var rows [][]string
	var quoted [][]bool
	var row []string
	var q []bool
	i := 0
	for i < len(s) {
		var field strings.Builder
		isQuoted := false
		if s[i] == '"' {
			isQuoted = true
			i++
			for {
				if i >= len(s) {
					return nil, nil, fmt.Errorf("unterminated quote")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						field.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				field.WriteByte(s[i])
				i++
			}
		} else {
			for i < len(s) && s[i] != ',' && s[i] != '\r' {
				if s[i] == '"' || s[i] == '\n' {
					return nil, nil, fmt.Errorf("bare %q in an unquoted field at %d", s[i], i)
				}
				field.WriteByte(s[i])
				i++
			}
		}
		row = append(row, field.String())
		q = append(q, isQuoted)
		switch {
		case strings.HasPrefix(s[i:], ","):
			i++
		case strings.HasPrefix(s[i:], "\r\n"):
			i += 2
			rows, quoted = append(rows, row), append(quoted, q)
			row, q = nil, nil
		default:
			return nil, nil, fmt.Errorf("junk after a field at %d", i)
		}
	}
	return rows, quoted, nil
}

// FuzzCSV checks any values come back from the CSV exactly, NULL as an
// empty unquoted field and ” as a quoted one.
func FuzzCSV(f *testing.F) {
	f.Add("a,b", "", true, "x\r\ny")
	f.Add("\"", "\n", false, "")
	f.Fuzz(func(t *testing.T, a, b string, bNull bool, name string) {
		cols := []dba.Column{{Name: name, Type: "VARCHAR"}, {Name: "b", Type: "TEXT"}}
		vb := []byte(b)
		if bNull {
			vb = nil
		}
		out := write(t, CSV, Options{}, cols, [][][]byte{{[]byte(a), vb}})
		rows, quoted, err := readCSV(out)
		if err != nil {
			t.Fatalf("%q: %v", out, err)
		}
		if len(rows) != 2 || rows[0][0] != name || rows[1][0] != a {
			t.Fatalf("%q read back as %q", out, rows)
		}
		switch {
		case bNull && (rows[1][1] != "" || quoted[1][1]):
			t.Fatalf("NULL written as %q", out)
		case !bNull && (rows[1][1] != b || (b == "" && !quoted[1][1])):
			t.Fatalf("%q written as %q", b, out)
		}
	})
}

// readSQLString reads one MySQL string literal (default sql_mode) from the
// start of s and returns its value and the rest.
func readSQLString(s string) (string, string, error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", fmt.Errorf("no opening quote")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", "", fmt.Errorf("dangling backslash")
			}
			i++
			switch e := s[i]; e {
			case '0':
				b.WriteByte(0)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'Z':
				b.WriteByte(0x1a)
			default:
				b.WriteByte(e)
			}
		case '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated literal")
}

// FuzzSQLLiteral checks text reads back exactly from its literal and the
// literal ends where it should, and that any value of a numeric kind is
// either a plain number or a quoted string.
func FuzzSQLLiteral(f *testing.F) {
	for _, s := range []string{"it's", `\`, "\x00\x1a", "1e5", "-1", "1); DROP TABLE t", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := string(AppendSQLLiteral(nil, dba.KindText, []byte(s)))
		got, rest, err := readSQLString(lit)
		if err != nil || rest != "" || got != s {
			t.Fatalf("%q as %s read back as %q (rest %q, %v)", s, lit, got, rest, err)
		}
		num := string(AppendSQLLiteral(nil, dba.KindDecimal, []byte(s)))
		if !strings.HasPrefix(num, "'") && strings.Trim(num, "0123456789.eE+-") != "" {
			t.Fatalf("%q written unquoted as %s", s, num)
		}
		if strings.HasPrefix(num, "'") {
			if got, rest, err := readSQLString(num); err != nil || rest != "" || got != s {
				t.Fatalf("numeric kind %q as %s", s, num)
			}
		}
	})
}

// FuzzJSONWriter checks any row makes valid JSON and NDJSON whose strings
// read back (valid UTF-8 input) exactly.
func FuzzJSONWriter(f *testing.F) {
	f.Add("k", "v", "12")
	f.Add("", "\x00\"\\", "1.5e300")
	f.Fuzz(func(t *testing.T, key, text, num string) {
		cols := []dba.Column{{Name: key, Type: "VARCHAR"}, {Name: key, Type: "DOUBLE"}, {Name: "j", Type: "JSON"}}
		row := [][]byte{[]byte(text), []byte(num), []byte(text)}
		out := write(t, JSON, Options{}, cols, [][][]byte{row, row})
		var objs []map[string]any
		if err := json.Unmarshal([]byte(out), &objs); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if len(objs) != 2 || len(objs[0]) != 3 {
			t.Fatalf("%s read back as %v", out, objs)
		}
		if utf8.ValidString(text) && utf8.ValidString(key) {
			if got, ok := objs[0][key].(string); !ok || got != text {
				t.Fatalf("%q read back as %v", text, objs[0][key])
			}
		}
		nd := write(t, NDJSON, Options{}, cols, [][][]byte{row})
		if strings.Count(nd, "\n") != 1 || !json.Valid([]byte(strings.TrimSuffix(nd, "\n"))) {
			t.Fatalf("NDJSON line: %q", nd)
		}
	})
}

// BenchmarkCSVWriter is the writer alone, for a typical five-column row.
func BenchmarkCSVWriter(b *testing.B) {
	cols := []dba.Column{{Name: "id", Type: "BIGINT"}, {Name: "qty", Type: "INT"}, {Name: "name", Type: "VARCHAR"}, {Name: "price", Type: "DECIMAL"}, {Name: "at", Type: "DATETIME"}}
	row := [][]byte{[]byte("123456"), []byte("42"), []byte("item-123456"), []byte("1234.5600"), []byte("2024-01-01 10:11:12")}
	w, _ := New(CSV, io.Discard, Options{})
	w.Begin(cols)
	b.ReportAllocs()
	for b.Loop() {
		w.Row(row)
	}
	w.End()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
