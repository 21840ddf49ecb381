package dba

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseQualifiedName(t *testing.T) {
	tests := []struct {
		in      string
		want    QualifiedName
		wantErr string
	}{
		{in: "shop.orders", want: QualifiedName{"shop", "orders"}},
		{in: "  shop.orders ", want: QualifiedName{"shop", "orders"}},
		{in: "`a.b`.`c`", want: QualifiedName{"a.b", "c"}},
		{in: "`a.b`.c", want: QualifiedName{"a.b", "c"}},
		{in: "shop.`order items`", want: QualifiedName{"shop", "order items"}},
		{in: "`we``ird`.t", want: QualifiedName{"we`ird", "t"}},
		{in: "`t_explorer_odd ``q`` é.x`.`we``ird \"ta'ble é`", want: QualifiedName{"t_explorer_odd `q` é.x", "we`ird \"ta'ble é"}},
		{in: "db.🐬", want: QualifiedName{"db", "🐬"}},
		{in: "db.`a.b.c`", want: QualifiedName{"db", "a.b.c"}},
		{in: "shop", wantErr: "has no schema"},
		{in: "a.b.c", wantErr: "more than two parts"},
		{in: "", wantErr: "empty"},
		{in: ".t", wantErr: "empty name part"},
		{in: "s.", wantErr: "empty name part"},
		{in: "``.t", wantErr: "empty name part"},
		{in: "`a.b", wantErr: "unterminated backtick"},
		{in: "`a`x.b", wantErr: "unexpected"},
		{in: "a`b.c", wantErr: "needs the whole part quoted"},
		{in: "s." + strings.Repeat("x", 65), wantErr: "longer than 64"},
		{in: "s.a\x00b", wantErr: "NUL"},
		{in: "s.\xff", wantErr: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseQualifiedName(tt.in)
			if tt.wantErr != "" {
				if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestQuoteIdentIfNeeded(t *testing.T) {
	for in, want := range map[string]string{
		"orders":      "orders",
		"_x$1":        "_x$1",
		"é":           "é",
		"123":         "`123`",
		"a b":         "`a b`",
		"a.b":         "`a.b`",
		"we`ird":      "`we``ird`",
		"":            "``",
		"🐬":           "`🐬`",
		"order-items": "`order-items`",
	} {
		if got := QuoteIdentIfNeeded(in); got != want {
			t.Errorf("QuoteIdentIfNeeded(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseIdentifier(t *testing.T) {
	for _, tt := range []struct{ in, want string }{{"shop", "shop"}, {" `a.b` ", "a.b"}, {"`x``y`", "x`y"}, {"a.b", "a.b"}, {"a`b", "a`b"}} {
		got, err := ParseIdentifier(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseIdentifier(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "`a`b", "`a", "``"} {
		if _, err := ParseIdentifier(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseIdentifier(%q) err = %v", bad, err)
		}
	}
}

func TestIsJSONNumber(t *testing.T) {
	for _, in := range []string{"0", "-0", "12", "-1.50", "1e300", "2.5E-5", "12345678901234567890"} {
		if !IsJSONNumber(in) {
			t.Errorf("IsJSONNumber(%q) = false", in)
		}
	}
	for _, in := range []string{"", "-", "01", ".5", "5.", "1e", "inf", "NaN", "0x1F", "1 ", " 1", "+1"} {
		if IsJSONNumber(in) {
			t.Errorf("IsJSONNumber(%q) = true", in)
		}
	}
}

func TestValueJSON(t *testing.T) {
	row := []Value{{Null: true}, {Text: "NULL"}, {Text: "12.50", Number: true}, {Text: "0x00FF"}, {Text: "a\"b<"}}
	b, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[null,"NULL",12.50,"0x00FF","a\"b\u003c"]`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestDefaultSQL(t *testing.T) {
	tests := []struct {
		c    TableColumn
		want string
	}{
		{TableColumn{DataType: "decimal", Default: &ColumnDefault{Kind: DefaultLiteral, Value: "0.00"}}, "0.00"},
		{TableColumn{DataType: "varchar", Default: &ColumnDefault{Kind: DefaultLiteral, Value: "0"}}, "'0'"},
		{TableColumn{DataType: "varchar", Default: &ColumnDefault{Kind: DefaultLiteral, Value: "it's"}}, "'it''s'"},
		{TableColumn{DataType: "int", Default: &ColumnDefault{Kind: DefaultNull}}, "NULL"},
		{TableColumn{DataType: "timestamp", Default: &ColumnDefault{Kind: DefaultExpression, Value: "current_timestamp()"}}, "current_timestamp()"},
		{TableColumn{DataType: "int"}, ""},
	}
	for _, tt := range tests {
		if got := tt.c.DefaultSQL(); got != tt.want {
			t.Errorf("DefaultSQL(%+v) = %q, want %q", tt.c.Default, got, tt.want)
		}
	}
}

func TestKindsAndTypes(t *testing.T) {
	for in, want := range map[string]ObjectKind{"view": KindView, "Views": KindView, "routine": KindRoutine, "routines": KindRoutine, "triggers": KindTrigger, "event": KindEvent} {
		if got, err := ParseObjectKind(in, false); err != nil || got != want {
			t.Errorf("ParseObjectKind(%q) = %q, %v", in, got, err)
		}
	}
	for in, want := range map[string]ObjectKind{"table": KindTable, "proc": KindProcedure, "procedure": KindProcedure, "function": KindFunction, "trigger": KindTrigger} {
		if got, err := ParseObjectKind(in, true); err != nil || got != want {
			t.Errorf("ParseObjectKind(%q, create) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []struct {
		in     string
		create bool
	}{{"table", false}, {"routine", true}, {"index", false}, {"", true}} {
		if _, err := ParseObjectKind(bad.in, bad.create); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseObjectKind(%q, %v) err = %v", bad.in, bad.create, err)
		}
	}
	for in, want := range map[string]TableType{"": TableTypeAny, "TABLE": TableTypeTable, "views": TableTypeView, "sequence": TableTypeSequence} {
		if got, err := ParseTableType(in); err != nil || got != want {
			t.Errorf("ParseTableType(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseTableType("index"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseTableType(index) err = %v", err)
	}
	for raw, want := range map[string]string{"BASE TABLE": "table", "VIEW": "view", "SYSTEM VIEW": "system view", "SEQUENCE": "sequence", "SYSTEM VERSIONED": "table (system versioned)"} {
		if got := TableTypeOf(raw); got != want {
			t.Errorf("TableTypeOf(%q) = %q", raw, got)
		}
	}
}

func TestQueryNormalize(t *testing.T) {
	q := SchemaQuery{}
	if err := q.Normalize(); err != nil || q.Limit != DefaultPageSize {
		t.Errorf("default limit: %v %d", err, q.Limit)
	}
	for _, n := range []int{-1, MaxPageSize + 1} {
		q := TableQuery{Schema: "s", Limit: n}
		if err := q.Normalize(); !errors.Is(err, ErrInvalid) {
			t.Errorf("limit %d: %v", n, err)
		}
	}
	if err := (&TableQuery{Schema: ""}).Normalize(); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty schema: %v", err)
	}
	p := PreviewQuery{Table: QualifiedName{"s", "t"}}
	if err := p.Normalize(); err != nil || p.Limit != DefaultPreviewRows || p.MaxCellBytes != DefaultPreviewCellBytes {
		t.Errorf("preview defaults: %v %+v", err, p)
	}
	if err := (&PreviewQuery{Table: QualifiedName{"s", "t"}, MaxCellBytes: 3}).Normalize(); !errors.Is(err, ErrInvalid) {
		t.Errorf("tiny cell cap: %v", err)
	}
	if err := (&ObjectQuery{Schema: "s", Kind: KindTable}).Normalize(); !errors.Is(err, ErrInvalid) {
		t.Errorf("objects of kind table: %v", err)
	}
}

// FuzzParseQualifiedName: whatever parses prints back (String) to text
// that parses to the same name.
func FuzzParseQualifiedName(f *testing.F) {
	for _, s := range []string{"shop.orders", "`a.b`.`c`", "`we``ird`.t", "a.b.c", "`a", "s.`x y`", "db.🐬", "``.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQualifiedName(s)
		if err != nil {
			return
		}
		if q.Schema == "" || q.Name == "" || !utf8.ValidString(q.Schema) || !utf8.ValidString(q.Name) {
			t.Fatalf("ParseQualifiedName(%q) = %+v", s, q)
		}
		back, err := ParseQualifiedName(q.String())
		if err != nil || back != q {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, q, q.String(), back, err)
		}
	})
}
