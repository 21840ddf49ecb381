package mysql

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// dropExplorer10k removes the 10k-table schema after the benchmarks. It is
// kept by default: creating it takes a minute or more on the sandbox.
var dropExplorer10k = flag.Bool("explorer-drop-10k", false, "drop the t_explorer_10k schema after the explorer benchmarks")

const (
	bench10kSchema = "t_explorer_10k"
	bench10kTables = 10000
)

// bench10kWords give the table names a spread a search can select from:
// each word names a tenth of the tables.
var bench10kWords = []string{"orders", "customers", "products", "invoices", "payments", "events", "sessions", "audit", "archive", "stats"}

func bench10kName(i int) string {
	return fmt.Sprintf("tbl_%05d_%s", i, bench10kWords[i%len(bench10kWords)])
}

// ensure10k creates t_explorer_10k with 10,000 InnoDB tables unless it
// already holds them. It is not replicated (sql_log_bin=0 for the batch's
// session): the replica would only double the work on a shared 2-core
// machine. Every DROP of it says IF EXISTS, so replication never breaks.
func ensure10k(b *testing.B) {
	b.Helper()
	admin := dbtest.Admin(b)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var n int
	err := admin.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", bench10kSchema).Scan(&n)
	if err != nil {
		b.Fatal(err)
	}
	if *dropExplorer10k {
		b.Cleanup(func() {
			dbtest.Exec(b, admin, "SET SESSION sql_log_bin = 0; DROP DATABASE IF EXISTS "+bench10kSchema+"; SET SESSION sql_log_bin = 1")
		})
	}
	if n == bench10kTables {
		return
	}
	start := time.Now()
	dbtest.Exec(b, admin, "SET SESSION sql_log_bin = 0; DROP DATABASE IF EXISTS "+bench10kSchema+"; CREATE DATABASE "+bench10kSchema+"; SET SESSION sql_log_bin = 1")
	// Batches of 1,000 statements: one round trip each, well under
	// max_allowed_packet. The session is pinned per Exec call, so
	// sql_log_bin=0 applies to the whole batch.
	const batch = 1000
	for lo := 0; lo < bench10kTables; lo += batch {
		var sb strings.Builder
		sb.WriteString("SET SESSION sql_log_bin = 0;")
		for i := lo; i < lo+batch && i < bench10kTables; i++ {
			fmt.Fprintf(&sb, "CREATE TABLE %s.%s (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL, created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, KEY k_name (name)) ENGINE=InnoDB COMMENT='bench table %d';", bench10kSchema, bench10kName(i), i)
		}
		sb.WriteString("SET SESSION sql_log_bin = 1")
		dbtest.Exec(b, admin, sb.String())
	}
	b.Logf("created %s with %d tables in %s", bench10kSchema, bench10kTables, time.Since(start).Round(time.Second))
}

// BenchmarkExplorer10k measures the explorer on a schema of 10,000 tables
// as the least-privilege user: the first page, a page in the middle, a
// search, and a describe. Target: < 200 ms each on the sandbox.
func BenchmarkExplorer10k(b *testing.B) {
	ensure10k(b)
	db, err := Open(context.Background(), params(dbtest.LeastPriv(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	cases := []struct {
		name string
		run  func() error
	}{
		{"schemas", func() error {
			_, err := db.Schemas(ctx, dba.SchemaQuery{Limit: 50})
			return err
		}},
		{"tables_page1", func() error {
			p, err := db.Tables(ctx, dba.TableQuery{Schema: bench10kSchema, Limit: 50})
			return checkPage(p, err, 50)
		}},
		{"tables_middle", func() error {
			p, err := db.Tables(ctx, dba.TableQuery{Schema: bench10kSchema, Limit: 50, After: bench10kName(5000)})
			return checkPage(p, err, 50)
		}},
		{"tables_search", func() error {
			p, err := db.Tables(ctx, dba.TableQuery{Schema: bench10kSchema, Limit: 50, Filter: "invoices"})
			return checkPage(p, err, 50)
		}},
		{"tables_search_rare", func() error {
			p, err := db.Tables(ctx, dba.TableQuery{Schema: bench10kSchema, Limit: 50, Filter: "07777"})
			return checkPage(p, err, 1)
		}},
		{"tables_type_table", func() error {
			p, err := db.Tables(ctx, dba.TableQuery{Schema: bench10kSchema, Limit: 50, Type: dba.TableTypeTable})
			return checkPage(p, err, 50)
		}},
		{"tables_type_view_none", func() error {
			p, err := db.Tables(ctx, dba.TableQuery{Schema: bench10kSchema, Limit: 50, Type: dba.TableTypeView})
			return checkPage(p, err, 0)
		}},
		{"describe", func() error {
			_, err := db.Describe(ctx, bench10kSchema, bench10kName(7777))
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExplorer10kNaive measures the obvious single queries the
// explorer avoids, on the same schema, for comparison (run it with a small
// -benchtime: each takes seconds).
func BenchmarkExplorer10kNaive(b *testing.B) {
	ensure10k(b)
	p := params(dbtest.LeastPriv(b))
	p.CallTimeout = 5 * time.Minute
	db, err := Open(context.Background(), p)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	query := func(q string, args ...any) func() error {
		return func() error {
			return db.withSession(ctx, func(ctx context.Context, s Session) error {
				_, err := readCatalog(ctx, s.Conn, q, args...)
				return err
			})
		}
	}
	cases := []struct {
		name string
		run  func() error
	}{
		{"page_middle_one_query", query("SELECT "+tableInfoColumns+" FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME > ? ORDER BY TABLE_NAME LIMIT 51", bench10kSchema, bench10kName(5000))},
		{"search_one_query", query("SELECT "+tableInfoColumns+" FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ? ORDER BY TABLE_NAME LIMIT 51", bench10kSchema, "%invoices%")},
		{"schema_size_one_query", query("SELECT COUNT(*), SUM(DATA_LENGTH), SUM(INDEX_LENGTH) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", bench10kSchema)},
		{"referenced_by_information_schema", func() error {
			return db.withSession(ctx, func(ctx context.Context, s Session) error {
				_, err := db.referencedByInfoSchema(ctx, s.Conn, bench10kSchema, bench10kName(7777))
				return err
			})
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func checkPage(p dba.TablePage, err error, want int) error {
	if err != nil {
		return err
	}
	if len(p.Tables) != want {
		return fmt.Errorf("page has %d tables, want %d", len(p.Tables), want)
	}
	return nil
}
