package mysql

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mydba/mydba/internal/adapter"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

func params(d dba.DSN) adapter.ConnectParams {
	return adapter.ConnectParams{Target: d.Target, Password: d.Password, ConnectTimeout: 5 * time.Second, CallTimeout: 10 * time.Second}
}

func open(t *testing.T, p adapter.ConnectParams) *DB {
	t.Helper()
	db, err := Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDetectPrimaryAndReplica(t *testing.T) {
	tests := []struct {
		name     string
		dsn      func(testing.TB) dba.DSN
		role     string
		readOnly bool
		serverID int64
	}{
		{"primary", dbtest.Primary, "primary", false, 1},
		{"replica", dbtest.Replica, "replica", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t, params(tt.dsn(t)))
			s := db.Server()
			if s.Flavor != dba.FlavorMariaDB || !s.Version.AtLeast(10, 6) || !s.Supported() {
				t.Fatalf("server = %+v, want MariaDB >= 10.6", s)
			}
			r, err := db.Report(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if r.Role != tt.role || r.ReadOnly != tt.readOnly || r.ServerID != tt.serverID {
				t.Errorf("role=%q read_only=%v server_id=%d; want %q %v %d", r.Role, r.ReadOnly, r.ServerID, tt.role, tt.readOnly, tt.serverID)
			}
			if !r.PerformanceSchema {
				t.Error("performance_schema reported OFF; the sandbox runs with it ON")
			}
			if r.Uptime <= 0 {
				t.Errorf("uptime %v", r.Uptime)
			}
			if !strings.HasPrefix(r.CurrentUser, "root@") {
				t.Errorf("current user %q", r.CurrentUser)
			}
			if len(r.Missing) != 0 {
				t.Errorf("root lacks privileges? %+v", r.Missing)
			}
			if !r.SysSchema {
				t.Error("sys schema not seen; MariaDB 10.6+ ships it")
			}
		})
	}
}

// The sandbox's mydba user holds exactly the documented read grants, so the
// report must show no read gap and name each write/optional feature with
// the GRANT that enables it.
func TestLeastPrivilegeReport(t *testing.T) {
	db := open(t, params(dbtest.LeastPriv(t)))
	r, err := db.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	type gap struct{ Feature, Kind, Grant string }
	var got []gap
	for _, g := range r.Missing {
		got = append(got, gap{g.Feature, g.Kind, g.Grant})
	}
	want := []gap{
		{"kill other users' queries and connections", dba.FeatureWrite, "GRANT CONNECTION ADMIN ON *.* TO 'mydba'@'127.0.0.1';"},
		{"change global variables", dba.FeatureWrite, "GRANT SUPER ON *.* TO 'mydba'@'127.0.0.1';"},
		{"trigger definitions", dba.FeatureOptional, "GRANT TRIGGER ON *.* TO 'mydba'@'127.0.0.1';"},
		{"event definitions", dba.FeatureOptional, "GRANT EVENT ON *.* TO 'mydba'@'127.0.0.1';"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("missing privileges (-want +got):\n%s", diff)
	}
	if r.Role != "primary" {
		t.Errorf("role %q: the least-privilege user must still see replication state", r.Role)
	}
}

func TestPrivilegeGapsWithoutGrants(t *testing.T) {
	root := open(t, params(dbtest.Primary(t)))
	_ = root
	admin := adminExec(t)
	admin("DROP USER IF EXISTS 'mydba_bare'@'127.0.0.1'")
	admin("CREATE USER 'mydba_bare'@'127.0.0.1' IDENTIFIED BY 'bare-pw'")
	admin("GRANT SELECT ON shop.* TO 'mydba_bare'@'127.0.0.1'")
	t.Cleanup(func() { admin("DROP USER IF EXISTS 'mydba_bare'@'127.0.0.1'") })
	p := params(dbtest.Primary(t))
	p.Target.User, p.Password = "mydba_bare", "bare-pw"
	db := open(t, p)
	r, err := db.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]string{}
	for _, g := range r.Missing {
		if g.Kind == dba.FeatureRead {
			reads[g.Feature] = g.Grant
		}
	}
	for feature, grant := range map[string]string{
		"see every session, transactions, lock waits and InnoDB status": "GRANT PROCESS ON *.* TO 'mydba_bare'@'127.0.0.1';",
		"statement digests, waits and stages (performance_schema)":      "GRANT SELECT ON performance_schema.* TO 'mydba_bare'@'127.0.0.1';",
		"replication status of this server":                             "GRANT SLAVE MONITOR ON *.* TO 'mydba_bare'@'127.0.0.1';",
	} {
		if reads[feature] != grant {
			t.Errorf("gap %q: grant %q, want %q", feature, reads[feature], grant)
		}
	}
	if !strings.HasPrefix(r.Role, "unknown") {
		t.Errorf("role %q without SLAVE MONITOR, want unknown", r.Role)
	}
	// Each suggested GRANT must be valid SQL that closes its gap.
	for _, g := range r.Missing {
		if g.Kind == dba.FeatureRead {
			admin(g.Grant)
		}
	}
	db2 := open(t, p)
	r2, err := db2.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range r2.Missing {
		if g.Kind == dba.FeatureRead {
			t.Errorf("still missing after applying the suggested GRANTs: %+v", g)
		}
	}
}

