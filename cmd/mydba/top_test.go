package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

func fixedTop() dba.DigestTop {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	p95 := ms(40)
	seen := at.Add(-time.Minute)
	return dba.DigestTop{
		Profile: "prod", Server: dba.Server{Flavor: dba.FlavorMySQL, Version: dba.Version{Major: 8, Minor: 4, Patch: 3}, Raw: "8.4.3"},
		At: at, Uptime: 50 * time.Hour, OrderBy: dba.OrderTotalTime, Limit: 2,
		Totals: dba.DigestTotals{Digests: 812, Count: 1234567, TotalTime: 1000 * time.Second},
		Lost:   &dba.DigestCounters{Count: 42, TotalTime: ms(120)},
		Digests: []dba.TopDigest{
			{Rank: 1, Digest: dba.Digest{Schema: "shop", Digest: "1f2e", Text: "SELECT * FROM `orders` WHERE `customer_id` = ?",
				DigestCounters: dba.DigestCounters{Count: 90000, TotalTime: 300 * time.Second, RowsSent: 180000, RowsExamined: 18000000000, NoIndexUsed: 90000, FullScans: 90000},
				AvgTime:        ms(3.333), MaxTime: ms(80), P95: &p95, FirstSeen: at.Add(-50 * time.Hour), LastSeen: at},
				ImpactPct: 30, NoIndexPct: 100, QueryID: "9C2D3C1EF8A4F5A0D77D6A93A8F1C3B2", QueryIDFrom: "example",
				Example: &dba.DigestExample{Text: "SELECT * FROM orders WHERE customer_id = 4711", Source: "QUERY_SAMPLE_TEXT", Seen: &seen}},
			{Rank: 2, Digest: dba.Digest{Schema: "", Digest: "3a4b", Text: "COMMIT",
				DigestCounters: dba.DigestCounters{Count: 500000, TotalTime: 100 * time.Second},
				AvgTime:        ms(0.2), MaxTime: ms(900), FirstSeen: at.Add(-50 * time.Hour), LastSeen: at},
				ImpactPct: 10, QueryID: "1B6B1C2B7A7A3E2A9B4E8C1D2F3A4B5C", QueryIDFrom: "digest_text",
				ExampleNote: "no example kept: the server has no QUERY_SAMPLE_TEXT for this digest and none of its statements is left in the statement history"},
		},
		Notes:    []string{"the digest table is full: 42 statements were counted without a digest of their own (raise performance_schema_digests_size, or TRUNCATE the table after a snapshot)"},
		Snapshot: &dba.DigestSnapshotInfo{ID: 7, Profile: "prod", At: at, Uptime: 50 * time.Hour, Server: "MySQL 8.4.3", Digests: 812, Stored: 812, Full: true},
	}
}

func fixedTrend() dba.DigestTrend {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	before, change := ms(1.5), 122.2
	return dba.DigestTrend{
		Profile:  "prod",
		From:     dba.DigestSnapshotInfo{ID: 3, Profile: "prod", At: at.Add(-24 * time.Hour), Uptime: 26 * time.Hour, Digests: 800, Stored: 800, Full: true},
		To:       dba.DigestSnapshotInfo{ID: 27, Profile: "prod", At: at, Uptime: 50 * time.Hour, Digests: 812, Stored: 95},
		Interval: 24 * time.Hour, Restarted: 1, OrderBy: dba.OrderTotalTime, Limit: 20,
		Totals: dba.DigestTotals{Digests: 95, Count: 400000, TotalTime: 200 * time.Second},
		Digests: []dba.DigestDelta{
			{Rank: 1, Digest: dba.Digest{Schema: "shop", Digest: "1f2e", Text: "SELECT * FROM `orders` WHERE `customer_id` = ?",
				DigestCounters: dba.DigestCounters{Count: 30000, TotalTime: 100 * time.Second, RowsExamined: 6000000000}, AvgTime: ms(3.333)},
				BaseAvgTime: &before, AvgChangePct: &change, ImpactPct: 50, QueryID: "9C2D3C1EF8A4F5A0D77D6A93A8F1C3B2", QueryIDFrom: "example",
				Example: &dba.DigestExample{Text: "SELECT * FROM orders WHERE customer_id = 4711", Source: "QUERY_SAMPLE_TEXT"}},
			{Rank: 2, Digest: dba.Digest{Schema: "shop", Digest: "5c6d", Text: "UPDATE `stock` SET `qty` = `qty` - ? WHERE `sku` = ?",
				DigestCounters: dba.DigestCounters{Count: 1200, TotalTime: 20 * time.Second}, AvgTime: ms(16.7)},
				Status: "restarted", ImpactPct: 10, QueryID: "0A1B2C3D4E5F60718293A4B5C6D7E8F9", QueryIDFrom: "digest_text"},
		},
		Notes: []string{"the digest table was reset in the interval (TRUNCATE): 1 rows restarted counting and count only since then, 0 vanished"},
	}
}

