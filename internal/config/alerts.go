package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
)

// Alerts is the alerting configuration: the effective rules (defaults
// with the file's [[alert]] tables applied) and where events go.
type Alerts struct {
	Rules []alert.Rule
	// Webhook receives every firing and resolved event as a JSON POST;
	// "" sends nothing. It may hold a secret (a token in the path or the
	// query): mydba never prints it whole.
	Webhook string
	// WebhookTimeout bounds one POST (default in the workbench: 5s).
	WebhookTimeout time.Duration
	// WebhookRetries is how many times a failed POST is retried, in the
	// workbench's terms: 0 its default (3), negative none.
	WebhookRetries int
	// WebhookBackoff is the wait before the first retry, doubled for each
	// next one (default in the workbench: 1s).
	WebhookBackoff time.Duration
	// History bounds the alert history kept in the state file.
	History Retention
}

// alertRuleFile is one [[alert]] table.
type alertRuleFile struct {
	Name      string   `toml:"name"`
	Series    *string  `toml:"series"`
	Op        *string  `toml:"op"`
	Threshold *float64 `toml:"threshold"`
	For       *string  `toml:"for"`
	// Clear is a number (a clear threshold) or a string: "75", "5m",
	// "75 for 5m".
	Clear    any     `toml:"clear"`
	Severity *string `toml:"severity"`
	Enabled  *bool   `toml:"enabled"`
}

// alertsFile is the [alerts] table.
type alertsFile struct {
	Webhook        *string `toml:"webhook"`
	WebhookTimeout *string `toml:"webhook_timeout"`
	WebhookRetries *int    `toml:"webhook_retries"`
	WebhookBackoff *string `toml:"webhook_backoff"`
	MaxEntries     *int    `toml:"max_entries"`
	MaxAge         *string `toml:"max_age"`
}

// maxWebhookRetries bounds alerts.webhook_retries: with the backoff
// doubling, ten retries already span 17 minutes at 1s.
const maxWebhookRetries = 10

// loadAlerts turns the file's alert settings into the effective ones.
func loadAlerts(path string, rules []alertRuleFile, af alertsFile) (Alerts, error) {
	var a Alerts
	specs := make([]alert.Spec, 0, len(rules))
	for i, r := range rules {
		s := alert.Spec{Name: r.Name, Series: r.Series, Op: r.Op, Threshold: r.Threshold, For: r.For, Severity: r.Severity, Enabled: r.Enabled}
		switch c := r.Clear.(type) {
		case nil:
		case int64:
			v := strconv.FormatInt(c, 10)
			s.Clear = &v
		case float64:
			v := strconv.FormatFloat(c, 'g', -1, 64)
			s.Clear = &v
		case string:
			s.Clear = &c
		default:
			return a, fmt.Errorf("%w: config %s: [[alert]] %d (%s): clear must be a number or a string such as \"5m\" or \"75 for 5m\"", dba.ErrInvalid, path, i+1, r.Name)
		}
		specs = append(specs, s)
	}
	var err error
	if a.Rules, err = alert.Rules(specs); err != nil {
		return a, fmt.Errorf("config %s: [[alert]]: %w", path, err)
	}
	if v := af.Webhook; v != nil && strings.TrimSpace(*v) != "" {
		if err := checkWebhook(*v); err != nil {
			return a, fmt.Errorf("%w: config %s: alerts.webhook: %w", dba.ErrInvalid, path, err)
		}
		a.Webhook = strings.TrimSpace(*v)
	}
	if v := af.WebhookTimeout; v != nil {
		d, err := time.ParseDuration(*v)
		if err != nil || d <= 0 || d > time.Minute {
			return a, fmt.Errorf("%w: config %s: alerts.webhook_timeout %q: want a duration from 1ms to 1m, such as \"5s\"", dba.ErrInvalid, path, *v)
		}
		a.WebhookTimeout = d
	}
	if v := af.WebhookRetries; v != nil {
		if *v < 0 || *v > maxWebhookRetries {
			return a, fmt.Errorf("%w: config %s: alerts.webhook_retries %d: want 0 (no retries) to %d", dba.ErrInvalid, path, *v, maxWebhookRetries)
		}
		a.WebhookRetries = *v
		if *v == 0 {
			a.WebhookRetries = -1
		}
	}
	if v := af.WebhookBackoff; v != nil {
		d, err := time.ParseDuration(*v)
		if err != nil || d < 10*time.Millisecond || d > time.Minute {
			return a, fmt.Errorf("%w: config %s: alerts.webhook_backoff %q: want a duration from 10ms to 1m, such as \"1s\"", dba.ErrInvalid, path, *v)
		}
		a.WebhookBackoff = d
	}
	if v := af.MaxEntries; v != nil {
		if *v < 1 {
			return a, fmt.Errorf("%w: config %s: alerts.max_entries must be at least 1", dba.ErrInvalid, path)
		}
		a.History.MaxEntries = *v
	}
	if v := af.MaxAge; v != nil {
		d, err := time.ParseDuration(*v)
		if err != nil || d <= 0 {
			return a, fmt.Errorf("%w: config %s: alerts.max_age %q: want a duration such as \"2160h\"", dba.ErrInvalid, path, *v)
		}
		a.History.MaxAge = d
	}
	return a, nil
}

// checkWebhook accepts absolute http(s) URLs. The error never repeats the
// URL, which may carry a token.
func checkWebhook(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("want an http:// or https:// URL")
	}
	if u.Host == "" {
		return fmt.Errorf("the URL has no host")
	}
	return nil
}
