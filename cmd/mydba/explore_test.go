package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/dbtest"
)

// goldenSchema is this process's copy of the golden fixture. The fixed-width
// pid suffix keeps concurrent test runs on the shared sandbox apart and
// the table output aligned the same way every run; goldens spell it with
// zeros.
func goldenSchema() string { return fmt.Sprintf("t_explorer_golden_%07d", os.Getpid()%10000000) }

const goldenSchemaMask = "t_explorer_golden_0000000"

// exDateRE matches server times; the mask keeps the width, so table
// alignment does not change.
var exDateRE = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)

func exMask(s string) string {
	return exDateRE.ReplaceAllString(strings.ReplaceAll(s, goldenSchema(), goldenSchemaMask), "YYYY-MM-DD hh:mm:ss")
}

// goldenFixture creates the schema the explorer goldens show: fixed content,
// statistics refreshed so sizes and row estimates are exact.
func goldenFixture(t *testing.T) string {
	t.Helper()
	admin := dbtest.Admin(t)
	s := goldenSchema()
	q := "`" + s + "`"
	drop := "SET foreign_key_checks = 0; DROP DATABASE IF EXISTS " + q + "; SET foreign_key_checks = 1"
	dbtest.Exec(t, admin, drop)
	t.Cleanup(func() { dbtest.Exec(t, admin, drop) })
	dbtest.Exec(t, admin, "CREATE DATABASE "+q+" CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci; USE "+q+"; "+
		"CREATE TABLE customers (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, "+
		"email VARCHAR(80) NOT NULL, since DATE NOT NULL DEFAULT '2024-01-01', note TEXT NULL, photo VARBINARY(8) NULL, "+
		"UNIQUE KEY uq_email (email), KEY idx_name_prefix (name(10))) ENGINE=InnoDB COMMENT 'people who buy'; "+
		"CREATE TABLE orders (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, customer_id INT UNSIGNED NOT NULL, "+
		"status ENUM('new','paid') NOT NULL DEFAULT 'new', total DECIMAL(10,2) NOT NULL DEFAULT 0, "+
		"total_cents BIGINT AS (total * 100) VIRTUAL, KEY idx_customer_total (customer_id, total DESC), KEY idx_status (status) IGNORED, "+
		"CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE) ENGINE=InnoDB; "+
		"CREATE TABLE `we``ird \"ta'ble é` (`col \"a\"` INT NOT NULL PRIMARY KEY, `ü.v` VARCHAR(20)) ENGINE=InnoDB; "+
		"CREATE VIEW v_totals AS SELECT customer_id, SUM(total) AS total FROM orders GROUP BY customer_id; "+
		"CREATE FUNCTION cents(x DECIMAL(10,2)) RETURNS BIGINT DETERMINISTIC COMMENT 'to cents' RETURN x * 100; "+
		"CREATE PROCEDURE touch_orders() SELECT COUNT(*) FROM orders; "+
		"CREATE TRIGGER orders_bi BEFORE INSERT ON orders FOR EACH ROW SET NEW.total = NEW.total + 0; "+
		"CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM orders WHERE 0; "+
		"INSERT INTO customers (name, email, since, note, photo) VALUES "+
		"('Ada', 'ada@example.com', '2024-02-29', NULL, 0x00FF10), ('Bob \"B\"', 'bob@example.com', '2024-03-01', 'NULL', NULL), "+
		"('Ché 🐬', 'che@example.com', '2024-03-02', 'line one\\nline two, and a long tail that goes past the cell width', ''); "+
		"INSERT INTO orders (customer_id, status, total) VALUES (1, 'paid', 12.50), (1, 'new', 3.00), (3, 'paid', 99.99); "+
		"INSERT INTO `we``ird \"ta'ble é` VALUES (1, '🐬'), (2, NULL); "+
		"ANALYZE TABLE customers, orders, `we``ird \"ta'ble é`")
	return s
}

func TestExplorerGoldens(t *testing.T) {
	d := dbtest.LeastPriv(t)
	s := goldenFixture(t)
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = d.Password
	dsn := []string{"--dsn", "mysql://" + d.Target.User + "@" + d.Target.Address() + "/"}
	odd := "`" + s + "`.`we``ird \"ta'ble é`"
	tests := []struct {
		name string
		args []string
	}{
		{"explore-schemas", []string{"schemas", "--filter", s}},
		{"explore-schemas-csv", []string{"schemas", "--filter", s, "-o", "csv"}},
		{"explore-tables", []string{"tables", s}},
		{"explore-tables-page", []string{"tables", s, "--limit", "2", "--after", "customers"}},
		{"explore-tables-views-csv", []string{"tables", s, "--type", "view", "-o", "csv"}},
		{"explore-describe", []string{"describe", s + ".orders"}},
		{"explore-describe-json", []string{"describe", s + ".customers", "-o", "json"}},
		{"explore-describe-odd", []string{"describe", odd}},
		{"explore-preview", []string{"preview", s + ".customers"}},
		{"explore-preview-page2", []string{"preview", s + ".customers", "--limit", "1", "--after", "1"}},
		{"explore-preview-json", []string{"preview", s + ".customers", "--limit", "2", "-o", "json"}},
		{"explore-preview-csv", []string{"preview", s + ".customers", "-o", "csv"}},
		{"explore-preview-odd", []string{"preview", odd}},
		{"explore-objects-views", []string{"objects", s, "--type", "view"}},
		{"explore-objects-routines", []string{"objects", s, "--type", "routine"}},
		{"explore-objects-triggers", []string{"objects", s, "--type", "trigger"}},
		{"explore-objects-events-json", []string{"objects", s, "--type", "event", "-o", "json"}},
		{"explore-show-create-view", []string{"show-create", "view", s + ".v_totals"}},
		{"explore-show-create-trigger", []string{"show-create", "trigger", s + ".orders_bi"}},
		{"explore-show-create-event-json", []string{"show-create", "event", s + ".nightly", "-o", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, tt.name, exMask(c.ok("", append(tt.args, dsn...)...)))
		})
	}
}

