package workbench

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/sqltext"
)

const slowLogFixtures = "../parse/testdata/slowlog"

func slowLogReq(paths ...string) SlowLogRequest {
	return SlowLogRequest{Paths: paths, Location: time.UTC, Now: func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }}
}

func writeSlowLogFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gzipSlowLog(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// TestDigestSlowLogsFiles reads plain, gzip (by content, whatever the
// name) and stdin inputs into one digest.
func TestDigestSlowLogsFiles(t *testing.T) {
	a, err := os.ReadFile(filepath.Join(slowLogFixtures, "mysql-5.0-pt-slow001.log"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(slowLogFixtures, "percona-5.x-pt-slow058.log"))
	if err != nil {
		t.Fatal(err)
	}
	plain := writeSlowLogFile(t, "slow.log", a)
	gz := writeSlowLogFile(t, "slow.log.1", gzipSlowLog(t, b))
	req := slowLogReq(plain, gz, "-")
	req.Stdin = bytes.NewReader(a)
	var last, total int64
	req.Progress = func(d, tot int64) { last, total = d, tot }
	d, err := DigestSlowLogs(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if d.Events != 2+6+2 || len(d.Files) != 3 || !d.Files[1].Compressed || d.Files[1].Read != int64(len(b)) {
		t.Errorf("events %d files %+v", d.Events, d.Files)
	}
	// Progress counts bytes as stored: compressed for .gz, and stdin's
	// size is unknown.
	gzSize := int64(len(gzipSlowLog(t, b)))
	if last != int64(len(a))*2+gzSize || total != int64(len(a))+gzSize {
		t.Errorf("progress %d of %d", last, total)
	}
}

func TestDigestSlowLogsBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(slowLogFixtures, "mysql-5.0-pt-slow001.log")
	data, _ := os.ReadFile(good)
	garbage := writeSlowLogFile(t, "garbage.log", []byte("\x7fELF\x02\x01\x01\x00binary\x00stuff\n\x00\x00\x00\n"))
	empty := writeSlowLogFile(t, "empty.log", nil)
	zst := writeSlowLogFile(t, "slow.log.zst", []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0})
	badGz := writeSlowLogFile(t, "slow.log.gz", []byte{0x1f, 0x8b, 0x09, 0x09})
	full := gzipSlowLog(t, bytes.Repeat(data, 2000))
	truncGz := writeSlowLogFile(t, "cut.log.gz", full[:len(full)*3/4])
	denied := "/proc/sys/vm/drop_caches" // write-only, even for root
	if os.Geteuid() != 0 {
		denied = writeSlowLogFile(t, "denied.log", data)
		if err := os.Chmod(denied, 0); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		req   SlowLogRequest
		is    error
		msg   string
		notes string // for inputs that digest with a warning
	}{
		{name: "no files", req: slowLogReq(), is: dba.ErrInvalid, msg: "give at least one slow log file"},
		{name: "missing", req: slowLogReq(filepath.Join(dir, "nope.log")), is: dba.ErrNotFound, msg: "nope.log does not exist"},
		{name: "missing after a good one", req: slowLogReq(good, filepath.Join(dir, "nope.log")), is: dba.ErrNotFound, msg: "does not exist"},
		{name: "directory", req: slowLogReq(dir), is: dba.ErrInvalid, msg: "is a directory"},
		{name: "permission", req: slowLogReq(denied), msg: "permission denied"},
		{name: "garbage", req: slowLogReq(garbage), is: dba.ErrInvalid, msg: "no slow query log events in " + garbage + " (25 bytes read, 2 lines skipped)"},
		{name: "zstd", req: slowLogReq(zst), is: dba.ErrInvalid, msg: "zstd-compressed"},
		{name: "bad gzip", req: slowLogReq(badGz), is: dba.ErrInvalid, msg: "not a valid gzip file"},
		{name: "stdin twice", req: func() SlowLogRequest { r := slowLogReq("-", "-"); r.Stdin = strings.NewReader(""); return r }(), is: dba.ErrInvalid, msg: "can be given once"},
		{name: "bad filter", req: func() SlowLogRequest { r := slowLogReq(good); r.Filters = []string{"qurey_time>1"}; return r }(), is: dba.ErrInvalid, msg: "did you mean query_time"},
		{name: "bad since", req: func() SlowLogRequest { r := slowLogReq(good); r.Since = "last tuesday"; return r }(), is: dba.ErrInvalid, msg: "--since: "},
		{name: "since after until", req: func() SlowLogRequest { r := slowLogReq(good); r.Since, r.Until = "1h", "2h"; return r }(), is: dba.ErrInvalid, msg: "must be before --until"},
		{name: "negative top", req: func() SlowLogRequest { r := slowLogReq(good); r.Top = -1; return r }(), is: dba.ErrInvalid, msg: "--top"},
		{name: "empty file", req: slowLogReq(empty), notes: "no events: the input is empty"},
		{name: "truncated gzip", req: slowLogReq(truncGz), notes: "the compressed stream ends early"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := DigestSlowLogs(context.Background(), tt.req)
			if tt.notes != "" {
				if err != nil {
					t.Fatalf("err %v", err)
				}
				if !strings.Contains(strings.Join(d.Notes, "\n"), tt.notes) {
					t.Errorf("notes %q lack %q", d.Notes, tt.notes)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.msg) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err = %v, want %v with %q", err, tt.is, tt.msg)
			}
		})
	}
}

