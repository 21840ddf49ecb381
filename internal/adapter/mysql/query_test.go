package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/adapter"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

func TestRowsExaminedSQLPerVersion(t *testing.T) {
	tests := []struct {
		version, comment string
		want             string // "" when unsupported, else the thread expression
	}{
		{"5.5.62", "MySQL Community Server (GPL)", ""},
		{"5.7.44", "MySQL Community Server (GPL)", "PROCESSLIST_ID = CONNECTION_ID()"},
		{"8.0.15", "MySQL Community Server - GPL", "PROCESSLIST_ID = CONNECTION_ID()"},
		{"8.0.16", "MySQL Community Server - GPL", "PS_CURRENT_THREAD_ID()"},
		{"8.0.36", "MySQL Community Server - GPL", "PS_CURRENT_THREAD_ID()"},
		{"8.4.3", "MySQL Community Server - GPL", "PS_CURRENT_THREAD_ID()"},
		{"9.1.0", "MySQL Community Server - GPL", "PS_CURRENT_THREAD_ID()"},
		{"5.5.68-MariaDB", "MariaDB Server", ""},
		{"10.6.18-MariaDB", "MariaDB Server", "PROCESSLIST_ID = CONNECTION_ID()"},
		{"10.11.6-MariaDB-0+deb12u1-log", "Debian 12", "PROCESSLIST_ID = CONNECTION_ID()"},
		{"11.4.2-MariaDB", "MariaDB Server", "PROCESSLIST_ID = CONNECTION_ID()"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			s, err := dba.DetectServer(tt.version, tt.comment)
			if err != nil {
				t.Fatal(err)
			}
			probe, stats := rowsExaminedSQL(s)
			if tt.want == "" {
				if probe != "" || stats != "" {
					t.Errorf("got %q / %q for a server without events_statements_history", probe, stats)
				}
				return
			}
			for _, q := range []string{probe, stats} {
				if !strings.HasPrefix(q, queryStatsTag) || !strings.Contains(q, tt.want) {
					t.Errorf("%q: want the tag and %q", q, tt.want)
				}
			}
			if !strings.Contains(stats, "SQL_TEXT LIKE '"+queryTag+"%'") {
				t.Errorf("stats query does not pick the user's statement: %s", stats)
			}
		})
	}
}

func TestStatementError(t *testing.T) {
	d := &DB{target: dba.Target{Host: "db1", Port: 3306}}
	live := context.Background()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		kind error
		msg  string
	}{
		// ER_QUERY_TIMEOUT (3024), MySQL 8.0 error reference: max_execution_time.
		{"mysql timeout", live, &gomysql.MySQLError{Number: 3024, Message: "Query execution was interrupted, maximum statement execution time exceeded"}, dba.ErrTimeout, "statement time limit"},
		// ER_STATEMENT_TIMEOUT (1969), MariaDB: max_statement_time.
		{"mariadb timeout", live, &gomysql.MySQLError{Number: 1969, Message: "Query execution was interrupted (max_statement_time exceeded)"}, dba.ErrTimeout, "server error 1969"},
		{"killed after the deadline", done, &gomysql.MySQLError{Number: 1317, Message: "Query execution was interrupted"}, dba.ErrTimeout, "KILL QUERY"},
		{"no such table", live, &gomysql.MySQLError{Number: 1146, Message: "Table 'shop.x' doesn't exist"}, dba.ErrNotFound, "Table 'shop.x' doesn't exist"},
		{"no such database", live, &gomysql.MySQLError{Number: 1049, Message: "Unknown database 'x'"}, dba.ErrNotFound, "Unknown database"},
		{"syntax", live, &gomysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax"}, dba.ErrInvalid, "server error 1064"},
		{"deadline", done, context.DeadlineExceeded, dba.ErrTimeout, "past its time limit"},
		{"connection lost", live, io.ErrUnexpectedEOF, dba.ErrUnreachable, "connection to db1:3306 lost"},
		{"bad connection", live, driver.ErrBadConn, dba.ErrUnreachable, "lost during the statement"},
		{"network", live, &net.OpError{Op: "read", Err: syscall.ECONNRESET}, dba.ErrUnreachable, "connection reset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.statementError(tt.ctx, tt.err)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%v; want %v mentioning %q", err, tt.kind, tt.msg)
			}
		})
	}
	if err := d.statementError(live, &gomysql.MySQLError{Number: 1317, Message: "Query execution was interrupted"}); errors.Is(err, dba.ErrTimeout) {
		t.Errorf("a kill by someone else is not a timeout: %v", err)
	}
}

// rowsSink collects what RunScript streams.
type rowsSink struct {
	cols  [][]dba.Column
	rows  [][][]string
	done  []dba.StatementResult
	onRow func() error
}

