package workbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/store"
)

// Alert history defaults: closed alerts older than 90 days, or beyond the
// newest 10000, are pruned. Active alerts are never pruned.
const (
	DefaultAlertHistoryEntries = 10000
	DefaultAlertHistoryAge     = 90 * 24 * time.Hour
)

// AlertOptions configure alerting. Zero values are sensible defaults.
type AlertOptions struct {
	// Rules are the effective rules; nil means alert.DefaultRules().
	Rules []alert.Rule
	// Webhook receives events as JSON POSTs; "" sends nothing. Its path
	// and query are never logged or shown: they often carry a token.
	Webhook string
	// WebhookTimeout bounds one POST; default 5s.
	WebhookTimeout time.Duration
	// WebhookRetries is how many times a failed POST is retried (network
	// errors, 429 and 5xx answers); default 3. Negative: no retries.
	WebhookRetries int
	// WebhookBackoff is the wait before the first retry, doubled for each
	// next one; default 1s.
	WebhookBackoff time.Duration
	// WebhookQueue is how many batches of events may wait for delivery;
	// past it new batches are dropped (and counted), so a slow receiver
	// never blocks the monitor. Default 256.
	WebhookQueue int
	// HTTPClient sends the POSTs; default a client with no redirects.
	HTTPClient *http.Client
	// HistoryMaxEntries and HistoryMaxAge bound the stored history of
	// closed alerts (defaults DefaultAlertHistoryEntries/Age).
	HistoryMaxEntries int
	HistoryMaxAge     time.Duration
	// Log receives delivery failures (with the webhook redacted); default
	// discard.
	Log *slog.Logger
}

// alerting is the workbench's alert state: the rules and the webhook
// sender. It is created with the workbench; the sender's goroutine starts
// with the first event to deliver.
type alerting struct {
	rules []alert.Rule
	keep  store.Retention
	hook  *webhook // nil without a webhook
}

func newAlerting(o AlertOptions, now func() time.Time) *alerting {
	a := &alerting{rules: o.Rules, keep: store.Retention{MaxEntries: o.HistoryMaxEntries, MaxAge: o.HistoryMaxAge}}
	if a.rules == nil {
		a.rules = alert.DefaultRules()
	}
	if a.keep.MaxEntries <= 0 {
		a.keep.MaxEntries = DefaultAlertHistoryEntries
	}
	if a.keep.MaxAge <= 0 {
		a.keep.MaxAge = DefaultAlertHistoryAge
	}
	if strings.TrimSpace(o.Webhook) != "" {
		a.hook = newWebhook(o, now)
	}
	return a
}

func (a *alerting) close() {
	if a != nil && a.hook != nil {
		a.hook.close()
	}
}

// AlertRules are the rules in force (defaults with the configuration
// applied), in evaluation order.
func (w *Workbench) AlertRules() []alert.Rule { return append([]alert.Rule(nil), w.alerts.rules...) }

// NewAlertEngine builds an engine over the rules in force and restores the
// alerts stored as active, so an alert that fired before mydba restarted
// resolves when its condition clears instead of staying open or firing
// twice. Stored alerts of rules that no longer exist or are disabled, or
// of connections that were removed, are closed. The monitor calls this
// once and feeds the engine each sample.
func (w *Workbench) NewAlertEngine(ctx context.Context) (*alert.Engine, error) {
	eng, err := alert.NewEngine(w.alerts.rules, alert.Options{})
	if err != nil {
		return nil, err
	}
	stored, err := w.store.ActiveAlerts(ctx, "")
	if err != nil {
		// Monitoring matters more than restoring: start clean.
		return eng, fmt.Errorf("restore active alerts: %w", err)
	}
	profiles, err := w.store.Profiles(ctx)
	if err != nil {
		return eng, fmt.Errorf("restore active alerts: %w", err)
	}
	exists := map[string]bool{}
	for _, p := range profiles {
		exists[p.Name] = true
	}
	byKey := map[[3]string]int64{}
	seed := make([]alert.Alert, 0, len(stored))
	for _, r := range stored {
		if !exists[r.Profile] {
			if err := w.closeRemovedAlert(ctx, r); err != nil {
				return eng, err
			}
			continue
		}
		byKey[[3]string{r.Profile, r.Rule, r.Instance}] = r.ID
		seed = append(seed, alert.Alert{Profile: r.Profile, Rule: r.Rule, Instance: r.Instance, Series: r.Series, Severity: alert.Severity(r.Severity),
			Op: alert.Op(r.Op), Threshold: r.Threshold, FiredAt: r.FiredAt, Value: r.FiredValue, Detail: r.Detail, Message: r.Message})
	}
	for _, gone := range eng.Seed(seed) {
		id := byKey[[3]string{gone.Profile, gone.Rule, gone.Instance}]
		if _, err := w.store.CloseAlert(ctx, id, w.opts.Now(), "closed: rule "+gone.Rule+" was removed or disabled"); err != nil {
			return eng, err
		}
	}
	return eng, nil
}

