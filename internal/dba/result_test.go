package dba

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestColumnKind(t *testing.T) {
	tests := []struct {
		typ  string
		want ValueKind
	}{
		{"INT", KindInteger}, {"UNSIGNED INT", KindInteger}, {"TINYINT", KindInteger}, {"YEAR", KindInteger},
		{"BIGINT", KindBigInteger}, {"UNSIGNED BIGINT", KindBigInteger},
		{"DECIMAL", KindDecimal}, {"FLOAT", KindFloat}, {"DOUBLE", KindFloat},
		{"BIT", KindBit},
		{"BINARY", KindBinary}, {"VARBINARY", KindBinary}, {"BLOB", KindBinary}, {"LONGBLOB", KindBinary}, {"GEOMETRY", KindBinary},
		{"JSON", KindJSON},
		{"DATE", KindTemporal}, {"DATETIME", KindTemporal}, {"TIMESTAMP", KindTemporal}, {"TIME", KindTemporal},
		{"VARCHAR", KindText}, {"TEXT", KindText}, {"LONGTEXT", KindText}, {"ENUM", KindText}, {"SET", KindText}, {"", KindText},
		{"NULL", KindNull},
	}
	for _, tt := range tests {
		if got := (Column{Type: tt.typ}).Kind(); got != tt.want {
			t.Errorf("Kind(%q) = %d, want %d", tt.typ, got, tt.want)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name string
		kind ValueKind
		in   []byte
		want string
	}{
		{"null", KindText, nil, `null`},
		{"empty string", KindText, []byte{}, `""`},
		{"int", KindInteger, []byte("-42"), `-42`},
		{"zerofill int", KindInteger, []byte("00042"), `42`},
		{"zero", KindInteger, []byte("0"), `0`},
		{"bigint is a string", KindBigInteger, []byte("18446744073709551615"), `"18446744073709551615"`},
		{"decimal is a string", KindDecimal, []byte("-0.10"), `"-0.10"`},
		{"double", KindFloat, []byte("1e300"), `1e300`},
		{"double negative exponent", KindFloat, []byte("-1.5e-7"), `-1.5e-7`},
		{"float zerofill", KindFloat, []byte("003.5"), `3.5`},
		{"not a number falls back to a string", KindFloat, []byte("inf"), `"inf"`},
		{"bit small", KindBit, []byte{0x01, 0x05}, `261`},
		{"bit 64", KindBit, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, `"18446744073709551615"`},
		{"binary", KindBinary, []byte{0x00, 0xff, 0x10}, `"0x00FF10"`},
		{"empty binary", KindBinary, []byte{}, `""`},
		{"json document", KindJSON, []byte(`{"a": [1, 2], "b": "x y"}`), `{"a":[1,2],"b":"x y"}`},
		{"invalid json document", KindJSON, []byte(`{`), `"{"`},
		{"datetime", KindTemporal, []byte("0000-00-00 00:00:00.000000"), `"0000-00-00 00:00:00.000000"`},
		{"negative time", KindTemporal, []byte("-838:59:59"), `"-838:59:59"`},
		{"escapes", KindText, []byte("a\"b\\c\nd\te\x00f\x1f"), `"a\"b\\c\nd\te\u0000f\u001f"`},
		{"emoji", KindText, []byte("😀 ü"), `"😀 ü"`},
		{"invalid utf8", KindText, []byte{'a', 0xff, 'b'}, `"a\ufffdb"`},
		{"line separator", KindText, []byte("a\u2028b"), `"a\u2028b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendJSON(nil, tt.kind, tt.in))
			if got != tt.want {
				t.Errorf("AppendJSON = %s, want %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

func TestResultSetJSON(t *testing.T) {
	rs := ResultSet{
		Columns:  []Column{{Name: "id", Type: "BIGINT"}, {Name: "n", Type: "INT", Nullable: true}, {Name: "s", Type: "VARCHAR"}},
		Rows:     [][][]byte{{[]byte("1"), []byte("7"), []byte("x")}, {[]byte("2"), nil, []byte{}}},
		RowCount: 2, Bytes: 4,
	}
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	want := map[string]any{
		"columns": []any{
			map[string]any{"name": "id", "type": "BIGINT", "nullable": false},
			map[string]any{"name": "n", "type": "INT", "nullable": true},
			map[string]any{"name": "s", "type": "VARCHAR", "nullable": false},
		},
		"rows":      []any{[]any{"1", 7.0, "x"}, []any{"2", nil, ""}},
		"row_count": 2.0, "bytes": 4.0, "truncated": false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
}

func TestErrRefusedIsInvalid(t *testing.T) {
	err := fmt.Errorf("statement 1 %w: a write", ErrRefused)
	if !errors.Is(err, ErrRefused) || !errors.Is(err, ErrInvalid) {
		t.Errorf("%v: Is(ErrRefused)=%v Is(ErrInvalid)=%v", err, errors.Is(err, ErrRefused), errors.Is(err, ErrInvalid))
	}
	if errors.Is(ErrInvalid, ErrRefused) {
		t.Error("ErrInvalid must not be a refusal")
	}
}

// FuzzAppendJSON checks every kind turns any bytes into valid JSON, and
// text comes back unchanged when it is valid UTF-8.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "0", "-1.5e10", "00042", "{\"a\":1}", "a\"b", "\xff\xfe", "\u2028", "1e", "-"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, k uint8) {
		kind := ValueKind(int(k) % (int(KindNull) + 1))
		out := AppendJSON(nil, kind, []byte(s))
		if !json.Valid(out) {
			t.Fatalf("kind %d, %q: invalid JSON %s", kind, s, out)
		}
		if kind == KindText && utf8.ValidString(s) {
			var back string
			if err := json.Unmarshal(out, &back); err != nil || back != s {
				t.Fatalf("%q came back as %q (%v)", s, back, err)
			}
		}
	})
}
