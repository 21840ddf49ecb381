package mysql

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// explorerSchemas creates schemas (name -> statements run in it) for one
// test and drops them afterwards. Names get the process id appended (see
// explorerTestSchema); the returned map gives the real names.
func explorerSchemas(t *testing.T, defs map[string][]string) map[string]string {
	t.Helper()
	admin := dbtest.Admin(t)
	names := map[string]string{}
	for base, stmts := range defs {
		name := explorerTestSchema(base)
		names[base] = name
		q := backtick(name)
		// Foreign keys may cross schemas, so drops skip the checks; each
		// string runs on one connection (the pool's sessions differ).
		drop := "SET foreign_key_checks = 0; DROP DATABASE IF EXISTS " + q + "; SET foreign_key_checks = 1"
		dbtest.Exec(t, admin, drop, "CREATE DATABASE "+q+" CHARACTER SET utf8mb4")
		t.Cleanup(func() { dbtest.Exec(t, admin, drop) })
		for _, s := range stmts {
			s = strings.ReplaceAll(s, "{other}", backtick(explorerTestSchema("t_explorer_other")))
			dbtest.Exec(t, admin, "USE "+q+"; "+strings.ReplaceAll(s, "{self}", q))
		}
	}
	return names
}

func TestSchemasPageFilterAndSize(t *testing.T) {
	db := open(t, params(dbtest.LeastPriv(t)))
	s := explorerSchemas(t, map[string][]string{
		"t_explorer_pg_a": {
			"CREATE TABLE i1 (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=InnoDB",
			"INSERT INTO i1 SELECT seq, REPEAT('x', 100) FROM seq_1_to_2000",
			"CREATE TABLE p1 (id INT PRIMARY KEY) ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 3",
			"CREATE TABLE a1 (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=Aria",
			"INSERT INTO a1 SELECT seq, REPEAT('y', 100) FROM seq_1_to_500",
			"CREATE VIEW v1 AS SELECT id FROM i1",
		},
		"t_explorer_pg_b":   nil,
		"t_explorer_pg_c":   {"CREATE TABLE x (id INT)"},
		"t_explorer_pg_x%y": nil,
	})
	ctx := context.Background()
	pid := strings.TrimPrefix(s["t_explorer_pg_a"], "t_explorer_pg_a")

	// Page through the filtered list two at a time.
	var got []string
	q := dba.SchemaQuery{Filter: "t_explorer_pg_", Limit: 2}
	for pages := 0; ; pages++ {
		p, err := db.Schemas(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Schemas) > 2 || pages > 5 {
			t.Fatalf("page of %d schemas, %d pages", len(p.Schemas), pages)
		}
		for _, sc := range p.Schemas {
			if strings.HasSuffix(sc.Name, pid) {
				got = append(got, sc.Name)
			}
		}
		if p.Next == "" {
			break
		}
		q.After = p.Next
	}
	want := []string{s["t_explorer_pg_a"], s["t_explorer_pg_b"], s["t_explorer_pg_c"], s["t_explorer_pg_x%y"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged schemas (-want +got):\n%s", diff)
	}

	// '%' and '_' in a filter match themselves.
	for _, tt := range []struct {
		filter string
		want   []string
	}{
		{"pg_x%y", []string{s["t_explorer_pg_x%y"]}},
		{"pg_x_y", nil},
		{"PG_X%", []string{s["t_explorer_pg_x%y"]}},
	} {
		p, err := db.Schemas(ctx, dba.SchemaQuery{Filter: tt.filter})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, sc := range p.Schemas {
			if strings.HasSuffix(sc.Name, pid) {
				names = append(names, sc.Name)
			}
		}
		if diff := cmp.Diff(tt.want, names); diff != "" {
			t.Errorf("filter %q (-want +got):\n%s", tt.filter, diff)
		}
	}

	// Sizes: InnoDB (incl. partitions) from the statistics table, Aria and
	// the view from information_schema; they must agree with a direct
	// information_schema sum.
	p, err := db.Schemas(ctx, dba.SchemaQuery{Filter: s["t_explorer_pg_a"]})
	if err != nil || len(p.Schemas) != 1 {
		t.Fatalf("%v %+v", err, p)
	}
	a := p.Schemas[0]
	if a.Tables != 3 || a.Views != 1 || a.Charset != "utf8mb4" {
		t.Errorf("schema a: %+v, want 3 tables, 1 view, utf8mb4", a)
	}
	var data, index int64
	admin := dbtest.Admin(t)
	if err := admin.QueryRow("SELECT SUM(DATA_LENGTH), SUM(INDEX_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", s["t_explorer_pg_a"]).Scan(&data, &index); err != nil {
		t.Fatal(err)
	}
	if a.DataBytes != data || a.IndexBytes != index || data == 0 {
		t.Errorf("sizes %d+%d, information_schema says %d+%d", a.DataBytes, a.IndexBytes, data, index)
	}
	if len(p.Notes) != 0 {
		t.Errorf("notes: %v", p.Notes)
	}
}

func TestTablesPageFilterType(t *testing.T) {
	db := open(t, params(dbtest.LeastPriv(t)))
	s := explorerSchemas(t, map[string][]string{"t_explorer_tp": {
		"CREATE TABLE Alpha (id INT PRIMARY KEY) COMMENT 'upper'",
		"CREATE TABLE alpha (id INT PRIMARY KEY) COMMENT 'lower'",
		"CREATE TABLE beta_1 (id INT) ENGINE=MyISAM",
		"CREATE TABLE `beta%1` (id INT)",
		"CREATE TABLE gamma (id INT) ENGINE=Aria",
		"CREATE VIEW v_alpha AS SELECT id FROM alpha",
		"CREATE SEQUENCE s1",
	}})
	schema := s["t_explorer_tp"]
	ctx := context.Background()
	walk := func(q dba.TableQuery) []string {
		t.Helper()
		var names []string
		for i := 0; ; i++ {
			p, err := db.Tables(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if i > 10 {
				t.Fatal("paging does not end")
			}
			for _, tb := range p.Tables {
				names = append(names, tb.Name+":"+tb.Type)
			}
			if p.Next == "" {
				return names
			}
			q.After = p.Next
		}
	}
	tests := []struct {
		name string
		q    dba.TableQuery
		want []string
	}{
		{"all by 2, byte order keeps Alpha and alpha", dba.TableQuery{Limit: 2},
			[]string{"Alpha:table", "alpha:table", "beta%1:table", "beta_1:table", "gamma:table", "s1:sequence", "v_alpha:view"}},
		{"filter is a substring, case-insensitive", dba.TableQuery{Filter: "ALPHA", Limit: 1},
			[]string{"Alpha:table", "alpha:table", "v_alpha:view"}},
		{"percent is literal", dba.TableQuery{Filter: "a%1"}, []string{"beta%1:table"}},
		{"underscore is literal", dba.TableQuery{Filter: "a_1"}, []string{"beta_1:table"}},
		{"views only", dba.TableQuery{Type: dba.TableTypeView}, []string{"v_alpha:view"}},
		{"tables only", dba.TableQuery{Type: dba.TableTypeTable, Limit: 3},
			[]string{"Alpha:table", "alpha:table", "beta%1:table", "beta_1:table", "gamma:table"}},
		{"after a name", dba.TableQuery{After: "beta_1"}, []string{"gamma:table", "s1:sequence", "v_alpha:view"}},
		{"no match", dba.TableQuery{Filter: "zzz"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Schema = schema
			if diff := cmp.Diff(tt.want, walk(tt.q)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	p, err := db.Tables(ctx, dba.TableQuery{Schema: schema, Filter: "gamma"})
	if err != nil || len(p.Tables) != 1 {
		t.Fatalf("%v %+v", err, p)
	}
	g := p.Tables[0]
	if g.Engine != "Aria" || g.Rows == nil || g.DataBytes == nil || g.Collation == "" || g.Created == "" {
		t.Errorf("gamma: %+v", g)
	}
	p, _ = db.Tables(ctx, dba.TableQuery{Schema: schema, Filter: "v_alpha"})
	if v := p.Tables[0]; v.Engine != "" || v.Rows != nil || v.Comment != "" {
		t.Errorf("view: %+v", v)
	}
}

// TestTablesTypeFilterPastFirstChunk: a type that is rare is found past
// the first chunk of names the type filter looks at.
func TestTablesTypeFilterPastFirstChunk(t *testing.T) {
	var stmts []string
	for i := range 300 {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE t%03d (id INT) ENGINE=Aria", i))
	}
	stmts = append(stmts, "CREATE VIEW zz_view AS SELECT 1 AS x", "CREATE VIEW zz_view2 AS SELECT 2 AS x")
	s := explorerSchemas(t, map[string][]string{"t_explorer_chunk": {strings.Join(stmts, "; ")}})
	db := open(t, params(dbtest.LeastPriv(t)))
	p, err := db.Tables(context.Background(), dba.TableQuery{Schema: s["t_explorer_chunk"], Type: dba.TableTypeView, Limit: 1})
	if err != nil || len(p.Tables) != 1 || p.Tables[0].Name != "zz_view" || p.Next != "zz_view" {
		t.Fatalf("%v %+v", err, p)
	}
	p, err = db.Tables(context.Background(), dba.TableQuery{Schema: s["t_explorer_chunk"], Type: dba.TableTypeTable, Limit: 2, After: "t297"})
	if err != nil || len(p.Tables) != 2 || p.Tables[1].Name != "t299" || p.Next != "" {
		t.Fatalf("%v %+v", err, p)
	}
}

func TestExplorerNotFound(t *testing.T) {
	db := open(t, params(dbtest.LeastPriv(t)))
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"unknown table", func() error { _, err := db.Describe(ctx, "shop", "ordrs"); return err }, `table shop.ordrs: not found (did you mean "orders"`},
		{"wrong case", func() error { _, err := db.Describe(ctx, "shop", "Orders"); return err }, `did you mean "orders"`},
		{"unknown schema", func() error { _, err := db.Describe(ctx, "shpo", "orders"); return err }, `schema shpo: not found (did you mean "shop"?)`},
		{"tables of unknown schema", func() error {
			_, err := db.Tables(ctx, dba.TableQuery{Schema: "shopp"})
			return err
		}, `schema shopp: not found (did you mean "shop"?)`},
		{"preview unknown", func() error {
			_, err := db.Preview(ctx, dba.PreviewQuery{Table: dba.QualifiedName{Schema: "shop", Name: "customer"}})
			return err
		}, `did you mean "customers"`},
		{"emoji name", func() error { _, err := db.Describe(ctx, "shop", "🐬"); return err }, "table shop.`🐬`: not found"},
		{"unknown procedure", func() error {
			_, err := db.ShowCreate(ctx, dba.KindProcedure, dba.QualifiedName{Schema: "shop", Name: "nope"})
			return err
		}, "procedure shop.nope: not found"},
		{"unknown trigger", func() error {
			_, err := db.ShowCreate(ctx, dba.KindTrigger, dba.QualifiedName{Schema: "shop", Name: "nope"})
			return err
		}, "trigger shop.nope: not found"},
		{"view that is a table", func() error {
			_, err := db.ShowCreate(ctx, dba.KindView, dba.QualifiedName{Schema: "shop", Name: "orders"})
			return err
		}, "not a view"},
		{"objects of unknown schema", func() error {
			_, err := db.Objects(ctx, dba.ObjectQuery{Schema: "nosuch_schema_x", Kind: dba.KindRoutine})
			return err
		}, "schema nosuch_schema_x: not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, dba.ErrNotFound) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrNotFound with %q", err, tt.want)
			}
		})
	}
	// Bad input never reaches the server.
	for _, bad := range []func() error{
		func() error { _, err := db.Describe(ctx, "", "x"); return err },
		func() error { _, err := db.Tables(ctx, dba.TableQuery{Schema: "shop", Limit: -1}); return err },
		func() error { _, err := db.Tables(ctx, dba.TableQuery{Schema: "shop", Type: "index"}); return err },
		func() error { _, err := db.Objects(ctx, dba.ObjectQuery{Schema: "shop", Kind: "table"}); return err },
		func() error {
			_, err := db.ShowCreate(ctx, "index", dba.QualifiedName{Schema: "shop", Name: "x"})
			return err
		},
		func() error {
			_, err := db.Preview(ctx, dba.PreviewQuery{Table: dba.QualifiedName{Schema: "shop", Name: strings.Repeat("x", 65)}})
			return err
		},
	} {
		if err := bad(); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("bad input: err = %v, want ErrInvalid", err)
		}
	}
}

