package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
)

func TestLoadAlerts(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "absent.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(alert.DefaultRules(), c.Alerts.Rules); diff != "" || c.Alerts.Webhook != "" || c.Alerts.WebhookRetries != 0 {
		t.Errorf("no file: rules (-want +got)\n%s webhook %q, retries %d", diff, c.Alerts.Webhook, c.Alerts.WebhookRetries)
	}
	// 0 in the file means no retries; the workbench reads 0 as its default.
	if c, err := Load(write(t, "[alerts]\nwebhook_retries = 0\n")); err != nil || c.Alerts.WebhookRetries >= 0 {
		t.Errorf("webhook_retries = 0: %d, %v", c.Alerts.WebhookRetries, err)
	}
	c, err = Load(write(t, `
[alerts]
webhook = "https://hooks.example.com/services/T000/B000/XXXXSECRET"
webhook_timeout = "2s"
webhook_retries = 5
webhook_backoff = "250ms"
max_entries = 500
max_age = "720h"

[[alert]]
name = "connection_usage"
threshold = 90
for = "30s"

[[alert]]
name = "deadlocks"
enabled = false

[[alert]]
name = "slow_queries"
clear = 0.5

[[alert]]
name = "replication_lag"
clear = "15 for 1m"

[[alert]]
name = "qps_high"
series = "qps"
op = ">"
threshold = 20000
for = "5m"
clear = 15000
severity = "info"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := alert.DefaultRules()
	clear15, clear05, clear75 := 15.0, 0.5, 75.0
	for i, r := range want {
		switch r.Name {
		case "connection_usage":
			want[i].Threshold, want[i].For, want[i].Clear = 90, 30*time.Second, &clear75
		case "deadlocks":
			want[i].Enabled = false
		case "slow_queries":
			want[i].Clear, want[i].ClearFor = &clear05, 0
		case "replication_lag":
			want[i].Clear, want[i].ClearFor = &clear15, time.Minute
		}
	}
	clear15k := 15000.0
	want = append(want, alert.Rule{Name: "qps_high", Series: "qps", Op: alert.OpGT, Threshold: 20000, For: 5 * time.Minute, Clear: &clear15k, Severity: alert.SeverityInfo, Enabled: true})
	if diff := cmp.Diff(want, c.Alerts.Rules); diff != "" {
		t.Errorf("rules (-want +got)\n%s", diff)
	}
	if c.Alerts.Webhook != "https://hooks.example.com/services/T000/B000/XXXXSECRET" || c.Alerts.WebhookTimeout != 2*time.Second ||
		c.Alerts.WebhookRetries != 5 || c.Alerts.WebhookBackoff != 250*time.Millisecond ||
		c.Alerts.History != (Retention{MaxEntries: 500, MaxAge: 720 * time.Hour}) {
		t.Errorf("alerts %+v", c.Alerts)
	}
}

func TestLoadAlertsErrors(t *testing.T) {
	tests := []struct{ body, msg string }{
		{"[[alert]]\nname = \"connection_usage\"\nthreshhold = 90\n", "unknown key alert.threshhold"},
		{"[alerts]\nwebhok = \"https://x\"\n", "unknown key alerts.webhok"},
		{"[[alert]]\nname = \"x\"\nseries = \"qps\"\n", "needs op, threshold"},
		{"[[alert]]\nname = \"x\"\nseries = \"qsp\"\nop = \">\"\nthreshold = 1\n", `did you mean "qps"`},
		{"[[alert]]\nname = \"deadlocks\"\n[[alert]]\nname = \"deadlocks\"\n", "defined twice"},
		{"[[alert]]\nname = \"connection_usage\"\nfor = \"2 minutes\"\n", "for: "},
		{"[[alert]]\nname = \"connection_usage\"\nclear = true\n", "clear must be a number or a string"},
		{"[[alert]]\nname = \"connection_usage\"\nclear = 95\n", "above the threshold"},
		{"[[alert]]\nname = \"connection_usage\"\nthreshold = \"high\"\n", "threshold"},
		{"[[alert]]\nname = \"connection_usage\"\nseverity = \"page\"\n", "severity"},
		{"[alerts]\nwebhook = \"ftp://user:hunter2@example.com/x\"\n", "http:// or https://"},
		{"[alerts]\nwebhook = \"hooks.example.com/x?token=hunter2\"\n", "alerts.webhook"},
		{"[alerts]\nwebhook_timeout = \"2 hours\"\n", "webhook_timeout"},
		{"[alerts]\nwebhook_retries = -1\n", "webhook_retries -1: want 0 (no retries) to 10"},
		{"[alerts]\nwebhook_retries = 11\n", "webhook_retries 11"},
		{"[alerts]\nwebhook_retries = \"3\"\n", "webhook_retries"},
		{"[alerts]\nwebhook_backoff = \"1ms\"\n", "webhook_backoff"},
		{"[alerts]\nwebhook_backoff = \"soon\"\n", "webhook_backoff"},
		{"[alerts]\nmax_entries = 0\n", "max_entries"},
		{"[alerts]\nmax_age = \"-1h\"\n", "max_age"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			_, err := Load(write(t, tt.body))
			if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("%q: %v", tt.body, err)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error repeats the webhook's secret: %v", err)
			}
		})
	}
}
