package workbench

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

func sandboxRequest(t *testing.T, env string, get func(testing.TB) dba.DSN) ConnRequest {
	t.Helper()
	get(t)
	return ConnRequest{DSN: os.Getenv(env), Timeout: 5 * time.Second}
}

// instanceRequest starts a private server and a user on it for status tests.
func instanceRequest(t *testing.T) (*dbtest.Instance, ConnRequest) {
	t.Helper()
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{})
	inst.SQL(t, "CREATE USER 't_status'@'%' IDENTIFIED BY 't-status-pw'; GRANT ALL ON *.* TO 't_status'@'%';")
	return inst, ConnRequest{DSN: "mysql://t_status:t-status-pw@127.0.0.1:" + strconv.Itoa(inst.Port) + "/", Timeout: 5 * time.Second}
}

func TestStatusLeastPrivilege(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	st, err := w.Status(context.Background(), sandboxRequest(t, dbtest.EnvLeastPriv, dbtest.LeastPriv), StatusRequest{Interval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if st.Server.Flavor != dba.FlavorMariaDB || st.Uptime <= 0 || st.Interval < 300*time.Millisecond {
		t.Errorf("server %+v uptime %v interval %v", st.Server, st.Uptime, st.Interval)
	}
	if st.Connections.Max != 2000 || st.Connections.Connected < 1 || st.Connections.UsedPercent == nil {
		t.Errorf("connections %+v", st.Connections)
	}
	if st.Rates.QPS == nil || st.Rates.TPS == nil || st.Rates.Select == nil || st.Reset != "" {
		t.Errorf("rates %+v reset %q", st.Rates, st.Reset)
	}
	if st.BufferPool == nil || st.BufferPool.SizeBytes != 256<<20 || st.BufferPool.UsedPercent == nil {
		t.Errorf("buffer pool %+v", st.BufferPool)
	}
	if st.Replication.Role != dba.RolePrimary || len(st.Unavailable) != 0 {
		t.Errorf("replication %+v unavailable %+v", st.Replication, st.Unavailable)
	}
}

func TestStatusReplicaLag(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	st, err := w.Status(context.Background(), sandboxRequest(t, dbtest.EnvReplica, dbtest.Replica), StatusRequest{Interval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if st.Replication.Role != dba.RoleReplica || st.Replication.LagSeconds == nil {
		t.Errorf("%+v", st.Replication)
	}
}

// An idle private server shows exactly zero queries per second: mydba's own
// sampling statement is not counted as load.
func TestStatusIdleServerIsZero(t *testing.T) {
	_, req := instanceRequest(t)
	w := openWB(t, Options{DisableKeyring: true})
	st, err := w.Status(context.Background(), req, StatusRequest{Interval: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rates.QPS == nil || *st.Rates.QPS != 0 || *st.Rates.TPS != 0 || *st.Rates.Select != 0 {
		t.Errorf("idle rates: %+v", st.Rates)
	}
	if st.Replication.Role != dba.RoleStandalone {
		t.Errorf("role %q, want standalone (binary log off)", st.Replication.Role)
	}
	if st.BufferPool == nil || st.BufferPool.HitPercent != nil || st.BufferPool.HitNote != "no reads in the interval" {
		t.Errorf("idle buffer pool: %+v", st.BufferPool)
	}
}

// FLUSH STATUS between the samples is reported, and no rate is computed
// across it. The flush is sent 1.5s after mydba's session appears on the
// server — its first sample follows at once — and well before the second
// sample 8s later, even on a loaded machine.
func TestStatusDetectsFlushStatus(t *testing.T) {
	inst, req := instanceRequest(t)
	inst.SQL(t, "DO SLEEP(1.1)") // let Uptime_since_flush_status pass 1s
	db, err := sql.Open("mysql", "t_status:t-status-pw@tcp(127.0.0.1:"+strconv.Itoa(inst.Port)+")/")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	flushed := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			var n int
			if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 't_status' AND ID <> CONNECTION_ID()").Scan(&n); err != nil {
				flushed <- err
				return
			}
			if n > 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(3 * time.Second)
		_, err := db.Exec("FLUSH STATUS")
		flushed <- err
	}()
	w := openWB(t, Options{DisableKeyring: true})
	st, err := w.Status(context.Background(), req, StatusRequest{Interval: 8 * time.Second})
	if ferr := <-flushed; ferr != nil {
		t.Fatal(ferr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(st.Reset, "FLUSH STATUS") {
		t.Errorf("reset = %q", st.Reset)
	}
	if st.Rates.QPS != nil || st.Rates.TPS != nil {
		t.Errorf("rates across a reset: %+v", st.Rates)
	}
}

// A server that dies between the samples is an error within the timeout,
// not a hang and not a screen of made-up numbers.
func TestStatusServerDiesMidway(t *testing.T) {
	inst, req := instanceRequest(t)
	b, err := os.ReadFile(filepath.Join(inst.Dir, "mariadbd.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	w := openWB(t, Options{DisableKeyring: true})
	go func() {
		time.Sleep(300 * time.Millisecond)
		// The test's own server, by its pid.
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}()
	start := time.Now()
	req.Timeout = 2 * time.Second
	_, err = w.Status(context.Background(), req, StatusRequest{Interval: time.Second})
	if err == nil {
		t.Fatal("status of a dead server succeeded")
	}
	// The failure must be the server going away (between the samples, or
	// on a loaded machine already while connecting), not a setup problem.
	if strings.Contains(err.Error(), "access denied") || !(strings.Contains(err.Error(), "global status") || strings.Contains(err.Error(), "get a session") || errors.Is(err, dba.ErrUnreachable)) {
		t.Errorf("err = %v", err)
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("took %v", took)
	}
}

func TestStatusBadInterval(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	for _, iv := range []time.Duration{time.Millisecond, -time.Second, 2 * time.Minute} {
		// An address nothing listens on: the request must fail before
		// any connection attempt.
		_, err := w.Status(context.Background(), ConnRequest{DSN: "mysql://u@127.0.0.1:1/", Timeout: time.Second}, StatusRequest{Interval: iv})
		if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), "interval") {
			t.Errorf("interval %v: %v", iv, err)
		}
	}
}
