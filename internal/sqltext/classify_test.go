package sqltext

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		sql   string
		class Class
		read  bool
	}{
		{"SELECT * FROM t WHERE id = 1", ClassRead, true},
		{"select 1 union all select 2", ClassRead, true},
		{"WITH x AS (SELECT 1) SELECT * FROM x", ClassRead, true},
		{"SHOW ENGINE INNODB STATUS", ClassRead, true},
		{"SHOW FULL PROCESSLIST", ClassRead, true},
		{"/* x */ SHOW SLAVE STATUS", ClassRead, true},
		{"SHOW ALL SLAVES STATUS", ClassRead, true},
		{"SHOW ENGINE INNODB STATUS; DROP TABLE t", ClassUnknown, false},
		{"SHOWX ENGINE", ClassUnknown, false},
		{"EXPLAIN SELECT * FROM t", ClassRead, true},
		{"EXPLAIN FORMAT=JSON DELETE FROM t", ClassRead, true},
		{"EXPLAIN ANALYZE SELECT 1", ClassRead, true},
		{"EXPLAIN ANALYZE DELETE FROM t", ClassWrite, false},
		{"DESCRIBE t", ClassRead, true},
		{"SELECT * FROM t FOR UPDATE", ClassRead, false},
		{"SELECT * FROM t LOCK IN SHARE MODE", ClassRead, false},
		{"SELECT * FROM t INTO OUTFILE '/tmp/x'", ClassFile, false},
		{"USE shop", ClassSession, false},
		{"SET @a = 1", ClassSession, false},
		{"SET SESSION sql_mode = ''", ClassSession, false},
		{"SET GLOBAL max_connections = 10", ClassAdmin, false},
		{"SET @@global.max_connections = 10", ClassAdmin, false},
		{"INSERT INTO t VALUES (1)", ClassWrite, false},
		{"REPLACE INTO t VALUES (1)", ClassWrite, false},
		{"UPDATE t SET a = 1", ClassWrite, false},
		{"DELETE FROM t", ClassWrite, false},
		{"WITH x AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM x)", ClassWrite, false},
		{"CALL p()", ClassWrite, false},
		{"DROP TABLE t", ClassDDL, false},
		{"TRUNCATE TABLE t", ClassDDL, false},
		{"CREATE TABLE t (i INT)", ClassDDL, false},
		{"ALTER TABLE t ADD COLUMN c INT", ClassDDL, false},
		{"RENAME TABLE a TO b", ClassDDL, false},
		{"GRANT SELECT ON *.* TO 'u'@'%'", ClassDCL, false},
		{"KILL 42", ClassAdmin, false},
		{"FLUSH TABLES", ClassAdmin, false},
		{"BEGIN", ClassTransaction, false},
		{"LOCK TABLES t WRITE", ClassTransaction, false},
		{"DO SLEEP(1)", ClassWrite, false},
		// Hidden in executable comments: servers run these.
		{"SELECT 1 /*!50000 ; DROP TABLE t */", ClassDDL, false},
		{"/*M!100100 DROP TABLE t */", ClassDDL, false},
		{"SELECT 1 /* ; DROP TABLE t */", ClassRead, true},
		{"SELECT '/*!50000 DROP TABLE t */'", ClassRead, true},
		// Not understood: never a read.
		{"CHANGE MASTER TO MASTER_HOST='x'", ClassAdmin, false},
		{"SELEC 1", ClassUnknown, false},
		{"SELECT 1; DELETE FROM t", ClassWrite, false},
	}
	c := NewClassifier()
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			got := c.Classify(tt.sql)
			if got.Class != tt.class || got.IsRead() != tt.read {
				t.Errorf("Classify(%q) = %+v; want class %s read=%v", tt.sql, got, tt.class, tt.read)
			}
			if got.Reason == "" {
				t.Error("no reason")
			}
		})
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Statement
	}{
		{"simple", "SELECT 1; SELECT 2;", []Statement{{"SELECT 1", 1}, {"SELECT 2", 1}}},
		{"quotes", "SELECT ';' ; SELECT \"a;b\"; SELECT `c;d`", []Statement{{"SELECT ';'", 1}, {`SELECT "a;b"`, 1}, {"SELECT `c;d`", 1}}},
		{"escapes", `SELECT 'it\'s;'; SELECT 'a''b;'`, []Statement{{`SELECT 'it\'s;'`, 1}, {`SELECT 'a''b;'`, 1}}},
		{"comments", "SELECT 1 -- a; comment\n; # b;c\nSELECT /* ; */ 2", []Statement{{"SELECT 1 -- a; comment", 1}, {"# b;c\nSELECT /* ; */ 2", 2}}},
		{"lines", "\n\nSELECT 1;\n\nSELECT\n2;", []Statement{{"SELECT 1", 3}, {"SELECT\n2", 5}}},
		{"delimiter", "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\nDELIMITER ;\nSELECT 3;",
			[]Statement{{"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", 2}, {"SELECT 3", 4}}},
		{"delimiter $$ lowercase", "delimiter $$\nSELECT 1$$\nSELECT 2$$", []Statement{{"SELECT 1", 2}, {"SELECT 2", 3}}},
		{"only comments", "-- nothing\n/* here */;", nil},
		{"no trailing delimiter", "SELECT 1", []Statement{{"SELECT 1", 1}}},
		{"unterminated quote", "SELECT 'abc; SELECT 2", []Statement{{"SELECT 'abc; SELECT 2", 1}}},
		{"double dash without space", "SELECT 1--1;SELECT 2", []Statement{{"SELECT 1--1", 1}, {"SELECT 2", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Split(tt.in)); diff != "" {
				t.Errorf("Split (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"SELECT 1; SELECT 2", "DELIMITER //\nX//\n", "SELECT 'a;b' -- c\n;", "/* x */ SELECT `a``b`;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, st := range Split(s) {
			if st.Text == "" || st.Line < 1 {
				t.Fatalf("bad statement %+v", st)
			}
		}
	})
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"SELECT 1", "/*!50000 DROP TABLE t */", "SELECT * FROM t FOR UPDATE", "SET GLOBAL x=1"} {
		f.Add(s)
	}
	c := NewClassifier()
	f.Fuzz(func(t *testing.T, s string) {
		cl := c.Classify(s)
		if cl.Class == "" || cl.Reason == "" {
			t.Fatalf("empty verdict for %q: %+v", s, cl)
		}
	})
}

