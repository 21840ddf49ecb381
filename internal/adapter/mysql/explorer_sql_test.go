package mysql

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

func exServer(f dba.Flavor, major, minor, patch int) dba.Server {
	return dba.Server{Flavor: f, Version: dba.Version{Major: major, Minor: minor, Patch: patch}}
}

// TestExplorerSQLPerVersion pins the SQL each supported server gets where
// the servers differ.
func TestExplorerSQLPerVersion(t *testing.T) {
	my, ma := dba.FlavorMySQL, dba.FlavorMariaDB
	tests := []struct {
		name           string
		s              dba.Server
		visible, expr  string
		refsFromDict   bool
		quotedDefaults bool
		routinePriv    string
	}{
		{"MySQL 5.7", exServer(my, 5, 7, 44), "'YES' AS visible", "NULL AS expression", false, false, "SELECT on mysql.proc"},
		{"MySQL 8.0.12", exServer(my, 8, 0, 12), "IS_VISIBLE AS visible", "NULL AS expression", false, false, "SELECT on mysql.proc"},
		{"MySQL 8.0.13", exServer(my, 8, 0, 13), "IS_VISIBLE AS visible", "EXPRESSION AS expression", false, false, "SELECT on mysql.proc"},
		{"MySQL 8.0.36", exServer(my, 8, 0, 36), "IS_VISIBLE AS visible", "EXPRESSION AS expression", false, false, "SHOW_ROUTINE"},
		{"MySQL 8.4", exServer(my, 8, 4, 3), "IS_VISIBLE AS visible", "EXPRESSION AS expression", false, false, "SHOW_ROUTINE"},
		{"MySQL 9.1", exServer(my, 9, 1, 0), "IS_VISIBLE AS visible", "EXPRESSION AS expression", false, false, "SHOW_ROUTINE"},
		{"MariaDB 10.5", exServer(ma, 10, 5, 20), "'YES' AS visible", "NULL AS expression", true, true, "SELECT on mysql.proc"},
		{"MariaDB 10.6", exServer(ma, 10, 6, 16), "IF(IGNORED = 'YES', 'NO', 'YES') AS visible", "NULL AS expression", true, true, "SELECT on mysql.proc"},
		{"MariaDB 10.11", exServer(ma, 10, 11, 6), "IF(IGNORED = 'YES', 'NO', 'YES') AS visible", "NULL AS expression", true, true, "SELECT on mysql.proc"},
		{"MariaDB 11.4", exServer(ma, 11, 4, 2), "IF(IGNORED = 'YES', 'NO', 'YES') AS visible", "NULL AS expression", true, true, "SHOW CREATE ROUTINE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := indexesSQL(tt.s)
			if !strings.Contains(q, tt.visible) || !strings.Contains(q, tt.expr) {
				t.Errorf("indexesSQL:\n%s\nwant %q and %q", q, tt.visible, tt.expr)
			}
			if strings.Contains(q, "IGNORED") && !tt.s.IsMariaDB() || strings.Contains(q, "IS_VISIBLE") && tt.s.IsMariaDB() {
				t.Errorf("indexesSQL names the other flavour's column:\n%s", q)
			}
			dict := strings.Contains(referencedBySQL(tt.s, refFromInnoDBDict), "INNODB_SYS_FOREIGN")
			if dict != tt.refsFromDict {
				t.Errorf("referencedBySQL uses InnoDB's dictionary = %v, want %v", dict, tt.refsFromDict)
			}
			if strings.Contains(referencedBySQL(tt.s, refFromInfoSchema), "INNODB_SYS") {
				t.Error("the information_schema source reads InnoDB's dictionary")
			}
			if quotedDefaults(tt.s) != tt.quotedDefaults {
				t.Errorf("quotedDefaults = %v", !tt.quotedDefaults)
			}
			if p := routineBodyPrivilege(tt.s); !strings.Contains(p, tt.routinePriv) {
				t.Errorf("routineBodyPrivilege = %q, want %q", p, tt.routinePriv)
			}
		})
	}
}