func (s *rowsSink) ResultSet(_ int, cols []dba.Column) error {
	s.cols = append(s.cols, cols)
	s.rows = append(s.rows, nil)
	return nil
}

func (s *rowsSink) Row(_ int, v [][]byte) error {
	if s.onRow != nil {
		if err := s.onRow(); err != nil {
			return err
		}
	}
	row := make([]string, len(v))
	for i, b := range v {
		if b == nil {
			row[i] = "NULL"
		} else {
			row[i] = "'" + string(b) + "'"
		}
	}
	s.rows[len(s.rows)-1] = append(s.rows[len(s.rows)-1], row)
	return nil
}

func (s *rowsSink) Done(_ int, r dba.StatementResult) { s.done = append(s.done, r) }

// TestRunScriptTemporalText checks DATE, DATETIME, TIMESTAMP and TIME come
// back as the server's exact text, zero and partial-zero dates included.
func TestRunScriptTemporalText(t *testing.T) {
	p := params(dbtest.Primary(t))
	p.TemporalAsText = true
	db := open(t, p)
	s := &rowsSink{}
	err := db.RunScript(context.Background(), []string{
		"SET @z := '0000-00-00'",
		"SELECT CAST('2024-02-29 23:59:59.123456' AS DATETIME(6)), CAST('-838:59:59' AS TIME), DATE'2024-02-29', CAST('2038-01-19 03:14:07.5' AS DATETIME(1)), NULL, ''",
		"SELECT d, dt FROM (SELECT CAST(@z AS DATE) d, CAST('2024-00-15' AS DATE) dt) x",
	}, ScriptOptions{}, s)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'2024-02-29 23:59:59.123456'", "'-838:59:59'", "'2024-02-29'", "'2038-01-19 03:14:07.5'", "NULL", "''"}
	if got := s.rows[0][0]; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", got, want)
	}
	if c := s.cols[0][0]; c.Type != "DATETIME" || c.Scale != 6 {
		t.Errorf("column %+v, want DATETIME with 6 fractional digits", c)
	}
	if got := s.rows[1][0]; got[0] != "'0000-00-00'" || got[1] != "'2024-00-15'" {
		t.Errorf("zero dates read as %v", got)
	}
}

// TestRunScriptFreshSession: a script's session is not handed to the
// next caller of the same pool with its variables and database.
func TestRunScriptFreshSession(t *testing.T) {
	p := params(dbtest.Primary(t))
	p.MaxOpen = 1
	db := open(t, p)
	ctx := context.Background()
	if err := db.RunScript(ctx, []string{"USE mysql", "SET @left_over := 1"}, ScriptOptions{}, &rowsSink{}); err != nil {
		t.Fatal(err)
	}
	s := &rowsSink{}
	if err := db.RunScript(ctx, []string{"SELECT @left_over, DATABASE()"}, ScriptOptions{}, s); err != nil {
		t.Fatal(err)
	}
	if got := s.rows[0][0]; got[0] != "NULL" || got[1] != "'shop'" {
		t.Errorf("the next script saw %v", got)
	}
}

// TestRunScriptMultipleResultSets: a statement that returns several result
// sets (a procedure; the workbench refuses CALL, the adapter handles it)
// streams each with its own columns, and a cap stops the rest.
func TestRunScriptMultipleResultSets(t *testing.T) {
	admin := dbtest.Admin(t)
	schema := fmt.Sprintf("t_query_mrs_%d", time.Now().UnixNano())
	dbtest.Exec(t, admin, "CREATE SCHEMA "+schema,
		"CREATE PROCEDURE "+schema+".p() READS SQL DATA BEGIN SELECT 1 AS a; SELECT 'x' AS b, NULL AS c; SELECT seq FROM seq_1_to_10; END")
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP SCHEMA "+schema) })
	db := open(t, params(dbtest.Primary(t)))
	s := &rowsSink{}
	if err := db.RunScript(context.Background(), []string{"CALL " + schema + ".p()", "SELECT 'after'"}, ScriptOptions{}, s); err != nil {
		t.Fatal(err)
	}
	if len(s.cols) != 4 || s.cols[1][1].Name != "c" || len(s.rows[2]) != 10 || s.rows[3][0][0] != "'after'" {
		t.Errorf("result sets: %v %v", s.cols, s.rows)
	}
	if n := len(s.done[0].ResultSets); n != 3 {
		t.Errorf("%d result sets reported", n)
	}
	s = &rowsSink{}
	if err := db.RunScript(context.Background(), []string{"CALL " + schema + ".p()", "SELECT 'after'"}, ScriptOptions{MaxRows: 5}, s); err != nil {
		t.Fatal(err)
	}
	if rs := s.done[0].ResultSets; len(rs) != 3 || !rs[2].Truncated || rs[2].RowCount != 5 || s.rows[len(s.rows)-1][0][0] != "'after'" {
		t.Errorf("capped: %+v / %v", rs, s.rows)
	}
}