func TestRedact(t *testing.T) {
	c := NewClassifier()
	tests := []struct{ in, secret string }{
		{"CREATE USER 'u'@'%' IDENTIFIED BY 's3cret-1'", "s3cret-1"},
		{"ALTER USER 'u'@'%' IDENTIFIED BY 's3cret-2'", "s3cret-2"},
		{"SET PASSWORD FOR 'u'@'%' = 's3cret-3'", "s3cret-3"},
		{"GRANT SELECT ON *.* TO 'u'@'%' IDENTIFIED BY 's3cret-4'", "s3cret-4"},
		{"CREATE USER u IDENTIFIED VIA ed25519 USING PASSWORD('s3cret-5')", "s3cret-5"},
	}
	for _, tt := range tests {
		if got := c.Redact(tt.in); strings.Contains(got, tt.secret) || got == "" {
			t.Errorf("Redact(%q) = %q", tt.in, got)
		}
	}
	if got := c.Redact("SELECT 'IDENTIFIED BY x' FROM t"); got != "SELECT 'IDENTIFIED BY x' FROM t" {
		t.Errorf("a plain query changed: %q", got)
	}
}

func TestRisk(t *testing.T) {
	type obj struct{ Type, Schema, Name, Access string }
	tests := []struct {
		sql     string
		class   Class
		risk    Risk
		objects []obj
		commit  bool
	}{
		{"SELECT * FROM shop.orders o JOIN customers c ON c.id = o.customer_id", ClassRead, RiskLow,
			[]obj{{"table", "shop", "orders", "read"}, {"table", "", "customers", "read"}}, false},
		{"SELECT * FROM t FOR UPDATE", ClassRead, RiskMedium, []obj{{"table", "", "t", "read"}}, false},
		{"UPDATE orders SET status = 'x' WHERE id = 1", ClassWrite, RiskMedium, []obj{{"table", "", "orders", "write"}}, false},
		{"UPDATE orders SET status = 'x'", ClassWrite, RiskHigh, []obj{{"table", "", "orders", "write"}}, false},
		{"DELETE FROM orders", ClassWrite, RiskHigh, []obj{{"table", "", "orders", "write"}}, false},
		{"DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.id = 3", ClassWrite, RiskMedium,
			[]obj{{"table", "", "orders", "write"}, {"table", "", "customers", "read"}}, false},
		{"INSERT INTO archive SELECT * FROM orders", ClassWrite, RiskMedium,
			[]obj{{"table", "", "archive", "write"}, {"table", "", "orders", "read"}}, false},
		{"WITH old AS (SELECT id FROM orders) DELETE FROM orders WHERE id IN (SELECT id FROM old)", ClassWrite, RiskMedium, nil, false},
		{"LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t", ClassWrite, RiskHigh, []obj{{"table", "", "t", "write"}}, false},
		{"CALL purge_old()", ClassWrite, RiskHigh, nil, false},
		{"SELECT * FROM t INTO OUTFILE '/tmp/x'", ClassFile, RiskHigh, []obj{{"file", "", "/tmp/x", "write"}, {"table", "", "t", "read"}}, false},
		{"CREATE TABLE t (i INT)", ClassDDL, RiskMedium, []obj{{"table", "", "t", "write"}}, true},
		{"ALTER TABLE t ADD INDEX (i)", ClassDDL, RiskHigh, []obj{{"table", "", "t", "write"}}, true},
		{"ALTER TABLE t DROP COLUMN c", ClassDDL, RiskCritical, []obj{{"table", "", "t", "write"}}, true},
		{"DROP TABLE a, b", ClassDDL, RiskCritical, []obj{{"table", "", "a", "write"}, {"table", "", "b", "write"}}, true},
		{"TRUNCATE TABLE shop.orders", ClassDDL, RiskCritical, []obj{{"table", "shop", "orders", "write"}}, true},
		{"DROP DATABASE shop", ClassDDL, RiskCritical, []obj{{"schema", "", "shop", "write"}}, true},
		{"CREATE OR REPLACE TABLE t (i INT)", ClassDDL, RiskCritical, []obj{{"table", "", "t", "write"}}, true},
		{"GRANT ALL ON *.* TO 'u'@'%'", ClassDCL, RiskCritical, []obj{{"account", "", "u@%", "write"}}, true},
		{"SET GLOBAL max_connections = 10", ClassAdmin, RiskHigh, []obj{{"variable", "", "max_connections", "write"}}, false},
		{"SET PERSIST max_connections = 10", ClassAdmin, RiskHigh, nil, true},
		{"KILL 42", ClassAdmin, RiskHigh, []obj{{"thread", "", "42", "write"}}, false},
		{"SHUTDOWN", ClassAdmin, RiskCritical, nil, true},
		{"FLUSH TABLES WITH READ LOCK", ClassAdmin, RiskHigh, nil, true},
		{"STOP SLAVE", ClassAdmin, RiskHigh, nil, true},
		{"CHANGE MASTER TO MASTER_HOST='x'", ClassAdmin, RiskCritical, nil, true},
		{"RESET MASTER", ClassAdmin, RiskCritical, nil, true},
		{"PURGE BINARY LOGS BEFORE NOW()", ClassAdmin, RiskCritical, nil, true},
		{"INSTALL SONAME 'ha_blackhole'", ClassAdmin, RiskHigh, nil, true},
		{"DELETE FROM t WHERE id = 1 RETURNING id", ClassWrite, RiskMedium, []obj{{"table", "", "t", "write"}}, false},
		{"SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2020-01-01 00:00:00' WHERE id = 1", ClassRead, RiskLow, []obj{{"table", "", "t", "read"}}, false},
		{"CREATE TABLE t (i INT) WITH SYSTEM VERSIONING", ClassDDL, RiskMedium, []obj{{"table", "", "t", "write"}}, true},
	}
	c := NewClassifier()
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			got := c.Classify(tt.sql)
			if got.Class != tt.class || got.Risk != tt.risk || got.ImplicitCommit != tt.commit {
				t.Errorf("class=%s risk=%s commit=%v; want %s %s %v (reasons %q)", got.Class, got.Risk, got.ImplicitCommit, tt.class, tt.risk, tt.commit, got.Reasons)
			}
			if tt.objects != nil {
				var objs []obj
				for _, o := range got.Objects {
					objs = append(objs, obj(o))
				}
				if diff := cmp.Diff(tt.objects, objs); diff != "" {
					t.Errorf("objects (-want +got):\n%s", diff)
				}
			}
			if got.Risk == "" || (got.Class != ClassRead && got.Risk == RiskLow && got.Class != ClassSession && got.Class != ClassTransaction) {
				t.Errorf("risk %q for class %s", got.Risk, got.Class)
			}
		})
	}
}

// TestParserPanicsAreContained: the parser's literal driver panics on very
// long decimals; classification must answer "unknown", never crash, and
// the classifier must keep working afterwards.
func TestParserPanicsAreContained(t *testing.T) {
	c := NewClassifier()
	long := "SELECT 1" + strings.Repeat("0", 90) + ".5"
	cl := c.Classify(long)
	if cl.IsRead() {
		t.Errorf("a statement the parser choked on classified as a read: %+v", cl)
	}
	_ = c.Redact(long)
	_, _, _ = c.CountQuery("DELETE FROM t WHERE a = " + strings.Repeat("9", 100) + ".1")
	if got := c.Classify("SELECT 1"); !got.IsRead() {
		t.Errorf("classifier broken after a panic: %+v", got)
	}
}