// TestExplorerSQLIsTaggedAndParameterised checks every statement carries
// the tag and that user text only ever travels as a parameter.
func TestExplorerSQLIsTaggedAndParameterised(t *testing.T) {
	evil := "x'; DROP TABLE t; -- `"
	s := exServer(dba.FlavorMariaDB, 10, 11, 6)
	var all []string
	add := func(q string, args ...any) {
		all = append(all, q)
		for _, a := range args {
			if str, ok := a.(string); ok && strings.Contains(str, "DROP") && strings.Contains(q, str) {
				t.Errorf("user text inlined into %s", q)
			}
		}
	}
	add(schemaNamesSQL(dba.SchemaQuery{Filter: evil, After: evil, Limit: 5}))
	add(tableNamesSQL(dba.TableQuery{Schema: evil, Filter: evil, After: evil, Type: dba.TableTypeView, Limit: 5}))
	add(tableTypesSQL(evil, []string{evil, evil}))
	add(typedNamesSQL(dba.TableQuery{Schema: evil, Filter: evil, Type: dba.TableTypeTable}, evil, 3))
	add(tableInfoSQL(evil, []string{evil, evil}))
	add(tableSizesSQL(evil, []string{evil}))
	add(schemaTableNamesSQL([]string{evil, "b"}))
	add(innodbStatsSQL([]string{evil}))
	add(viewsSQL(evil, []string{evil}))
	add(suggestSQL(dba.KindTable, evil, evil))
	for _, k := range []dba.ObjectKind{dba.KindRoutine, dba.KindTrigger, dba.KindEvent} {
		add(objectsSQL(dba.ObjectQuery{Schema: evil, Kind: k, Filter: evil, After: evil, Limit: 3}))
	}
	all = append(all, columnsSQL, indexesSQL(s), fkColumnsSQL, fkRulesSQL, referencedBySQL(s, refFromInnoDBDict),
		referencedBySQL(s, refFromInfoSchema), referencingColumnsSQL, tableTriggersSQL, schemaExistsSQL)
	for _, q := range all {
		if !strings.HasPrefix(q, "/* mydba:explorer */ ") {
			t.Errorf("untagged: %s", q)
		}
	}
	// Identifiers, the only text built into SQL, are quoted.
	q := showCreateSQL(dba.KindTable, dba.QualifiedName{Schema: "a`b", Name: evil})
	if q != "/* mydba:explorer */ SHOW CREATE TABLE `a``b`.`x'; DROP TABLE t; -- ```" {
		t.Errorf("showCreateSQL = %s", q)
	}
	if showCreateSQL("index", dba.QualifiedName{Schema: "a", Name: "b"}) != "" {
		t.Error("showCreateSQL accepted an unknown kind")
	}
}

