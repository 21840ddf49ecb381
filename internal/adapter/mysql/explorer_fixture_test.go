package mysql

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

var updateExplorer = flag.Bool("update-explorer", false, "rewrite the explorer golden files and re-capture the MariaDB fixtures from the sandbox")

const explorerFixtures = "testdata/explorer"

// Header spellings of real server output mapped to the aliases the
// explorer's SQL gives, so fixtures stay verbatim (SHOW KEYS, SELECT * FROM
// information_schema.STATISTICS, DESCRIBE).
var explorerFixtureAliases = map[string]string{
	// SHOW KEYS / SHOW INDEX
	"Key_name": "index_name", "Non_unique": "non_unique", "Seq_in_index": "seq", "Column_name": "column_name",
	"Sub_part": "sub_part", "Collation": "collation", "Cardinality": "cardinality", "Null": "nullable",
	"Index_type": "index_type", "Index_comment": "comment", "Visible": "visible", "Expression": "expression",
	// information_schema.STATISTICS
	"INDEX_NAME": "index_name", "NON_UNIQUE": "non_unique", "SEQ_IN_INDEX": "seq", "COLUMN_NAME": "column_name",
	"SUB_PART": "sub_part", "COLLATION": "collation", "CARDINALITY": "cardinality", "NULLABLE": "nullable",
	"INDEX_TYPE": "index_type", "INDEX_COMMENT": "comment", "IS_VISIBLE": "visible", "EXPRESSION": "expression",
	// DESCRIBE / SHOW COLUMNS
	"Field": "name", "Type": "column_type", "Default": "column_default", "Extra": "extra",
}

// loadExplorerFixture reads a tab-separated fixture: a header line, then rows;
// \N is SQL NULL. Headers are mapped through explorerFixtureAliases; DESCRIBE
// fixtures get data_type and position derived as information_schema has
// them.
func loadExplorerFixture(t *testing.T, name string) []catalogRow {
	t.Helper()
	f, err := os.Open(filepath.Join(explorerFixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var header []string
	var rows []catalogRow
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = fields
			for i, h := range header {
				if a, ok := explorerFixtureAliases[h]; ok {
					header[i] = a
				}
			}
			continue
		}
		r := catalogRow{}
		for i, h := range header {
			if i >= len(fields) || fields[i] == `\N` {
				r[h] = nil
				continue
			}
			v := fields[i]
			r[h] = &v
		}
		if _, ok := r["data_type"]; !ok && r["column_type"] != nil {
			dt := strings.ToLower(*r["column_type"])
			if i := strings.IndexAny(dt, "( "); i > 0 {
				dt = dt[:i]
			}
			r["data_type"] = &dt
			pos := strconv.Itoa(len(rows) + 1)
			r["position"] = &pos
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// explorerGolden compares v with name.golden.json, rewriting it under
// -update-explorer.
func explorerGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join(explorerFixtures, name+".golden.json")
	if *updateExplorer {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update-explorer to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from its golden file (-want +got):\n%s", name, diff)
	}
}

func TestDecodeIndexFixtures(t *testing.T) {
	for _, f := range []string{
		"mysql-8.0-statistics-functional.tsv",
		"mysql-8.0-show-keys-mixed-functional.tsv",
		"mysql-8.0-show-keys-invisible.tsv",
		"mysql-8.0-show-keys-spatial-invisible.tsv",
		"mariadb-10.11-indexes.tsv",
	} {
		t.Run(f, func(t *testing.T) {
			explorerGolden(t, strings.TrimSuffix(f, ".tsv"), decodeIndexes(loadExplorerFixture(t, f)))
		})
	}
}

func TestDecodeColumnFixtures(t *testing.T) {
	for _, tt := range []struct {
		file   string
		server dba.Server
	}{
		{"mysql-8.0-describe-default-expression.tsv", exServer(dba.FlavorMySQL, 8, 0, 36)},
		{"mysql-8.0-describe-generated.tsv", exServer(dba.FlavorMySQL, 8, 0, 36)},
		{"mysql-8.0-describe-on-update.tsv", exServer(dba.FlavorMySQL, 8, 0, 36)},
		{"mariadb-10.11-columns.tsv", exServer(dba.FlavorMariaDB, 10, 11, 6)},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var cols []dba.TableColumn
			for _, r := range loadExplorerFixture(t, tt.file) {
				cols = append(cols, decodeColumn(tt.server, r))
			}
			explorerGolden(t, strings.TrimSuffix(tt.file, ".tsv"), cols)
		})
	}
}

func TestDecodeReferencedByFixture(t *testing.T) {
	explorerGolden(t, "mariadb-10.11-referenced-by", decodeReferencedBy("t_explorer_capture", "parent", loadExplorerFixture(t, "mariadb-10.11-referenced-by.tsv")))
}

