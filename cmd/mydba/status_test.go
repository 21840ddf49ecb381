package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
)

// fixedStatus is one status screen with every part present, so the
// renderers are golden-tested on stable numbers.
func fixedStatus() dba.ServerStatus {
	f := func(v float64) *float64 { return &v }
	lag := int64(3)
	return dba.ServerStatus{
		Server:      dba.Server{Flavor: dba.FlavorMySQL, Version: dba.Version{Major: 8, Minor: 4, Patch: 3}, Raw: "8.4.3"},
		Uptime:      (26*time.Hour + 3*time.Minute + 4*time.Second),
		Interval:    1004 * time.Millisecond,
		Connections: dba.ConnectionStatus{Connected: 120, Max: 1000, MaxUsed: 340, Running: 7, UsedPercent: f(12), MaxUsedPercent: f(34)},
		Rates: dba.StatusRates{QPS: f(1523.4), TPS: f(0), EngineCommits: f(812.5), Select: f(1200), Insert: f(300.5), Update: f(10), Delete: f(2),
			Notes: []string{"no COMMIT or ROLLBACK in the interval while rows were written: the writes run in autocommit, which TPS does not count; engine commits is the upper bound"}},
		BufferPool:  &dba.BufferPool{SizeBytes: 8 << 30, PagesTotal: 524288, PagesData: 500000, PagesFree: 24288, PagesDirty: 1234, UsedPercent: f(95.37), FreePercent: f(4.63), ReadRequests: 50000, DiskReads: 25, HitPercent: f(99.95)},
		Replication: dba.Replication{Role: dba.RoleReplica, Source: "db1:3306", IORunning: "Yes", SQLRunning: "Yes", LagSeconds: &lag},
		Unavailable: []dba.Unavailable{},
	}
}

func TestStatusRendering(t *testing.T) {
	for _, format := range []string{"table", "csv", "json"} {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			a := &app{stdout: &out, output: format, getenv: func(string) string { return "" }}
			if err := a.render(a.statusView(fixedStatus())); err != nil {
				t.Fatal(err)
			}
			golden(t, "status-"+format, out.String())
		})
	}
	t.Run("degraded", func(t *testing.T) {
		st := fixedStatus()
		st.Reset = "the server restarted between the samples (uptime went from 500s to 2s)"
		st.Rates = dba.StatusRates{Notes: []string{"rates withheld: " + st.Reset}}
		st.BufferPool = nil
		st.Connections = dba.ConnectionStatus{Connected: 3, MaxUsed: 3}
		st.Replication = dba.Replication{Role: dba.RoleUnknown}
		st.Unavailable = []dba.Unavailable{{What: "replication", Reason: "no privilege to read replica status (MySQL needs REPLICATION CLIENT)"}, {What: "buffer pool", Reason: "the server reports no Innodb_buffer_pool_* status (InnoDB not loaded)"}}
		var out bytes.Buffer
		a := &app{stdout: &out, output: "table", getenv: func(string) string { return "" }}
		if err := a.render(a.statusView(st)); err != nil {
			t.Fatal(err)
		}
		golden(t, "status-degraded", out.String())
	})
}

func TestStatusCLI(t *testing.T) {
	c, dsn := varsCLI(t)
	out := c.ok("", "status", "--dsn", dsn, "--interval", "200ms")
	for _, re := range []string{
		`(?m)^server: +MariaDB 10\.\d+\.\d+ \(`,
		`(?m)^connections: +\d+ of 2000 \(\d+\.\d%\), max used \d+`,
		`(?m)^interval: +0\.2\ds$`,
		`(?m)^queries/s: +\d+\.\d \(Questions\)$`,
		`(?m)^buffer pool: +256\.0 MiB, \d+\.\d% used`,
		`(?m)^replication: +primary$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("status output lacks %s:\n%s", re, out)
		}
	}
	if strings.Contains(out, "unavailable") {
		t.Errorf("least-privilege user misses something:\n%s", out)
	}
	var st struct {
		Server struct {
			Flavor string `json:"flavor"`
		} `json:"server"`
		Rates       dba.StatusRates   `json:"rates"`
		BufferPool  *dba.BufferPool   `json:"buffer_pool"`
		Replication dba.Replication   `json:"replication"`
		Unavailable []dba.Unavailable `json:"unavailable"`
	}
	if err := json.Unmarshal([]byte(c.ok("", "status", "--dsn", dsn, "--interval", "100ms", "-o", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Server.Flavor != "MariaDB" || st.Rates.QPS == nil || st.BufferPool == nil || st.Replication.Role != "primary" || st.Unavailable == nil {
		t.Errorf("json: %+v", st)
	}
}

func TestStatusWithoutGrants(t *testing.T) {
	admin := dbtest.Admin(t)
	d := dbtest.LeastPriv(t)
	dbtest.Exec(t, admin, "CREATE OR REPLACE USER 't_status_cli'@'127.0.0.1' IDENTIFIED BY 't-status-cli'")
	t.Cleanup(func() { dbtest.Exec(t, admin, "DROP USER IF EXISTS 't_status_cli'@'127.0.0.1'") })
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = "t-status-cli"
	out := c.ok("", "status", "--dsn", "mysql://t_status_cli@"+d.Target.Address()+"/", "--interval", "100ms")
	if !strings.Contains(out, "replication:           unknown") || !strings.Contains(out, "unavailable:           replication: no privilege") {
		t.Errorf("status without grants:\n%s", out)
	}
}

func TestStatusBadInput(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"status", "--dsn", "mysql://u@127.0.0.1:1/", "--interval", "5ms"},
		{"status", "--dsn", "mysql://u@127.0.0.1:1/", "--interval", "2m"},
		{"status", "--dsn", "mysql://u@127.0.0.1:1/", "--interval", "soon"},
		{"status", "extra"},
	} {
		r := c.run("", args...)
		if r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, r.code, exitUsage, r.stderr)
		}
	}
}