func TestLikeContains(t *testing.T) {
	for in, want := range map[string]string{
		"abc":    "%abc%",
		"50%":    "%50!%%",
		"a_b":    "%a!_b%",
		"wow!":   "%wow!!%",
		`back\s`: `%back\s%`,
	} {
		if got := likeContains(in); got != want {
			t.Errorf("likeContains(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeysetWhere(t *testing.T) {
	where, args := keysetWhere([]string{"a", "b`c", "d"}, []string{"?", "?", "CAST(? AS DECIMAL(65,30))"}, []any{1, "x", "2.5"})
	want := "((`a` > ?) OR (`a` = ? AND `b``c` > ?) OR (`a` = ? AND `b``c` = ? AND `d` > CAST(? AS DECIMAL(65,30))))"
	if where != want {
		t.Errorf("where = %s\nwant    %s", where, want)
	}
	if diff := cmp.Diff([]any{1, 1, "x", 1, "x", "2.5"}, args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
}

func TestKeyArg(t *testing.T) {
	tests := []struct {
		typ, in string
		want    any
		bad     bool
	}{
		{"int", "42", int64(42), false},
		{"bigint", "-9223372036854775808", int64(-9223372036854775808), false},
		{"bigint", "18446744073709551615", uint64(18446744073709551615), false},
		{"bigint", "1e3", nil, true},
		{"int", "", nil, true},
		{"varbinary", "0x00ff", []byte{0, 0xff}, false},
		{"binary", "00ff", nil, true},
		{"binary", "0xZZ", nil, true},
		{"varchar", "it's", "it's", false},
		{"datetime", "2024-01-01 00:00:00", "2024-01-01 00:00:00", false},
		{"varchar", "\xff", nil, true},
	}
	for _, tt := range tests {
		got, err := keyArg(tt.typ, tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("keyArg(%s, %q) err = %v", tt.typ, tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); !tt.bad && diff != "" {
			t.Errorf("keyArg(%s, %q) (-want +got):\n%s", tt.typ, tt.in, diff)
		}
	}
}

func TestChooseKey(t *testing.T) {
	col := func(name, typ string, nullable bool) dba.TableColumn {
		return dba.TableColumn{Name: name, DataType: typ, Nullable: nullable}
	}
	ix := func(name string, unique bool, parts ...dba.IndexPart) dba.TableIndex {
		return dba.TableIndex{Name: name, Primary: name == "PRIMARY", Unique: unique, Parts: parts}
	}
	part := func(c string) dba.IndexPart { return dba.IndexPart{Column: c} }
	ten := 10
	cols := []dba.TableColumn{col("id", "int", false), col("a", "varchar", false), col("n", "int", true), col("e", "enum", false), col("f", "double", false), col("t", "text", false)}
	tests := []struct {
		name    string
		idx     []dba.TableIndex
		want    string
		wantKey []string
	}{
		{"primary", []dba.TableIndex{ix("u", true, part("a")), ix("PRIMARY", true, part("id"))}, "PRIMARY", []string{"id"}},
		{"unique not null", []dba.TableIndex{ix("k", false, part("id")), ix("u", true, part("a"), part("id"))}, "u", []string{"a", "id"}},
		{"unique nullable is skipped", []dba.TableIndex{ix("u", true, part("n"))}, "", nil},
		{"prefix is skipped", []dba.TableIndex{ix("u", true, dba.IndexPart{Column: "a", SubPart: &ten})}, "", nil},
		{"expression is skipped", []dba.TableIndex{ix("u", true, dba.IndexPart{Expression: "(id + 1)"})}, "", nil},
		{"enum sorts unlike it compares", []dba.TableIndex{ix("u", true, part("e")), ix("v", true, part("id"))}, "v", []string{"id"}},
		{"double compares inexactly", []dba.TableIndex{ix("PRIMARY", true, part("f"))}, "", nil},
		{"no index", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, key := chooseKey(tt.idx, cols)
			if name != tt.want || !cmp.Equal(key, tt.wantKey) {
				t.Errorf("chooseKey = %q %v, want %q %v", name, key, tt.want, tt.wantKey)
			}
		})
	}
}

func TestPageByName(t *testing.T) {
	rows := func(names ...string) []catalogRow {
		var out []catalogRow
		for _, n := range names {
			out = append(out, catalogRow{"name": &n})
		}
		return out
	}
	names := func(rs []catalogRow) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.str("name"))
		}
		return out
	}
	tests := []struct {
		in       []string
		limit    int
		want     []string
		wantNext string
	}{
		{[]string{"a", "b"}, 2, []string{"a", "b"}, ""},
		{[]string{"a", "b", "c"}, 2, []string{"a", "b"}, "b"},
		{[]string{"a", "b", "b", "c"}, 2, []string{"a", "b", "b"}, "b"},
		{[]string{"a", "b", "b", "b", "b", "b"}, 2, []string{"a", "b", "b", "b", "b", "b"}, "b"},
	}
	for _, tt := range tests {
		got, next := pageByName(rows(tt.in...), tt.limit)
		if !cmp.Equal(names(got), tt.want) || next != tt.wantNext {
			t.Errorf("pageByName(%v, %d) = %v %q, want %v %q", tt.in, tt.limit, names(got), next, tt.want, tt.wantNext)
		}
	}
}

func TestParseColumnDefault(t *testing.T) {
	str := func(s string) *string { return &s }
	lit := func(v string) *dba.ColumnDefault { return &dba.ColumnDefault{Kind: dba.DefaultLiteral, Value: v} }
	expr := func(v string) *dba.ColumnDefault { return &dba.ColumnDefault{Kind: dba.DefaultExpression, Value: v} }
	null := &dba.ColumnDefault{Kind: dba.DefaultNull}
	my := exServer(dba.FlavorMySQL, 8, 0, 36)
	ma := exServer(dba.FlavorMariaDB, 10, 11, 6)
	tests := []struct {
		name     string
		s        dba.Server
		raw      *string
		nullable bool
		extra    string
		dataType string
		want     *dba.ColumnDefault
	}{
		{"mariadb quoted literal", ma, str("'it''s'"), true, "", "varchar", lit("it's")},
		{"mariadb backslash", ma, str(`'a\\b\n'`), true, "", "varchar", lit("a\\b\n")},
		{"mariadb string NULL", ma, str("'NULL'"), false, "", "varchar", lit("NULL")},
		{"mariadb DEFAULT NULL", ma, str("NULL"), true, "", "varchar", null},
		{"mariadb no default", ma, nil, false, "", "varchar", nil},
		{"mariadb number", ma, str("-1.50"), true, "", "decimal", lit("-1.50")},
		{"mariadb expression", ma, str("current_timestamp()"), false, "on update current_timestamp()", "timestamp", expr("current_timestamp()")},
		{"mariadb generated", ma, str("NULL"), true, "VIRTUAL GENERATED", "int", nil},
		{"mysql literal", my, str("abc"), true, "", "varchar", lit("abc")},
		{"mysql literal NULL text", my, str("NULL"), false, "", "varchar", lit("NULL")},
		{"mysql null nullable", my, nil, true, "", "varchar", null},
		{"mysql no default", my, nil, false, "", "varchar", nil},
		{"mysql auto_increment", my, nil, true, "auto_increment", "int", nil},
		{"mysql expression", my, str("uuid()"), true, "DEFAULT_GENERATED", "char", expr("uuid()")},
		{"mysql 5.7 current_timestamp", exServer(dba.FlavorMySQL, 5, 7, 44), str("CURRENT_TIMESTAMP(6)"), false, "on update CURRENT_TIMESTAMP(6)", "timestamp", expr("CURRENT_TIMESTAMP(6)")},
		{"mysql bit", my, str("b'101'"), true, "", "bit", expr("b'101'")},
		{"mysql stored generated", my, nil, true, "STORED GENERATED", "int", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseColumnDefault(tt.s, tt.raw, tt.nullable, parseColumnExtra(tt.extra), tt.dataType)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseColumnExtra(t *testing.T) {
	tests := map[string]columnExtra{
		"":               {},
		"auto_increment": {autoIncrement: true},
		"DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)": {defaultGenerated: true, onUpdate: "CURRENT_TIMESTAMP(6)"},
		"on update current_timestamp()":                    {onUpdate: "current_timestamp()"},
		"VIRTUAL GENERATED":                                {generated: "virtual"},
		"STORED GENERATED":                                 {generated: "stored"},
		"PERSISTENT GENERATED":                             {generated: "stored"},
		"INVISIBLE":                                        {invisible: true},
		"DEFAULT_GENERATED INVISIBLE":                      {defaultGenerated: true, invisible: true},
		"auto_increment INVISIBLE":                         {autoIncrement: true, invisible: true},
		"on update":                                        {},
	}
	for in, want := range tests {
		if got := parseColumnExtra(in); got != want {
			t.Errorf("parseColumnExtra(%q) = %+v, want %+v", in, got, want)
		}
	}
}

func TestInnoDBFKRules(t *testing.T) {
	tests := []struct {
		flags           int64
		onUpdate, onDel string
	}{
		{0, "RESTRICT", "RESTRICT"},
		{1, "RESTRICT", "CASCADE"},
		{2, "RESTRICT", "SET NULL"},
		{4 | 1, "CASCADE", "CASCADE"},
		{8 | 16, "SET NULL", "NO ACTION"},
		{32, "NO ACTION", "RESTRICT"},
	}
	for _, tt := range tests {
		u, d := innodbFKRules(tt.flags)
		if u != tt.onUpdate || d != tt.onDel {
			t.Errorf("flags %d: %s/%s, want %s/%s", tt.flags, u, d, tt.onUpdate, tt.onDel)
		}
	}
}

func TestStatsParent(t *testing.T) {
	for in, want := range map[string]string{
		"orders":           "orders",
		"t#P#p0":           "t",
		"t#p#p0":           "t",
		"t#P#p0#SP#p0sp0":  "t",
		"#sql-ib1234":      "#sql-ib1234",
		"weird#P#name#P#1": "weird",
	} {
		if got := statsParent(in); got != want {
			t.Errorf("statsParent(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDecodeCreateShapes covers the SHOW CREATE result shapes. Headers are
// MySQL 8.4.9's and MariaDB 10.11's (identical); see testdata/explorer.
func TestDecodeCreateShapes(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		row  catalogRow
		want string
		mode string
	}{
		{"table", catalogRow{"table": s("t1"), "create table": s("CREATE TABLE `t1` (\n  `a` int DEFAULT NULL,\n  KEY `b` (`b`) /*!80000 INVISIBLE */\n)")}, "CREATE TABLE `t1` (\n  `a` int DEFAULT NULL,\n  KEY `b` (`b`) /*!80000 INVISIBLE */\n)", ""},
		{"view", catalogRow{"view": s("v1"), "create view": s("CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v1` AS select 1 AS `1`"), "character_set_client": s("utf8mb4"), "collation_connection": s("utf8mb4_0900_ai_ci")}, "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v1` AS select 1 AS `1`", ""},
		{"function", catalogRow{"function": s("f"), "sql_mode": s("ONLY_FULL_GROUP_BY"), "create function": s("CREATE DEFINER=`root`@`%` FUNCTION `f_show_create`() RETURNS int\n    DETERMINISTIC\nRETURN 1"), "character_set_client": s("utf8mb4"), "collation_connection": s("utf8mb4_0900_ai_ci"), "database collation": s("utf8mb4_0900_ai_ci")}, "CREATE DEFINER=`root`@`%` FUNCTION `f_show_create`() RETURNS int\n    DETERMINISTIC\nRETURN 1", "ONLY_FULL_GROUP_BY"},
		{"trigger", catalogRow{"trigger": s("trig_bi"), "sql_mode": s(""), "sql original statement": s("CREATE DEFINER=`root`@`%` TRIGGER `trig_bi` BEFORE INSERT ON `trig_t` FOR EACH ROW SET NEW.a = NEW.a"), "character_set_client": s("utf8mb4"), "collation_connection": s("utf8mb4_0900_ai_ci"), "database collation": s("utf8mb4_0900_ai_ci"), "created": s("2024-05-01 10:00:00.12")}, "CREATE DEFINER=`root`@`%` TRIGGER `trig_bi` BEFORE INSERT ON `trig_t` FOR EACH ROW SET NEW.a = NEW.a", ""},
		{"event", catalogRow{"event": s("e"), "sql_mode": s(""), "time_zone": s("SYSTEM"), "create event": s("CREATE DEFINER=`root`@`%` EVENT `ev_show_create` ON SCHEDULE AT '2024-05-01 11:00:00' ON COMPLETION NOT PRESERVE ENABLE DO SELECT 1"), "character_set_client": s("utf8mb4"), "collation_connection": s("utf8mb4_0900_ai_ci"), "database collation": s("utf8mb4_0900_ai_ci")}, "CREATE DEFINER=`root`@`%` EVENT `ev_show_create` ON SCHEDULE AT '2024-05-01 11:00:00' ON COMPLETION NOT PRESERVE ENABLE DO SELECT 1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmt, mode, _, _ := decodeCreate(tt.row)
			if stmt == nil || *stmt != tt.want || mode != tt.mode {
				t.Errorf("decodeCreate = %v %q", stmt, mode)
			}
		})
	}
	// A routine body the server withholds comes back NULL.
	stmt, _, _, _ := decodeCreate(catalogRow{"procedure": s("p"), "create procedure": nil})
	if stmt != nil {
		t.Errorf("withheld body decoded as %q", *stmt)
	}
}

func TestPreviewValue(t *testing.T) {
	text := dba.PreviewColumn{Type: "text"}
	bin := dba.PreviewColumn{Type: "blob", Binary: true}
	num := dba.PreviewColumn{Type: "double", Numeric: true}
	tests := []struct {
		name string
		raw  []byte
		col  dba.PreviewColumn
		max  int
		want dba.Value
		cut  bool
	}{
		{"null", nil, text, 10, dba.Value{Null: true}, false},
		{"empty is not null", []byte{}, text, 10, dba.Value{Text: ""}, false},
		{"text NULL", []byte("NULL"), text, 10, dba.Value{Text: "NULL"}, false},
		{"binary", []byte{0, 0xab}, bin, 10, dba.Value{Text: "0x00AB"}, false},
		{"cut binary", []byte{1, 2, 3}, bin, 2, dba.Value{Text: "0x0102"}, true},
		{"cut text at a rune", []byte("ééé"), text, 5, dba.Value{Text: "éé"}, true},
		{"number", []byte("1e300"), num, 10, dba.Value{Text: "1e300", Number: true}, false},
		{"not a JSON number", []byte("inf"), num, 10, dba.Value{Text: "inf"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := previewValue(tt.raw, tt.col, tt.max)
			if got != tt.want || cut != tt.cut {
				t.Errorf("previewValue = %+v %v, want %+v %v", got, cut, tt.want, tt.cut)
			}
		})
	}
}

// FuzzColumnDecoding feeds arbitrary COLUMN_DEFAULT and EXTRA text to the
// column decoder of both flavours: it must never panic, a generated column
// never has a default, and literal defaults come out valid UTF-8 when they
// went in valid.
func FuzzColumnDecoding(f *testing.F) {
	for _, s := range []string{"'it''s'", "NULL", "current_timestamp()", `'a\\b'`, "'", "''", "b'101'", "-1.5e3", "(1 + 1)", `'\`} {
		f.Add(s, "DEFAULT_GENERATED on update CURRENT_TIMESTAMP", true)
		f.Add(s, "VIRTUAL GENERATED", false)
	}
	f.Fuzz(func(t *testing.T, def, extra string, nullable bool) {
		for _, s := range []dba.Server{exServer(dba.FlavorMySQL, 8, 0, 36), exServer(dba.FlavorMariaDB, 10, 11, 6)} {
			e := parseColumnExtra(extra)
			d := parseColumnDefault(s, &def, nullable, e, "varchar")
			if e.generated != "" && d != nil {
				t.Fatalf("generated column with default %+v", d)
			}
			if d != nil && d.Kind == dba.DefaultLiteral && utf8.ValidString(def) && !utf8.ValidString(d.Value) {
				t.Fatalf("literal %q decoded to invalid UTF-8 %q", def, d.Value)
			}
			_ = d.String()
		}
	})
}

// FuzzStatsParent: the parent of a statistics name is a prefix of it and a
// fixed point.
func FuzzStatsParent(f *testing.F) {
	for _, s := range []string{"t#P#p0", "t#p#p1#SP#s", "#P#", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := statsParent(s)
		if !strings.HasPrefix(s, p) || statsParent(p) != p {
			t.Fatalf("statsParent(%q) = %q", s, p)
		}
	})
}