func TestSessionsAreReadOnly(t *testing.T) {
	db := open(t, params(dbtest.Primary(t)))
	ctx := context.Background()
	_, err := db.pool.ExecContext(ctx, "/* mydba:test */ UPDATE shop.products SET stock = stock WHERE id = 1")
	if err == nil || !strings.Contains(err.Error(), "READ ONLY") {
		t.Fatalf("write on a read session: got %v, want a read-only error", err)
	}
	var ro int
	if err := db.pool.QueryRowContext(ctx, "SELECT @@tx_read_only").Scan(&ro); err != nil || ro != 1 {
		t.Errorf("@@tx_read_only = %d, %v", ro, err)
	}
	var mst float64
	if err := db.pool.QueryRowContext(ctx, "SELECT @@max_statement_time").Scan(&mst); err != nil || mst != 10 {
		t.Errorf("@@max_statement_time = %v, %v; want 10", mst, err)
	}
}

func TestUnixSocket(t *testing.T) {
	d := dbtest.Primary(t)
	p := params(d)
	p.Target = dba.Target{Socket: dbtest.Socket(t), User: d.Target.User}
	db := open(t, p)
	r, err := db.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.Address != "unix:"+dbtest.Socket(t) {
		t.Errorf("address %q", r.Address)
	}
}

func TestBadInput(t *testing.T) {
	primary := dbtest.Primary(t)
	closedPort := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		return port
	}()
	blackHole := startBlackHole(t)
	tests := []struct {
		name    string
		mutate  func(*adapter.ConnectParams)
		kind    error
		within  time.Duration
		message string
	}{
		{"wrong password", func(p *adapter.ConnectParams) { p.Password = "wrong-Secret-123" }, dba.ErrAuth, 5 * time.Second, "wrong user or password"},
		{"unknown user", func(p *adapter.ConnectParams) { p.Target.User = "nobody_here" }, dba.ErrAuth, 5 * time.Second, "wrong user or password"},
		{"unknown database", func(p *adapter.ConnectParams) { p.Target.Database = "no_such_db" }, dba.ErrAuth, 5 * time.Second, "no_such_db"},
		{"closed port", func(p *adapter.ConnectParams) { p.Target.Port = closedPort }, dba.ErrUnreachable, 5 * time.Second, "connection refused"},
		{"black-holed port", func(p *adapter.ConnectParams) {
			p.Target.Port = blackHole
			p.ConnectTimeout = time.Second
		}, dba.ErrUnreachable, 4 * time.Second, "no answer within 1s"},
		{"tls to a server without tls", func(p *adapter.ConnectParams) { p.Target.TLS.Mode = dba.TLSRequired }, nil, 5 * time.Second, "does not offer"},
		{"missing CA file", func(p *adapter.ConnectParams) {
			p.Target.TLS = dba.TLS{Mode: dba.TLSVerifyCA, CA: "/nonexistent/ca.pem"}
		}, nil, time.Second, "/nonexistent/ca.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params(primary)
			tt.mutate(&p)
			start := time.Now()
			db, err := Open(context.Background(), p)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if d := time.Since(start); d > tt.within {
				t.Errorf("took %v, want < %v", d, tt.within)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not mention %q", err, tt.message)
			}
			if strings.Contains(err.Error(), "wrong-Secret-123") || (p.Password != "" && strings.Contains(err.Error(), p.Password)) {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

// startBlackHole accepts TCP connections and never says a word, like a
// firewall that swallows packets after the handshake.
func startBlackHole(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}
