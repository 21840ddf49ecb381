package workbench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

func explorerRequest(t *testing.T) ConnRequest {
	t.Helper()
	dbtest.LeastPriv(t)
	return ConnRequest{DSN: os.Getenv(dbtest.EnvLeastPriv), Timeout: 5 * time.Second}
}

// TestExplorerRefusesBadInputBeforeConnecting: nothing listens on port 1,
// so any attempt to connect would be ErrUnreachable, not ErrInvalid.
func TestExplorerRefusesBadInputBeforeConnecting(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	ctx := context.Background()
	nowhere := ConnRequest{DSN: "mysql://u@127.0.0.1:1/", Timeout: time.Second}
	long := strings.Repeat("x", 65)
	tests := []struct {
		name string
		call func() error
	}{
		{"schemas limit", func() error { _, err := w.Schemas(ctx, nowhere, dba.SchemaQuery{Limit: -5}); return err }},
		{"tables no schema", func() error { _, err := w.Tables(ctx, nowhere, dba.TableQuery{}); return err }},
		{"tables type", func() error { _, err := w.Tables(ctx, nowhere, dba.TableQuery{Schema: "s", Type: "index"}); return err }},
		{"describe long name", func() error {
			_, err := w.Describe(ctx, nowhere, dba.QualifiedName{Schema: "s", Name: long})
			return err
		}},
		{"preview limit", func() error {
			_, err := w.Preview(ctx, nowhere, dba.PreviewQuery{Table: dba.QualifiedName{Schema: "s", Name: "t"}, Limit: 5000})
			return err
		}},
		{"objects kind", func() error {
			_, err := w.Objects(ctx, nowhere, dba.ObjectQuery{Schema: "s", Kind: "index"})
			return err
		}},
		{"show create kind", func() error {
			_, err := w.ShowCreate(ctx, nowhere, dba.KindRoutine, dba.QualifiedName{Schema: "s", Name: "t"})
			return err
		}},
		{"show create empty name", func() error {
			_, err := w.ShowCreate(ctx, nowhere, dba.KindTable, dba.QualifiedName{Schema: "s"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, dba.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid before connecting", err)
			}
		})
	}
}

func TestExplorerUseCases(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	r := explorerRequest(t)
	ctx := context.Background()
	p, err := w.Schemas(ctx, r, dba.SchemaQuery{Filter: "sho"})
	if err != nil || len(p.Schemas) != 1 || p.Schemas[0].Name != "shop" || p.Schemas[0].Tables < 8 {
		t.Fatalf("schemas: %v %+v", err, p)
	}
	tp, err := w.Tables(ctx, r, dba.TableQuery{Schema: "shop", Filter: "order", Limit: 2})
	if err != nil || len(tp.Tables) != 2 || tp.Next == "" {
		t.Fatalf("tables: %v %+v", err, tp)
	}
	det, err := w.Describe(ctx, r, dba.QualifiedName{Schema: "shop", Name: "orders"})
	if err != nil || len(det.ReferencedBy) != 3 || len(det.ForeignKeys) != 1 {
		t.Fatalf("describe: %v fks=%+v refs=%+v", err, det.ForeignKeys, det.ReferencedBy)
	}
	pv, err := w.Preview(ctx, r, dba.PreviewQuery{Table: dba.QualifiedName{Schema: "shop", Name: "orders"}, Limit: 3})
	if err != nil || len(pv.Rows) != 3 || len(pv.Next) != 1 {
		t.Fatalf("preview: %v %+v", err, pv)
	}
	op, err := w.Objects(ctx, r, dba.ObjectQuery{Schema: "shop", Kind: dba.KindRoutine})
	if err != nil || len(op.Objects) < 2 {
		t.Fatalf("objects: %v %+v", err, op)
	}
	cs, err := w.ShowCreate(ctx, r, dba.KindView, dba.QualifiedName{Schema: "shop", Name: "order_summary"})
	if err != nil || !strings.Contains(cs.SQL, "VIEW `order_summary`") {
		t.Fatalf("show create: %v %+v", err, cs)
	}
}

// A server that stops answering: an error within the timeout, not a hang,
// and the next call (a new connection) works once the server is back.
func TestExplorerServerStops(t *testing.T) {
	inst := dbtest.StartInstance(t, dbtest.InstanceOptions{})
	inst.SQL(t, "CREATE DATABASE t_explorer_die; CREATE TABLE t_explorer_die.t (id INT PRIMARY KEY); "+
		"CREATE USER 't_explorer'@'%' IDENTIFIED BY 't-explorer-pw'; GRANT SELECT ON *.* TO 't_explorer'@'%';")
	b, err := os.ReadFile(filepath.Join(inst.Dir, "mariadbd.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	w := openWB(t, Options{DisableKeyring: true})
	r := ConnRequest{DSN: "mysql://t_explorer:t-explorer-pw@127.0.0.1:" + strconv.Itoa(inst.Port) + "/", Timeout: 2 * time.Second}
	ctx := context.Background()
	if _, err := w.Describe(ctx, r, dba.QualifiedName{Schema: "t_explorer_die", Name: "t"}); err != nil {
		t.Fatal(err)
	}
	// Stop the server (SIGSTOP: it hangs rather than closing sockets, the
	// harder case), then ask again.
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) })
	start := time.Now()
	_, err = w.Describe(ctx, r, dba.QualifiedName{Schema: "t_explorer_die", Name: "t"})
	if err == nil {
		t.Fatal("describe on a stopped server succeeded")
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("error after %v: %v", took, err)
	}
	if !errors.Is(err, dba.ErrUnreachable) && !errors.Is(err, dba.ErrTimeout) {
		t.Errorf("err = %v, want unreachable or timeout", err)
	}
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Describe(ctx, r, dba.QualifiedName{Schema: "t_explorer_die", Name: "t"}); err != nil {
		t.Errorf("after the server is back: %v", err)
	}
}