// describeFixture has every shape describe must show, and names that need
// quoting everywhere. MariaDB refuses characters outside the BMP (emoji)
// in identifiers and turns them into '?' in comments (stored as utf8mb3),
// so emoji go into data instead.
var describeFixture = []string{
	"CREATE TABLE `pa rent.é` (id INT NOT NULL, code CHAR(2) NOT NULL, PRIMARY KEY (id, code)) ENGINE=InnoDB COMMENT 'parent 🐬'",
	"CREATE TABLE `we``ird \"ta'ble é` (" +
		"`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'key 🔑', " +
		"`col \"a\" b` VARCHAR(40) DEFAULT 'it''s' COMMENT 'quoted', " +
		"`é``ü` TEXT, " +
		"pid INT, pcode CHAR(2), " +
		"total DECIMAL(10,2) NOT NULL DEFAULT 0, " +
		"doubled INT AS (pid * 2) VIRTUAL, " +
		"stored_c VARCHAR(40) AS (UPPER(`col \"a\" b`)) STORED, " +
		"hidden_c INT INVISIBLE DEFAULT 7, " +
		"updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, " +
		"PRIMARY KEY (id), UNIQUE KEY `u one` (`col \"a\" b`, pid), KEY k_prefix (`é``ü`(12)), KEY k_desc (total DESC, pid), " +
		"FULLTEXT KEY ft (`é``ü`), KEY k_ign (updated) IGNORED, " +
		"CONSTRAINT `fk ``p``` FOREIGN KEY (pid, pcode) REFERENCES `pa rent.é` (id, code) ON DELETE CASCADE ON UPDATE SET NULL" +
		") ENGINE=InnoDB COMMENT 'odd ü'",
	"CREATE TABLE {other}.kid (id INT PRIMARY KEY, pid INT, pcode CHAR(2), FOREIGN KEY (pid, pcode) REFERENCES {self}.`pa rent.é` (id, code)) ENGINE=InnoDB",
	"CREATE TRIGGER `trg ``one``` BEFORE INSERT ON `we``ird \"ta'ble é` FOR EACH ROW SET NEW.total = NEW.total + 0",
	"CREATE VIEW `v 'odd'` AS SELECT id, total FROM `we``ird \"ta'ble é`",
	"CREATE PROCEDURE `proc ü`() SELECT 1",
	"CREATE FUNCTION `fn ü`(x INT) RETURNS INT DETERMINISTIC RETURN x + 1",
	"CREATE EVENT `ev ü` ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO SELECT 1",
}