// TestCaptureMariaDBFixtures re-captures the MariaDB fixtures with the
// explorer's own SQL when run with -update-explorer; otherwise it checks
// the committed fixtures still match what the sandbox says.
func TestCaptureMariaDBFixtures(t *testing.T) {
	admin := dbtest.Admin(t)
	db := open(t, params(dbtest.Primary(t)))
	if !db.Server().IsMariaDB() {
		t.Skip("the fixtures are MariaDB's")
	}
	// A name of this process's own: engineers' runs share the sandbox. The
	// fixtures spell it t_explorer_capture.
	schema := explorerTestSchema("t_explorer_capture")
	dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+schema, "CREATE DATABASE "+schema)
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+schema) })
	dbtest.Exec(t, admin, explorerCaptureSQL(schema)...)
	ctx := context.Background()
	capture := func(name, query string, args ...any) {
		t.Helper()
		var rows []catalogRow
		err := db.withSession(ctx, func(ctx context.Context, s Session) error {
			var err error
			rows, err = readCatalog(ctx, s.Conn, query, args...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.ReplaceAll(explorerRowsTSV(rows), schema, "t_explorer_capture")
		path := filepath.Join(explorerFixtures, name)
		if *updateExplorer {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("%s: the sandbox now answers differently (-fixture +sandbox):\n%s", name, diff)
		}
	}
	capture("mariadb-10.11-columns.tsv", columnsSQL, schema, "d")
	capture("mariadb-10.11-indexes.tsv", indexesSQL(db.Server()), schema, "d")
	capture("mariadb-10.11-referenced-by.tsv", referencedBySQL(db.Server(), refFromInnoDBDict), schema, "parent")
}

// explorerTestSchema names a test schema for this test process, so
// concurrent runs on the shared sandbox never drop each other's schemas.
func explorerTestSchema(base string) string {
	return base + "_" + strconv.Itoa(os.Getpid())
}

// explorerCaptureSQL is the table the MariaDB fixtures describe: every kind
// of default, generated columns, an invisible column, every index shape.
func explorerCaptureSQL(schema string) []string {
	return []string{
		"CREATE TABLE " + schema + ".d (" +
			"id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, " +
			"a VARCHAR(20) DEFAULT 'it''s', b VARCHAR(20) NOT NULL DEFAULT 'NULL', c VARCHAR(20), d2 VARCHAR(20) NOT NULL, " +
			"e INT DEFAULT 0, f DECIMAL(5,2) DEFAULT -1.50, " +
			"g TIMESTAMP NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), h DATETIME(3) DEFAULT current_timestamp(3), " +
			"i BIT(3) DEFAULT b'101', j VARBINARY(4) DEFAULT 0x41, k INT DEFAULT (1+1), l CHAR(36) DEFAULT uuid(), " +
			"m INT AS (e*2) VIRTUAL, n INT AS (e*3) PERSISTENT, o INT INVISIBLE DEFAULT 5, p TEXT DEFAULT 'x\\\\y', " +
			"q JSON DEFAULT '{\"a\": 1}', r ENUM('x','y') DEFAULT 'y', s VARCHAR(5) DEFAULT '', t TEXT, " +
			"UNIQUE KEY u_a_b (a, b), KEY k_prefix (p(10)), KEY k_desc (e DESC, f), FULLTEXT KEY ft_t (t), KEY k_ignored (h) IGNORED" +
			") ENGINE=InnoDB",
		"CREATE TABLE " + schema + ".parent (id INT PRIMARY KEY, code CHAR(2) NOT NULL, UNIQUE KEY (id, code)) ENGINE=InnoDB",
		"CREATE TABLE " + schema + ".`ch ild` (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE) ENGINE=InnoDB",
		"CREATE TABLE " + schema + ".`ch€ild` (id INT PRIMARY KEY, pid INT, pcode CHAR(2), " +
			"CONSTRAINT fk_two FOREIGN KEY (pid, pcode) REFERENCES parent (id, code) ON UPDATE SET NULL ON DELETE NO ACTION) ENGINE=InnoDB",
	}
}

// explorerRowsTSV writes rows in the fixture format, columns in a stable order.
func explorerRowsTSV(rows []catalogRow) string {
	if len(rows) == 0 {
		return ""
	}
	var cols []string
	for k := range rows[0] {
		cols = append(cols, k)
	}
	slices.Sort(cols)
	var b strings.Builder
	b.WriteString(strings.Join(cols, "\t") + "\n")
	for _, r := range rows {
		vals := make([]string, len(cols))
		for i, c := range cols {
			if r[c] == nil {
				vals[i] = `\N`
			} else {
				vals[i] = *r[c]
			}
		}
		b.WriteString(strings.Join(vals, "\t") + "\n")
	}
	return b.String()
}