func TestTopRendering(t *testing.T) {
	for _, format := range []string{"table", "csv", "json"} {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			a := &app{stdout: &out, output: format, getenv: func(string) string { return "" }}
			if err := a.render(a.topView(fixedTop())); err != nil {
				t.Fatal(err)
			}
			golden(t, "top-"+format, out.String())
			out.Reset()
			if err := a.render(a.trendView(fixedTrend())); err != nil {
				t.Fatal(err)
			}
			golden(t, "top-since-"+format, out.String())
		})
	}
}

func TestTopCLI(t *testing.T) {
	inst, dsn := profiledInstance(t,
		"performance-schema-consumer-events-statements-current=ON", "performance-schema-consumer-events-statements-history=ON",
		"performance-schema-consumer-events-statements-history-long=ON")
	// One client connection, twelve runs of one statement and seven of
	// another: the two most frequent digests, whatever else ran.
	var b strings.Builder
	for i := 0; i < 12; i++ {
		b.WriteString("SELECT a FROM t_cli.t WHERE a = 3;")
	}
	for i := 0; i < 7; i++ {
		b.WriteString("SELECT COUNT(*) FROM t_cli.t;")
	}
	inst.SQL(t, b.String())
	c := newCLI(t)
	c.env["MYDBA_PASSWORD"] = "t-cli-pw"
	volatile := func(k string) bool { return volatileTiming(k) || k == "uptime_ns" || k == "totals" || k == "id" }
	js := c.ok("", "top", "--dsn", dsn, "--by", "count", "--limit", "2", "-o", "json")
	golden(t, "top-live-json", scrubJSON(t, js, volatile))
	if out := c.ok("", "top", "--dsn", dsn, "--no-index", "--limit", "3"); !strings.Contains(out, "SELECT a FROM t_cli.t WHERE a = 3") || !strings.Contains(out, "ranked by:  no-index") {
		t.Errorf("--no-index:\n%s", out)
	}

	c.ok("", "top", "--dsn", dsn, "--snapshot", "--limit", "1")
	inst.SQL(t, "SELECT COUNT(*) FROM t_cli.t; SELECT COUNT(*) FROM t_cli.t; SELECT COUNT(*) FROM t_cli.t;")
	js = c.ok("", "top", "--dsn", dsn, "--snapshot", "--since", "1ms", "--by", "count", "--limit", "1", "-o", "json")
	golden(t, "top-since-live-json", scrubJSON(t, js, func(k string) bool { return volatile(k) || k == "from" || k == "to" || k == "notes" || k == "profile" }))

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"bad order", []string{"top", "--dsn", dsn, "--by", "cuont"}, exitUsage, `did you mean "count"?`},
		{"bad limit", []string{"top", "--dsn", dsn, "--limit", "0"}, exitUsage, "limit 0: want 1 to 1000"},
		{"negative since", []string{"top", "--dsn", dsn, "--since", "-1h"}, exitUsage, "--since must be positive"},
		{"no snapshots", []string{"top", "--dsn", "mysql://t_cli@127.0.0.1:1/", "--since", "24h"}, exitNotFound, "a trend needs two snapshots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newCLI(t).run("", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", r.code, tt.code, r.stderr, tt.stderr)
			}
		})
	}
}