const oddSchemaBase = "t_explorer_odd `q` é.x"

func oddFixture(t *testing.T) (schema string) {
	t.Helper()
	// The other schema first: the fixture references it.
	explorerSchemas(t, map[string][]string{"t_explorer_other": nil})
	return explorerSchemas(t, map[string][]string{oddSchemaBase: describeFixture})[oddSchemaBase]
}

func TestDescribeEverything(t *testing.T) {
	schema := oddFixture(t)
	other := explorerTestSchema("t_explorer_other")
	const table = "we`ird \"ta'ble é"
	ctx := context.Background()
	for _, who := range []struct {
		name          string
		dsn           func(testing.TB) dba.DSN
		triggersShown bool
	}{{"root", dbtest.Primary, true}, {"least-privilege", dbtest.LeastPriv, false}} {
		t.Run(who.name, func(t *testing.T) {
			db := open(t, params(who.dsn(t)))
			det, err := db.Describe(ctx, schema, table)
			if err != nil {
				t.Fatal(err)
			}
			if det.Table.Name != table || det.Table.Engine != "InnoDB" || det.Table.Comment != "odd ü" {
				t.Errorf("table: %+v", det.Table)
			}
			var cols []string
			for _, c := range det.Columns {
				cols = append(cols, fmt.Sprintf("%s|%s|%s|%s|%v", c.Name, c.Default.String(), c.Generated, c.OnUpdate, c.Invisible))
			}
			wantCols := []string{
				"id||||false", `col "a" b|'it''s'|||false`, "é`ü|NULL|||false", "pid|NULL|||false", "pcode|NULL|||false",
				"total|'0.00'|||false", "doubled||virtual||false", "stored_c||stored||false", "hidden_c|'7'|||true",
				"updated|current_timestamp()||current_timestamp()|false",
			}
			if diff := cmp.Diff(wantCols, cols); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if c := det.Columns[6]; c.Expression != "`pid` * 2" {
				t.Errorf("generated expression %q", c.Expression)
			}
			var idx []string
			for _, ix := range det.Indexes {
				var parts []string
				for _, p := range ix.Parts {
					s := p.Column + " " + p.Order
					if p.SubPart != nil {
						s += fmt.Sprintf("(%d)", *p.SubPart)
					}
					parts = append(parts, s)
				}
				idx = append(idx, fmt.Sprintf("%s unique=%v %s visible=%v [%s]", ix.Name, ix.Unique, ix.Type, ix.Visible, strings.Join(parts, ", ")))
			}
			wantIdx := []string{
				"PRIMARY unique=true BTREE visible=true [id ASC]",
				`u one unique=true BTREE visible=true [col "a" b ASC, pid ASC]`,
				"fk `p` unique=false BTREE visible=true [pid ASC, pcode ASC]",
				"ft unique=false FULLTEXT visible=true [é`ü ]",
				"k_desc unique=false BTREE visible=true [total DESC, pid ASC]",
				"k_ign unique=false BTREE visible=false [updated ASC]",
				"k_prefix unique=false BTREE visible=true [é`ü ASC(12)]",
			}
			if diff := cmp.Diff(wantIdx, idx); diff != "" {
				t.Errorf("indexes (-want +got):\n%s", diff)
			}
			wantFK := []dba.ForeignKey{{
				Name: "fk `p`", Schema: schema, Table: table, Columns: []string{"pid", "pcode"},
				RefSchema: schema, RefTable: "pa rent.é", RefColumns: []string{"id", "code"}, OnUpdate: "SET NULL", OnDelete: "CASCADE",
			}}
			if diff := cmp.Diff(wantFK, det.ForeignKeys); diff != "" {
				t.Errorf("foreign keys (-want +got):\n%s", diff)
			}
			if len(det.ReferencedBy) != 0 {
				t.Errorf("referenced by: %+v", det.ReferencedBy)
			}
			parent, err := db.Describe(ctx, schema, "pa rent.é")
			if err != nil {
				t.Fatal(err)
			}
			wantRefs := []dba.ForeignKey{
				{Name: "fk `p`", Schema: schema, Table: table, Columns: []string{"pid", "pcode"}, RefSchema: schema, RefTable: "pa rent.é", RefColumns: []string{"id", "code"}, OnUpdate: "SET NULL", OnDelete: "CASCADE"},
				{Name: "kid_ibfk_1", Schema: other, Table: "kid", Columns: []string{"pid", "pcode"}, RefSchema: schema, RefTable: "pa rent.é", RefColumns: []string{"id", "code"}, OnUpdate: "RESTRICT", OnDelete: "RESTRICT"},
			}
			byTable := func(a, b dba.ForeignKey) int { return strings.Compare(a.Schema+a.Table, b.Schema+b.Table) }
			slices.SortFunc(parent.ReferencedBy, byTable)
			slices.SortFunc(wantRefs, byTable)
			if diff := cmp.Diff(wantRefs, parent.ReferencedBy); diff != "" {
				t.Errorf("referenced by (-want +got):\n%s", diff)
			}
			if who.triggersShown {
				if len(det.Triggers) != 1 || det.Triggers[0].Name != "trg `one`" || det.Triggers[0].Timing != "BEFORE" || det.TriggersHidden != "" {
					t.Errorf("triggers %+v hidden %q", det.Triggers, det.TriggersHidden)
				}
			} else if len(det.Triggers) != 0 || !strings.Contains(det.TriggersHidden, "needs TRIGGER privilege") {
				t.Errorf("least privilege: triggers %+v hidden %q", det.Triggers, det.TriggersHidden)
			}
			if !strings.HasPrefix(det.Create, "CREATE TABLE `we``ird \"ta'ble é`") || !strings.Contains(det.Create, "IGNORED") {
				t.Errorf("create: %s", det.Create)
			}
			view, err := db.Describe(ctx, schema, "v 'odd'")
			if err != nil || view.Table.Type != "view" || len(view.Columns) != 2 || view.TriggersHidden != "" || len(view.Indexes) != 0 ||
				!strings.Contains(view.Create, ".`v 'odd'` AS select") {
				t.Errorf("view: %v %+v", err, view)
			}
		})
	}
}