// TestDigestTruncatedGzipKeepsEvents: the events before the cut of a .gz
// still count.
func TestDigestTruncatedGzipKeepsEvents(t *testing.T) {
	data, _ := os.ReadFile(filepath.Join(slowLogFixtures, "mysql-5.0-pt-slow001.log"))
	full := gzipSlowLog(t, bytes.Repeat(data, 2000))
	d, err := DigestSlowLogs(context.Background(), slowLogReq(writeSlowLogFile(t, "cut.gz", full[:len(full)*3/4])))
	if err != nil {
		t.Fatal(err)
	}
	if d.Events < 1000 || d.Events >= 4000 {
		t.Errorf("%d events from three quarters of 4000", d.Events)
	}
}

// TestDigestSandboxSlowLog runs statements on the sandbox primary, whose
// slow log records everything (long_query_time=0), and digests what the
// server wrote for them.
func TestDigestSandboxSlowLog(t *testing.T) {
	admin := dbtest.Admin(t)
	dir := os.Getenv(dbtest.EnvSandboxDir)
	if dir == "" {
		dbtest.Missing(t, "%s is not set", dbtest.EnvSandboxDir)
	}
	path := filepath.Join(dir, "primary", "data", "slow.log")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("sandbox slow log: %v", err)
	}
	nonce := fmt.Sprintf("t_digest_%d", time.Now().UnixNano())
	dbtest.Exec(t, admin, "CREATE DATABASE "+nonce, "CREATE TABLE "+nonce+".t (id INT PRIMARY KEY, v INT)")
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+nonce) })
	ctx := context.Background()
	conn, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stmts := []string{"USE " + nonce}
	for i := range 5 {
		stmts = append(stmts, fmt.Sprintf("/* %s */ INSERT INTO t VALUES (%d, %d)", nonce, i, i*10))
	}
	stmts = append(stmts,
		fmt.Sprintf("/* %s */ SELECT v FROM t WHERE id = 3", nonce),
		fmt.Sprintf("/* %s */ SELECT v, SLEEP(0.05) FROM t WHERE id = 4", nonce),
		fmt.Sprintf("/* %s */ UPDATE t SET v = v + 1 WHERE id < 3", nonce))
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	// Copy what the server appended since, so the test reads kilobytes,
	// not the whole shared log. The server answers the client before it
	// writes the slow log, so wait for the last statement to appear.
	var tail []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		tail, err = io.ReadAll(io.NewSectionReader(f, st.Size(), 64<<20))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(tail, []byte(stmts[len(stmts)-1])) || time.Now().After(deadline) {
			break
		}
	}
	req := slowLogReq(writeSlowLogFile(t, "slow.log", tail))
	req.Filters = []string{`query~^/\* ` + nonce + ` \*/`}
	d, err := DigestSlowLogs(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	byFP := map[string]dba.SlowLogClass{}
	for _, c := range d.Classes {
		byFP[c.Fingerprint] = c
	}
	fp := func(i int) string { return sqltext.Fingerprint(stmts[i]) }
	insert, sel, slow, upd := byFP[fp(1)], byFP[fp(6)], byFP[fp(7)], byFP[fp(8)]
	if d.Events != 8 || insert.Count != 5 || sel.Count != 1 || slow.Count != 1 || upd.Count != 1 {
		t.Fatalf("events %d; classes %+v", d.Events, byFP)
	}
	if insert.ID != sqltext.ID(fp(1)) || insert.Fingerprint != "insert into t values(?+)" || insert.Databases[0].Value != nonce || insert.Users[0].Value != "root" {
		t.Errorf("insert class %+v", insert)
	}
	if rs := insert.RowsAffected; rs == nil || rs.Sum != 5 {
		t.Errorf("insert rows affected %+v", rs)
	}
	if d.Classes[0].Fingerprint != slow.Fingerprint || slow.QueryTime.Max < 0.05 || !strings.Contains(slow.Sample.Query, "SLEEP(0.05)") {
		t.Errorf("the SLEEP statement is not ranked first with its sample: %+v", d.Classes[0])
	}
	if upd.RowsAffected == nil || upd.RowsAffected.Sum != 3 || upd.Sample.Explain == "" {
		t.Errorf("update class %+v", upd)
	}
	if d.FirstSeen == nil || time.Since(*d.FirstSeen) > 10*time.Minute {
		t.Errorf("first seen %v", d.FirstSeen)
	}
}