// TestRunScriptClientKill: with a long server-side limit, the runner's
// own per-statement deadline kills the statement on the server.
func TestRunScriptClientKill(t *testing.T) {
	p := params(dbtest.Primary(t))
	p.StatementTimeout = time.Minute
	p.CallTimeout = 2 * time.Minute
	db := open(t, p)
	marker := fmt.Sprintf("t_query_clientkill_%d", time.Now().UnixNano())
	start := time.Now()
	s := &rowsSink{}
	err := db.RunScript(context.Background(), []string{
		"SELECT /* " + marker + " */ COUNT(*) FROM shop.order_items a, shop.order_items b WHERE a.qty + b.qty = 7",
		"SELECT 'never'",
	}, ScriptOptions{StatementTimeout: 700 * time.Millisecond}, s)
	if !errors.Is(err, dba.ErrTimeout) {
		t.Fatalf("error %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v after a 700ms limit", d)
	}
	if len(s.done) != 1 || s.done[0].Error == "" {
		t.Errorf("statements done: %+v", s.done)
	}
	root := open(t, params(dbtest.Primary(t)))
	half := len(marker) / 2
	// Well before the server's own one-minute limit; a loaded machine
	// may take a few seconds to notice the kill.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := root.withSession(context.Background(), func(ctx context.Context, s Session) error {
			return s.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE CONCAT('%', ?, ?, '%')", marker[:half], marker[half:]).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the statement still runs on the server")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRunScriptSinkError: a sink that fails (a full disk, a closed pipe)
// stops the statement on the server and the script.
func TestRunScriptSinkError(t *testing.T) {
	db := open(t, params(dbtest.Primary(t)))
	boom := errors.New("disk full")
	n := 0
	s := &rowsSink{onRow: func() error {
		if n++; n == 3 {
			return boom
		}
		return nil
	}}
	start := time.Now()
	err := db.RunScript(context.Background(), []string{"SELECT seq, REPEAT('x', 65536) FROM seq_1_to_100000", "SELECT 2"}, ScriptOptions{}, s)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v: the rest of a 6 GB result was read instead of stopped", d)
	}
	if len(s.done) != 1 {
		t.Errorf("%d statements ran after the failure", len(s.done)-1)
	}
}

// TestRunScriptServerDies kills a private server's process during a long
// statement: the call fails at once, naming the lost connection, and the
// same pool reconnects once the server is back.
func TestRunScriptServerDies(t *testing.T) {
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{})
	mariadbd, err := exec.LookPath("mariadbd")
	if err != nil {
		mariadbd = "/usr/sbin/mariadbd"
	}
	inst.SQL(t, "CREATE USER 'runner'@'%' IDENTIFIED BY 'runner-pw'; GRANT SELECT ON *.* TO 'runner'@'%';")
	p := adapter.ConnectParams{
		Target:   dba.Target{Host: "127.0.0.1", Port: inst.Port, User: "runner"},
		Password: "runner-pw", ConnectTimeout: 5 * time.Second, CallTimeout: 20 * time.Second,
	}
	db := open(t, p)

	pid := func() int {
		b, err := os.ReadFile(filepath.Join(inst.Dir, "mariadbd.pid"))
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}()
	go func() {
		time.Sleep(500 * time.Millisecond)
		// The server dies hard: no goodbye on the connection.
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}()
	start := time.Now()
	err = db.RunScript(context.Background(), []string{"SELECT SLEEP(15)"}, ScriptOptions{}, &rowsSink{})
	took := time.Since(start)
	if !errors.Is(err, dba.ErrUnreachable) || !strings.Contains(err.Error(), "lost during the statement") {
		t.Errorf("error %v, want a lost connection", err)
	}
	if took > 5*time.Second {
		t.Errorf("took %v to notice the server died", took)
	}

	// Bring the same server back on the same port and data.
	args := []string{"--defaults-file=" + filepath.Join(inst.Dir, "my.cnf")}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(mariadbd, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(inst.Port)), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the instance did not come back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	s := &rowsSink{}
	if err := db.RunScript(context.Background(), []string{"SELECT 'back'"}, ScriptOptions{}, s); err != nil {
		t.Fatalf("next call after the restart: %v", err)
	}
	if s.rows[0][0][0] != "'back'" {
		t.Errorf("rows %v", s.rows)
	}
}