// TestExplorerRootSeesTriggers: with the privilege, the hidden notes go.
func TestExplorerRootSeesTriggers(t *testing.T) {
	d := dbtest.Primary(t)
	s := goldenFixture(t)
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = d.Password
	dsn := []string{"--dsn", "mysql://" + d.Target.User + "@" + d.Target.Address() + "/"}
	out := c.ok("", append([]string{"objects", s, "--type", "trigger"}, dsn...)...)
	if strings.Contains(out, "hidden") || !strings.Contains(out, "orders_bi") {
		t.Errorf("objects as root:\n%s", out)
	}
	out = c.ok("", append([]string{"show-create", "trigger", s + ".orders_bi"}, dsn...)...)
	if !strings.HasPrefix(out, "CREATE DEFINER=") || !strings.HasSuffix(out, ";\n") {
		t.Errorf("show-create as root:\n%s", out)
	}
}

func TestExplorerPagingHint(t *testing.T) {
	d := dbtest.LeastPriv(t)
	s := goldenFixture(t)
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = d.Password
	dsn := []string{"--dsn", "mysql://" + d.Target.User + "@" + d.Target.Address() + "/"}
	r := c.run("", append([]string{"preview", s + ".customers", "--limit", "2"}, dsn...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "mydba: more: mydba preview "+s+".customers --limit 2 --after 2") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.run("", append([]string{"tables", s, "--limit", "1"}, dsn...)...)
	if !strings.Contains(r.stderr, "--after customers") {
		t.Errorf("stderr %q", r.stderr)
	}
	// The hint is a command that works.
	r = c.run("", append([]string{"preview", s + ".customers", "--limit", "2", "--after", "2"}, dsn...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "che@example.com") || strings.Contains(r.stderr, "more:") {
		t.Errorf("page 2: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestExplorerBadInput(t *testing.T) {
	d := dbtest.LeastPriv(t)
	s := goldenFixture(t)
	dsn := []string{"--dsn", "mysql://" + d.Target.User + "@" + d.Target.Address() + "/"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown table", []string{"describe", "shop.ordrs"}, exitNotFound, `table shop.ordrs: not found (did you mean "orders"?)`},
		{"unknown schema", []string{"tables", "shpo"}, exitNotFound, `schema shpo: not found (did you mean "shop"?)`},
		{"emoji table", []string{"preview", "shop.🐬"}, exitNotFound, "table shop.`🐬`: not found"},
		{"no schema part", []string{"describe", "orders"}, exitUsage, "has no schema"},
		{"three parts", []string{"describe", "a.b.c"}, exitUsage, "more than two parts"},
		{"unterminated quote", []string{"describe", "`shop.orders"}, exitUsage, "unterminated backtick"},
		{"missing argument", []string{"tables"}, exitUsage, "accepts 1 arg"},
		{"objects without type", []string{"objects", "shop"}, exitUsage, "--type is required"},
		{"objects bad type", []string{"objects", "shop", "--type", "index"}, exitUsage, `object type "index"`},
		{"show-create bad kind", []string{"show-create", "routine", "shop.x"}, exitUsage, "want table, view, procedure"},
		{"zero limit", []string{"tables", "shop", "--limit", "0"}, exitUsage, "--limit 0"},
		{"huge preview", []string{"preview", "shop.orders", "--limit", "100000"}, exitUsage, "--limit 100000"},
		{"bad key value", []string{"preview", "shop.orders", "--after", "abc"}, exitUsage, `"abc" is not an integer`},
		{"too many key values", []string{"preview", "shop.orders", "--after", "1", "--after", "2"}, exitUsage, "needs 1 value(s)"},
		{"view that cannot be opened", []string{"preview", "shop.order_summary"}, exitError, "execute command denied"},
		{"bad table type", []string{"tables", "shop", "--type", "index"}, exitUsage, `type "index"`},
		{"paging without key", []string{"preview", s + ".v_totals", "--after", "1"}, exitUsage, "no primary or NOT NULL unique key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			c.env["MYDBA_PASSWORD"] = d.Password
			r := c.run("", append(tt.args, dsn...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d (want %d), stderr %q, want %q", r.code, tt.code, r.stderr, tt.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout on error: %q", r.stdout)
			}
		})
	}
}