// AlertsRemoved is the monitor's Removed hook with alerting wired in: the
// engine forgets the connection (its firing alerts produce no resolved
// event) and its active alerts are closed in the store.
func (w *Workbench) AlertsRemoved(eng *alert.Engine, log *slog.Logger) func(profile string) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(profile string) {
		if eng != nil {
			eng.Forget(profile)
		}
		ctx, cancel := context.WithTimeout(context.Background(), alertStoreTimeout)
		defer cancel()
		if err := w.closeAlertsOf(ctx, profile); err != nil {
			log.Warn("alerts", "profile", profile, "err", err)
		}
	}
}

// closeAlertsOf closes the stored active alerts of a removed connection.
func (w *Workbench) closeAlertsOf(ctx context.Context, profile string) error {
	active, err := w.store.ActiveAlerts(ctx, profile)
	if err != nil {
		return err
	}
	for _, a := range active {
		if err := w.closeRemovedAlert(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// closeRemovedAlert closes an alert whose connection was removed: nothing
// will ever resolve it.
func (w *Workbench) closeRemovedAlert(ctx context.Context, a dba.AlertRecord) error {
	_, err := w.store.CloseAlert(ctx, a.ID, w.opts.Now(), "closed: connection "+a.Profile+" was removed")
	return err
}

// alertStoreTimeout bounds the store write of one observation's events,
// so a stuck state file never holds up the monitor's goroutine.
const alertStoreTimeout = 2 * time.Second

// AlertObserver is the monitor's Observe hook with alerting wired in: it
// builds the engine (NewAlertEngine) and returns the function to pass as
// MonitorOptions.Observe, which evaluates the rules on each sample and
// records the events (RecordAlertEvents; the webhook is asynchronous).
// Store failures go to log and never stop monitoring. ctx bounds the
// observer's life: once it ends, events are evaluated but not stored.
// As with NewAlertEngine, a failure to restore the stored active alerts
// is returned together with a working observer.
func (w *Workbench) AlertObserver(ctx context.Context, log *slog.Logger) (ObserveFunc, *alert.Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	eng, err := w.NewAlertEngine(ctx)
	if eng == nil {
		return nil, nil, err
	}
	observe := func(profile string, at time.Time, values map[string]float64, health map[string]error) {
		events := eng.Observe(profile, at, values, withConnectionHealth(health))
		if len(events) == 0 || ctx.Err() != nil {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, alertStoreTimeout)
		defer cancel()
		if err := w.RecordAlertEvents(sctx, events); err != nil {
			log.Warn("alerts", "profile", profile, "err", err)
		}
	}
	return observe, eng, err
}

// connectionHealth is the monitor's pseudo-collector for connecting.
const connectionHealth = "connection"

// withConnectionHealth completes the monitor's health map: it names the
// pseudo-collector "connection" only while connecting fails, so its
// absence means the connection works (observations come only from a
// failed attempt or a sample). Reporting it as working lets a
// collector_failure alert on it resolve rather than stay open forever.
func withConnectionHealth(health map[string]error) map[string]error {
	if _, ok := health[connectionHealth]; ok {
		return health
	}
	out := make(map[string]error, len(health)+1)
	maps.Copy(out, health)
	out[connectionHealth] = nil
	return out
}

// RecordAlertEvents stores the engine's events and hands them to the
// webhook, if one is configured. Delivery is asynchronous and never
// blocks; the store write is bounded by ctx. When the store fails (disk
// full, read-only) the events still go to the webhook and the error says
// what was not stored.
func (w *Workbench) RecordAlertEvents(ctx context.Context, events []alert.Event) error {
	if len(events) == 0 {
		return nil
	}
	if w.alerts.hook != nil {
		w.alerts.hook.enqueue(events)
	}
	if _, err := w.store.RecordAlertEvents(ctx, events, w.alerts.keep); err != nil {
		return fmt.Errorf("%d alert events not stored: %w", len(events), err)
	}
	return nil
}

// ActiveAlerts lists the alerts firing now for a profile, or for every
// profile when it is "".
func (w *Workbench) ActiveAlerts(ctx context.Context, profile string) ([]dba.AlertRecord, error) {
	as, err := w.store.ActiveAlerts(ctx, profile)
	if err != nil {
		return nil, err
	}
	return as, w.checkAlertProfile(ctx, profile, len(as))
}

// checkAlertProfile turns "nothing found" for a connection that does not
// exist into an error, so a typo never reads as "no alerts". A removed
// connection whose alerts are still stored is fine.
func (w *Workbench) checkAlertProfile(ctx context.Context, profile string, found int) error {
	if profile == "" || found > 0 {
		return nil
	}
	_, err := w.Profile(ctx, profile)
	return err
}

// ActiveAlertCount counts them (the badge in the web header).
func (w *Workbench) ActiveAlertCount(ctx context.Context, profile string) (int, error) {
	return w.store.CountActiveAlerts(ctx, profile)
}

// AlertHistory lists alerts, active and resolved, newest first.
func (w *Workbench) AlertHistory(ctx context.Context, f dba.AlertFilter) ([]dba.AlertRecord, error) {
	if f.Limit < 0 {
		return nil, fmt.Errorf("%w: limit %d is negative", dba.ErrInvalid, f.Limit)
	}
	hs, err := w.store.AlertHistory(ctx, f)
	if err != nil {
		return nil, err
	}
	return hs, w.checkAlertProfile(ctx, f.Profile, len(hs))
}

// WebhookStatus is how delivery to the webhook is going.
type WebhookStatus struct {
	// Target is the webhook with its path and query hidden, "" when none
	// is configured.
	Target    string    `json:"target"`
	Delivered int       `json:"delivered"`
	Failed    int       `json:"failed"`
	Dropped   int       `json:"dropped"`
	Queued    int       `json:"queued"`
	LastError string    `json:"last_error,omitempty"`
	LastAt    time.Time `json:"last_at,omitzero"`
}

// AlertWebhookStatus reports the webhook's deliveries since start.
func (w *Workbench) AlertWebhookStatus() WebhookStatus {
	if w.alerts.hook == nil {
		return WebhookStatus{}
	}
	return w.alerts.hook.status()
}

// webhook delivers batches of events, one POST per batch, from one
// goroutine fed by a bounded queue.
type webhook struct {
	url     string
	target  string
	client  *http.Client
	timeout time.Duration
	retries int
	backoff time.Duration
	log     *slog.Logger
	now     func() time.Time

	queue  chan []alert.Event
	start  sync.Once
	stop   chan struct{}
	done   chan struct{}
	closed sync.Once

	mu sync.Mutex
	st WebhookStatus
}

func newWebhook(o AlertOptions, now func() time.Time) *webhook {
	h := &webhook{url: strings.TrimSpace(o.Webhook), client: o.HTTPClient, timeout: o.WebhookTimeout, retries: o.WebhookRetries,
		backoff: o.WebhookBackoff, log: o.Log, now: now, stop: make(chan struct{}), done: make(chan struct{})}
	h.target = RedactURL(h.url)
	if h.client == nil {
		// A redirect could carry the payload somewhere the user did not
		// configure; refuse them.
		h.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if h.timeout <= 0 {
		h.timeout = 5 * time.Second
	}
	if h.retries == 0 {
		h.retries = 3
	}
	h.retries = max(h.retries, 0)
	if h.backoff <= 0 {
		h.backoff = time.Second
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	n := o.WebhookQueue
	if n <= 0 {
		n = 256
	}
	h.queue = make(chan []alert.Event, n)
	h.st.Target = h.target
	return h
}

// enqueue never blocks: a full queue drops the batch and counts it.
func (h *webhook) enqueue(events []alert.Event) {
	select {
	case <-h.stop:
		h.count(func(s *WebhookStatus) { s.Dropped += len(events) })
		return
	default:
	}
	h.start.Do(func() { go h.loop() })
	batch := append([]alert.Event(nil), events...)
	select {
	case h.queue <- batch:
	default:
		h.count(func(s *WebhookStatus) {
			s.Dropped += len(events)
			s.LastError = "queue full: events dropped"
		})
		h.log.Warn("alert webhook queue full; events dropped", "webhook", h.target, "events", len(events))
	}
}

func (h *webhook) loop() {
	defer close(h.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-h.stop
		cancel()
	}()
	for {
		select {
		case <-h.stop:
			return
		case batch := <-h.queue:
			err := h.deliver(ctx, batch)
			if err != nil {
				h.log.Warn("alert webhook delivery failed", "webhook", h.target, "events", len(batch), "err", err)
			}
			h.count(func(s *WebhookStatus) {
				s.LastAt = h.now()
				if err != nil {
					s.Failed += len(batch)
					s.LastError = err.Error()
					return
				}
				s.Delivered += len(batch)
				s.LastError = ""
			})
		}
	}
}

func (h *webhook) count(f func(*WebhookStatus)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(&h.st)
}

func (h *webhook) status() WebhookStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.st
	s.Queued = len(h.queue)
	return s
}

// close stops delivery: the POST in flight is cancelled and batches still
// queued are dropped (counted). It waits for the sender to finish.
func (h *webhook) close() {
	h.closed.Do(func() {
		close(h.stop)
		started := true
		h.start.Do(func() { started = false })
		if started {
			<-h.done
		}
		h.count(func(s *WebhookStatus) {
			for {
				select {
				case b := <-h.queue:
					s.Dropped += len(b)
				default:
					return
				}
			}
		})
	})
}

// WebhookPayload is the JSON body of a webhook POST. Text is a summary
// (one line per event) so Slack- and Mattermost-style incoming webhooks
// show it as is.
type WebhookPayload struct {
	Version int           `json:"version"`
	Source  string        `json:"source"`
	Text    string        `json:"text"`
	Events  []alert.Event `json:"events"`
}

func payload(events []alert.Event) WebhookPayload {
	lines := make([]string, 0, len(events))
	for _, ev := range events {
		who := ev.Profile
		if ev.Instance != "" {
			who += " (" + ev.Instance + ")"
		}
		lines = append(lines, fmt.Sprintf("mydba [%s] %s %s on %s: %s", ev.Severity, ev.Rule, ev.State, who, ev.Message))
	}
	return WebhookPayload{Version: 1, Source: "mydba", Text: strings.Join(lines, "\n"), Events: events}
}

// errPermanent is a failure a retry cannot fix (a 4xx answer).
var errPermanent = errors.New("not retried")

// deliver POSTs one batch, retrying transient failures with exponential
// backoff. Errors name the webhook only by its redacted target.
func (h *webhook) deliver(ctx context.Context, events []alert.Event) error {
	body, err := json.Marshal(payload(events))
	if err != nil {
		return err
	}
	wait := h.backoff
	var last error
	for attempt := 0; attempt <= h.retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("POST %s: stopped before retry %d: %w", h.target, attempt, last)
			case <-t.C:
			}
			wait *= 2
		}
		last = h.post(ctx, body)
		if last == nil || errors.Is(last, errPermanent) {
			break
		}
	}
	return last
}

func (h *webhook) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: invalid webhook URL", h.target)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mydba-alerts/1")
	resp, err := h.client.Do(req)
	if err != nil {
		// url.Error repeats the whole URL, secret included; keep only the
		// cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("POST %s: %w", h.target, err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the body is not
	// shown (it may echo the request).
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("POST %s: %s", h.target, resp.Status)
	}
	return fmt.Errorf("POST %s: %s: %w", h.target, resp.Status, errPermanent)
}

// RedactURL shows a URL as scheme://host/… : user info, path and query
// often hold a token, so none of them is ever printed.
func RedactURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return "(webhook URL hidden)"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		out += "/…"
	}
	return out
}
