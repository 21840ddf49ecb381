package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/config"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// seedAlerts stores alerts in the CLI's state dir as the monitor would:
// two resolved, two active (one a collector failure).
func seedAlerts(t *testing.T, c *cli) {
	t.Helper()
	ctx := context.Background()
	wb, err := workbench.Open(ctx, workbench.Options{StateDir: c.env["MYDBA_HOME"], DisableKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	base := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	rules := map[string]alert.Rule{}
	for _, r := range alert.DefaultRules() {
		rules[r.Name] = r
	}
	ev := func(profile, rule string, state alert.State, since, m int, value float64, msg string) alert.Event {
		r := rules[rule]
		return alert.Event{Profile: profile, Rule: rule, Series: r.Series, Severity: r.Severity, State: state, Op: r.Op, Threshold: r.Threshold,
			At: at(m), Since: at(since), Value: value, Message: msg}
	}
	failing := ev("prod-eu", "collector_failure", alert.Firing, 50, 51, 1, "collector innodb_metrics failing for 1m: access denied")
	failing.Instance, failing.Detail = "innodb_metrics", "access denied"
	events := []alert.Event{
		ev("prod-eu", "connection_usage", alert.Firing, 0, 2, 91.5, "connection_usage_pct 91.5 (>= 85 for 2m)"),
		ev("dev", "deadlocks", alert.Firing, 5, 5, 0.2, "deadlocks_per_s 0.2 (> 0)"),
		ev("prod-eu", "connection_usage", alert.Resolved, 2, 17, 60, "connection_usage_pct 60, resolved after 15m"),
		ev("dev", "deadlocks", alert.Resolved, 5, 12, 0, "deadlocks_per_s 0, resolved after 7m"),
		failing,
		ev("prod-eu", "replication_lag", alert.Firing, 100, 101, 42, "replication_lag_seconds 42 (> 30 for 1m)"),
	}
	if err := wb.RecordAlertEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
}

// lastedRE hides how long active alerts have lasted so far (it grows).
var lastedRE = regexp.MustCompile(`(active,)\d[0-9hms]*`)

func TestAlertsCLI(t *testing.T) {
	c := newCLI(t)
	if out := c.ok("", "alerts"); out != "no active alerts\n" {
		t.Errorf("empty: %q", out)
	}
	if out := c.ok("", "alerts", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty json: %q", out)
	}
	seedAlerts(t, c)
	golden(t, "alerts-active", dateRE.ReplaceAllString(c.ok("", "alerts"), "DATE"))
	golden(t, "alerts-active-json", dateRE.ReplaceAllString(c.ok("", "alerts", "-o", "json", "--conn", "prod-eu"), "DATE"))
	// The table of resolved alerts only: an active one's LASTED grows and
	// moves the columns.
	golden(t, "alerts-history", dateRE.ReplaceAllString(c.ok("", "alerts", "history", "-c", "dev"), "DATE"))
	golden(t, "alerts-history-csv", lastedRE.ReplaceAllString(dateRE.ReplaceAllString(c.ok("", "alerts", "history", "-o", "csv"), "DATE"), "${1}LASTED"))

	var hs []dba.AlertRecord
	if err := json.Unmarshal([]byte(c.ok("", "alerts", "history", "-o", "json", "--since", "")), &hs); err != nil || len(hs) != 4 {
		t.Fatalf("history json: %d %v", len(hs), err)
	}
	// A window that ends before the resolved alerts keeps only the active.
	if err := json.Unmarshal([]byte(c.ok("", "alerts", "history", "-o", "json", "--since", "30m")), &hs); err != nil || len(hs) != 2 {
		t.Errorf("--since 30m: %+v %v", hs, err)
	}
	if err := json.Unmarshal([]byte(c.ok("", "alerts", "history", "-o", "json", "--since", "1d", "--limit", "1")), &hs); err != nil || len(hs) != 1 || hs[0].Rule != "replication_lag" {
		t.Errorf("--limit 1: %+v %v", hs, err)
	}
	// A connection that does not exist is an error, not "no alerts".
	for _, args := range [][]string{{"alerts", "--conn", "nope"}, {"alerts", "history", "--conn", "nope"}} {
		if r := c.run("", args...); r.code != exitNotFound || !strings.Contains(r.stderr, `"nope"`) {
			t.Errorf("%v: exit %d %s", args, r.code, r.stderr)
		}
	}
	for _, bad := range [][]string{{"--since", "yesterday"}, {"--since", "-1h"}, {"--since", "0d"}, {"--limit", "-1"}} {
		if r := c.run("", append([]string{"alerts", "history"}, bad...)...); r.code != exitUsage || !strings.Contains(r.stderr, bad[0]) {
			t.Errorf("%v: exit %d %s", bad, r.code, r.stderr)
		}
	}
}

func TestAlertsRulesCLI(t *testing.T) {
	c := newCLI(t)
	golden(t, "alerts-rules", c.ok("", "alerts", "rules"))
	cfg := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(cfg, []byte(`
[alerts]
webhook = "https://hooks.example.com/services/T0/B0/s3cr3t"

[[alert]]
name = "deadlocks"
enabled = false

[[alert]]
name = "threads_running"
threshold = 64
clear = "48 for 1m"
severity = "critical"

[[alert]]
name = "qps_high"
series = "qps"
op = ">"
threshold = 20000
for = "5m"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := c.ok("", "--config", cfg, "alerts", "rules")
	golden(t, "alerts-rules-config", out)
	js := c.ok("", "--config", cfg, "alerts", "rules", "-o", "json")
	golden(t, "alerts-rules-json", js)
	if strings.Contains(out+js, "s3cr3t") {
		t.Error("the webhook's secret is shown")
	}
	if r := c.run("", "--config", cfg+".absent", "alerts", "rules"); r.code != exitNotFound {
		t.Errorf("absent config: exit %d", r.code)
	}
	if err := os.WriteFile(cfg, []byte("[[alert]]\nname = \"threads_running\"\nthreshhold = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := c.run("", "--config", cfg, "alerts", "rules"); r.code != exitUsage || !strings.Contains(r.stderr, "unknown key alert.threshhold") {
		t.Errorf("typo: exit %d %s", r.code, r.stderr)
	}
}

// The [alerts] delivery settings reach the workbench.
func TestAlertOptionsFromConfig(t *testing.T) {
	c := config.Config{Alerts: config.Alerts{Webhook: "https://hooks.example.com/x", WebhookTimeout: 2 * time.Second,
		WebhookRetries: -1, WebhookBackoff: 250 * time.Millisecond, History: config.Retention{MaxEntries: 7, MaxAge: time.Hour}}}
	o := alertOptions(c)
	if o.Webhook != c.Alerts.Webhook || o.WebhookTimeout != 2*time.Second || o.WebhookRetries != -1 || o.WebhookBackoff != 250*time.Millisecond ||
		o.HistoryMaxEntries != 7 || o.HistoryMaxAge != time.Hour {
		t.Errorf("alert options %+v", o)
	}
}
