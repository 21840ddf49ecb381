package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// metricsPath is the Prometheus endpoint.
const metricsPath = "/metrics"

// metricsFront lets a scraper with the metrics token read /metrics
// without the session cookie; everything else, and /metrics without a
// bearer token, goes through the browser security layer (cookie). The
// metrics token opens nothing but /metrics.
func (s *Server) metricsFront(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := metricsBearer(r)
		if r.URL.Path != metricsPath || !ok {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		switch {
		case !s.hosts[r.Host]:
			http.Error(w, "unknown Host header", http.StatusMisdirectedRequest)
			return
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		case s.opts.MetricsToken == "" || !equal(tok, s.opts.MetricsToken):
			w.Header().Set("WWW-Authenticate", `Bearer realm="mydba metrics"`)
			http.Error(w, "mydba: wrong metrics token (serve --metrics-token)", http.StatusUnauthorized)
			return
		}
		s.metrics(w, r)
	})
}

func metricsBearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// metrics is the Prometheus exposition of every monitored connection.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(monitorCollector{states: s.monitor.States})
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, r)
}

// monitorCollector exports the monitor's latest readings, labelled by
// connection. Names follow prometheus/mysqld_exporter where they overlap
// (mysql_up, mysql_global_status_*, mysql_global_variables_*), so its
// dashboards and alert rules work; mydba's own series are mydba_*.
// Nothing here queries a server: scraping reads what the monitor holds.
type monitorCollector struct {
	states func() []workbench.MonitorState
}

var (
	descUp = prometheus.NewDesc("mysql_up", "Whether the last poll of SHOW GLOBAL STATUS succeeded.", []string{"connection"}, nil)
	// Per-collector health.
	descCollectorUp       = prometheus.NewDesc("mydba_collector_up", "Whether the collector's last poll succeeded (1), or it fails or is unavailable (0).", []string{"connection", "collector", "state"}, nil)
	descCollectorRuns     = prometheus.NewDesc("mydba_collector_runs_total", "Polls of the collector since monitoring started.", []string{"connection", "collector"}, nil)
	descCollectorFailures = prometheus.NewDesc("mydba_collector_failures_total", "Failed polls of the collector since monitoring started.", []string{"connection", "collector"}, nil)
	descCollectorOverruns = prometheus.NewDesc("mydba_collector_overruns_total", "Ticks skipped because the previous poll still ran.", []string{"connection", "collector"}, nil)
	descCollectorTook     = prometheus.NewDesc("mydba_collector_duration_seconds", "How long the collector's last poll took.", []string{"connection", "collector"}, nil)
	descStoreOK           = prometheus.NewDesc("mydba_history_store_ok", "Whether the history store accepts writes (0: samples are held in memory).", []string{"connection"}, nil)
	descSampleAge         = prometheus.NewDesc("mydba_sample_age_seconds", "Age of the newest derived sample.", []string{"connection"}, nil)
)

// Describe sends nothing: the metrics depend on what servers report, so
// the collector is unchecked.
func (monitorCollector) Describe(chan<- *prometheus.Desc) {}

func (c monitorCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	for _, st := range c.states() {
		conn := st.Profile
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, boolValue(st.Up()), conn)
		exportRaw(ch, "mysql_global_status_", "Generic metric from SHOW GLOBAL STATUS.", st.Status, conn)
		exportRaw(ch, "mysql_global_variables_", "Generic gauge metric from SHOW GLOBAL VARIABLES.", st.Variables, conn)
		if st.Last != nil {
			for name, v := range st.Last.Values {
				n := "mydba_" + promName(name)
				d := prometheus.NewDesc(n, "mydba derived series "+name+" (see docs/monitoring.md).", []string{"connection"}, nil)
				ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, conn)
			}
			ch <- prometheus.MustNewConstMetric(descSampleAge, prometheus.GaugeValue, now.Sub(st.Last.At).Seconds(), conn)
		}
		ch <- prometheus.MustNewConstMetric(descStoreOK, prometheus.GaugeValue, boolValue(st.StoreError == ""), conn)
		for _, h := range st.Health {
			ch <- prometheus.MustNewConstMetric(descCollectorUp, prometheus.GaugeValue, boolValue(h.State == dba.CollectorOK), conn, h.Name, h.State)
			ch <- prometheus.MustNewConstMetric(descCollectorRuns, prometheus.CounterValue, float64(h.Runs), conn, h.Name)
			ch <- prometheus.MustNewConstMetric(descCollectorFailures, prometheus.CounterValue, float64(h.Failures), conn, h.Name)
			ch <- prometheus.MustNewConstMetric(descCollectorOverruns, prometheus.CounterValue, float64(h.Overruns), conn, h.Name)
			ch <- prometheus.MustNewConstMetric(descCollectorTook, prometheus.GaugeValue, h.Took.Seconds(), conn, h.Name)
		}
	}
}

// exportRaw writes a reading's numbers as untyped metrics, as
// mysqld_exporter does for the generic ones.
func exportRaw(ch chan<- prometheus.Metric, prefix, help string, values map[string]float64, conn string) {
	seen := map[string]bool{}
	for name, v := range values {
		n := prefix + promName(name)
		if seen[n] {
			continue
		}
		seen[n] = true
		d := prometheus.NewDesc(n, help, []string{"connection"}, nil)
		ch <- prometheus.MustNewConstMetric(d, prometheus.UntypedValue, v, conn)
	}
}

// promName lower-cases a server name and replaces what a metric name may
// not hold with "_".
func promName(s string) string {
	var b strings.Builder
	for i, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r == '_', r >= '0' && r <= '9' && i > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