// TestReferencedBySourcesAgree reads the foreign keys pointing at a table
// from InnoDB's dictionary and from information_schema: same answer. The
// information_schema side opens every table on the server (seconds with
// the benchmark's 10,000-table schema present), hence one table and a long
// timeout.
func TestReferencedBySourcesAgree(t *testing.T) {
	schema := oddFixture(t)
	p := params(dbtest.LeastPriv(t))
	p.CallTimeout = 2 * time.Minute
	db := open(t, p)
	if !db.Server().IsMariaDB() {
		t.Skip("InnoDB's dictionary is read on MariaDB only")
	}
	const table = "pa rent.é"
	var dict, is []dba.ForeignKey
	err := db.withSession(context.Background(), func(ctx context.Context, s Session) error {
		var err error
		if dict, err = db.referencedByDict(ctx, s.Conn, schema, table); err != nil {
			return err
		}
		is, err = db.referencedByInfoSchema(ctx, s.Conn, schema, table)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dict) != 2 {
		t.Errorf("dictionary: %+v, want 2 constraints", dict)
	}
	key := func(a, b dba.ForeignKey) int {
		return strings.Compare(a.Schema+a.Table+a.Name, b.Schema+b.Table+b.Name)
	}
	slices.SortFunc(dict, key)
	slices.SortFunc(is, key)
	if diff := cmp.Diff(is, dict); diff != "" {
		t.Errorf("(-information_schema +dictionary):\n%s", diff)
	}
}

func TestObjectsAndShowCreate(t *testing.T) {
	schema := oddFixture(t)
	ctx := context.Background()
	root := open(t, params(dbtest.Primary(t)))
	least := open(t, params(dbtest.LeastPriv(t)))
	list := func(db *DB, kind dba.ObjectKind) ([]string, string) {
		t.Helper()
		p, err := db.Objects(ctx, dba.ObjectQuery{Schema: schema, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range p.Objects {
			names = append(names, string(o.Kind)+":"+o.Name)
		}
		return names, p.Hidden
	}
	tests := []struct {
		kind              dba.ObjectKind
		root, leastPriv   []string
		hiddenForLeastPri string
	}{
		{dba.KindView, []string{"view:v 'odd'"}, []string{"view:v 'odd'"}, ""},
		{dba.KindRoutine, []string{"function:fn ü", "procedure:proc ü"}, []string{"function:fn ü", "procedure:proc ü"}, ""},
		{dba.KindTrigger, []string{"trigger:trg `one`"}, nil, "TRIGGER"},
		{dba.KindEvent, []string{"event:ev ü"}, nil, "needs EVENT privilege"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			got, hidden := list(root, tt.kind)
			if diff := cmp.Diff(tt.root, got); diff != "" || hidden != "" {
				t.Errorf("root (-want +got):\n%s hidden %q", diff, hidden)
			}
			got, hidden = list(least, tt.kind)
			if diff := cmp.Diff(tt.leastPriv, got); diff != "" {
				t.Errorf("least privilege (-want +got):\n%s", diff)
			}
			if (tt.hiddenForLeastPri == "") != (hidden == "") || !strings.Contains(hidden, tt.hiddenForLeastPri) {
				t.Errorf("least privilege hidden = %q, want %q", hidden, tt.hiddenForLeastPri)
			}
		})
	}

	creates := []struct {
		kind          dba.ObjectKind
		name          string
		wantPrefix    string
		leastPrivSees bool
	}{
		{dba.KindTable, "we`ird \"ta'ble é", "CREATE TABLE `we``ird", true},
		{dba.KindView, "v 'odd'", "CREATE ALGORITHM=UNDEFINED", true},
		{dba.KindProcedure, "proc ü", "CREATE DEFINER=", true},
		{dba.KindFunction, "fn ü", "CREATE DEFINER=", true},
		{dba.KindTrigger, "trg `one`", "CREATE DEFINER=", false},
		{dba.KindEvent, "ev ü", "CREATE DEFINER=", false},
	}
	for _, tt := range creates {
		t.Run("show create "+string(tt.kind), func(t *testing.T) {
			name := dba.QualifiedName{Schema: schema, Name: tt.name}
			c, err := root.ShowCreate(ctx, tt.kind, name)
			if err != nil || !strings.HasPrefix(c.SQL, tt.wantPrefix) || c.Hidden != "" {
				t.Errorf("root: %v %q hidden %q", err, c.SQL, c.Hidden)
			}
			c, err = least.ShowCreate(ctx, tt.kind, name)
			if err != nil {
				t.Fatalf("least privilege must not fail: %v", err)
			}
			if tt.leastPrivSees != (c.SQL != "") || tt.leastPrivSees != (c.Hidden == "") {
				t.Errorf("least privilege: sql %q hidden %q", c.SQL, c.Hidden)
			}
			if !tt.leastPrivSees && !strings.HasPrefix(c.Hidden, "hidden: needs ") {
				t.Errorf("hidden = %q", c.Hidden)
			}
		})
	}
}

func TestPreviewKeysetPaging(t *testing.T) {
	s := explorerSchemas(t, map[string][]string{"t_explorer_pv": {
		"CREATE TABLE comp (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT, PRIMARY KEY (a, b)) ENGINE=InnoDB",
		"INSERT INTO comp SELECT seq DIV 3, CONCAT('k', seq MOD 3), seq FROM seq_0_to_24",
		"CREATE TABLE big (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v INT)",
		"INSERT INTO big VALUES (1, 1), (9223372036854775807, 2), (9223372036854775808, 3), (18446744073709551614, 4), (18446744073709551615, 5)",
		"CREATE TABLE uq (code VARBINARY(4) NOT NULL, n INT, UNIQUE KEY u (code))",
		"INSERT INTO uq VALUES (0x00, 1), (0x0101, 2), (0xFF, 3)",
		"CREATE TABLE nokey (v INT)",
		"INSERT INTO nokey VALUES (1), (2), (3)",
		"CREATE TABLE vals (id INT PRIMARY KEY, t TEXT, b BLOB, d DATETIME, z DATE, n DECIMAL(30,10), f DOUBLE, j JSON)",
		"INSERT INTO vals VALUES (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (2, 'NULL', 0x00FF, '2024-02-29 10:11:12', '0000-00-00', 12345678901234567890.0123456789, 1e300, '{\"k\": \"🐬\"}'), " +
			"(3, REPEAT('é', 40), REPEAT(0xAB, 40), '2024-01-01', '2024-01-01', -0.5, -2.5e-5, '[]')",
	}})
	schema := s["t_explorer_pv"]
	db := open(t, params(dbtest.LeastPriv(t)))
	ctx := context.Background()
	walk := func(table string, limit int) ([][]string, *dba.Preview) {
		t.Helper()
		q := dba.PreviewQuery{Table: dba.QualifiedName{Schema: schema, Name: table}, Limit: limit}
		var rows [][]string
		var last dba.Preview
		for i := 0; ; i++ {
			p, err := db.Preview(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if i > 20 {
				t.Fatal("paging does not end")
			}
			for _, r := range p.Rows {
				var cells []string
				for _, v := range r {
					cells = append(cells, v.Text)
				}
				rows = append(rows, cells)
			}
			last = p
			if p.Next == nil {
				return rows, &last
			}
			q.After = p.Next
		}
	}
	rows, p := walk("comp", 10)
	if len(rows) != 25 || !slices.Equal(p.Key, []string{"a", "b"}) || p.KeyIndex != "PRIMARY" {
		t.Fatalf("comp: %d rows, key %v", len(rows), p.Key)
	}
	for i, r := range rows {
		if want := fmt.Sprint(i); r[2] != want {
			t.Fatalf("row %d is v=%s: order or completeness broken: %v", i, r[2], rows)
		}
	}
	rows, _ = walk("big", 2)
	if got := []string{rows[0][0], rows[1][0], rows[2][0], rows[3][0], rows[4][0]}; !slices.Equal(got, []string{"1", "9223372036854775807", "9223372036854775808", "18446744073709551614", "18446744073709551615"}) {
		t.Errorf("unsigned keys past 2^63: %v", got)
	}
	rows, p = walk("uq", 1)
	if len(rows) != 3 || rows[2][0] != "0xFF" || p.KeyIndex != "u" {
		t.Errorf("binary unique key: %v (%s)", rows, p.KeyIndex)
	}
	rows, p = walk("nokey", 2)
	if len(rows) != 2 || p.Next != nil || !strings.Contains(p.Note, "no primary key") {
		t.Errorf("no key: %v %q", rows, p.Note)
	}
	if _, err := db.Preview(ctx, dba.PreviewQuery{Table: dba.QualifiedName{Schema: schema, Name: "nokey"}, After: []string{"1"}}); !errors.Is(err, dba.ErrInvalid) {
		t.Errorf("--after without a key: %v", err)
	}
	for _, after := range [][]string{{"1"}, {"x", "k1"}} {
		if _, err := db.Preview(ctx, dba.PreviewQuery{Table: dba.QualifiedName{Schema: schema, Name: "comp"}, After: after}); !errors.Is(err, dba.ErrInvalid) {
			t.Errorf("--after %v: %v", after, err)
		}
	}

	// Values: NULL is not "NULL", binary is hex, zero dates survive, long
	// values are cut and flagged, numbers are marked for JSON.
	p2, err := db.Preview(ctx, dba.PreviewQuery{Table: dba.QualifiedName{Schema: schema, Name: "vals"}, MaxCellBytes: 32})
	if err != nil {
		t.Fatal(err)
	}
	v := p2.Rows
	if !v[0][1].Null || v[1][1].Null || v[1][1].Text != "NULL" {
		t.Errorf("NULL vs 'NULL': %+v %+v", v[0][1], v[1][1])
	}
	if v[1][2].Text != "0x00FF" || !p2.Columns[2].Binary {
		t.Errorf("blob: %+v", v[1][2])
	}
	if v[1][3].Text != "2024-02-29 10:11:12" || v[1][4].Text != "0000-00-00" {
		t.Errorf("dates: %q %q", v[1][3].Text, v[1][4].Text)
	}
	if v[1][5].Text != "12345678901234567890.0123456789" || !v[1][5].Number || !v[2][6].Number {
		t.Errorf("numbers: %+v %+v", v[1][5], v[2][6])
	}
	if v[1][7].Text != `{"k": "🐬"}` {
		t.Errorf("json: %q", v[1][7].Text)
	}
	if got := v[2][1].Text; got != strings.Repeat("é", 16) || !p2.Truncated || p2.Columns[1].Truncated != 1 || p2.Columns[2].Truncated != 1 {
		t.Errorf("cut: %q truncated=%v cols=%+v", got, p2.Truncated, p2.Columns)
	}
	if got := v[2][2].Text; got != "0x"+strings.Repeat("AB", 32) {
		t.Errorf("cut blob: %q", got)
	}
}

func TestPreviewOddNames(t *testing.T) {
	schema := oddFixture(t)
	admin := dbtest.Admin(t)
	dbtest.Exec(t, admin, "INSERT INTO "+backtick(schema)+".`pa rent.é` VALUES (1, 'ab')",
		"INSERT INTO "+backtick(schema)+".`we``ird \"ta'ble é` (`col \"a\" b`, `é``ü`, pid, pcode) VALUES ('🐬 dolphin', 'ü', 1, 'ab'), ('x', NULL, NULL, NULL)")
	db := open(t, params(dbtest.LeastPriv(t)))
	p, err := db.Preview(context.Background(), dba.PreviewQuery{Table: dba.QualifiedName{Schema: schema, Name: "we`ird \"ta'ble é"}, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 1 || p.Rows[0][1].Text != "🐬 dolphin" || p.Next[0] != "1" || p.Columns[2].Name != "é`ü" {
		t.Errorf("preview: %+v", p)
	}
	p, err = db.Preview(context.Background(), dba.PreviewQuery{Table: dba.QualifiedName{Schema: schema, Name: "we`ird \"ta'ble é"}, After: p.Next})
	if err != nil || len(p.Rows) != 1 || !p.Rows[0][2].Null {
		t.Errorf("page 2: %v %+v", err, p)
	}
}
