package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// sseLifetime is how long one live stream lasts before the server ends
// it and the browser reconnects (EventSource does so by itself, after the
// retry the stream announced): every request, streams included, ends
// within the request timeout.
const sseLifetime = 50 * time.Second

// newMonitor adopts the monitor given in Options or makes one with the
// defaults (tests, and serve before it configures its own).
func (s *Server) newMonitor() error {
	if s.opts.Monitor != nil {
		s.monitor = s.opts.Monitor
		return nil
	}
	m, err := s.wb.NewMonitor(workbench.MonitorOptions{Log: s.opts.Log})
	if err != nil {
		return err
	}
	s.monitor, s.ownMonitor = m, true
	return nil
}

func (s *Server) closeMonitor() {
	if s.ownMonitor {
		s.monitor.Close()
	}
}

func (s *Server) dashboardRoutes() {
	m := s.mux
	m.HandleFunc("GET /c/{profile}/dashboard", s.withProfile(s.dashboard))
	m.HandleFunc("GET /c/{profile}/dashboard/series", s.withProfile(s.dashboardSeries))
	// The live stream lasts long: it takes no per-connection slot (it
	// reads the monitor's memory, never the server).
	m.HandleFunc("GET /c/{profile}/dashboard/live", s.dashboardLive)
	m.HandleFunc("GET /metrics", s.metrics)
}

// dashboard is the monitoring page; opening it starts monitoring the
// connection (it goes on until serve stops).
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Dashboard", "dashboard", conn.Profile)
	if err := s.monitor.Start(r.Context(), conn.Profile); err != nil {
		s.fail(w, r, p, err)
		return
	}
	st, _ := s.monitor.State(conn.Profile)
	rng := r.URL.Query().Get("range")
	if _, ok := views.DashboardRange(rng); !ok {
		rng = views.DefaultDashboardRange
	}
	d := views.DashboardPage{
		State:     st,
		Range:     rng,
		SeriesURL: pathJoin("c", conn.Profile, "dashboard", "series"),
		LiveURL:   pathJoin("c", conn.Profile, "dashboard", "live"),
		Charts:    views.DashboardCharts(),
	}
	s.render(w, r, http.StatusOK, views.Dashboard(p, d))
}

// seriesQuery reads a series request: range (a duration or one of the
// page's ranges) or from/to (Unix seconds, from zooming), points, names.
func seriesQuery(q url.Values, profile string) (workbench.SeriesRequest, error) {
	req := workbench.SeriesRequest{Profile: profile, Names: workbench.ParseSeriesNames(q.Get("names"))}
	unix := func(k string) (time.Time, error) {
		v := strings.TrimSpace(q.Get(k))
		if v == "" {
			return time.Time{}, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1e11 {
			return time.Time{}, dbaInvalid(fmt.Sprintf("%s must be a time in Unix seconds", k))
		}
		return time.UnixMilli(int64(f * 1000)), nil
	}
	var err error
	if req.From, err = unix("from"); err != nil {
		return req, err
	}
	if req.To, err = unix("to"); err != nil {
		return req, err
	}
	if rng := strings.TrimSpace(q.Get("range")); rng != "" && req.From.IsZero() {
		d, ok := views.DashboardRange(rng)
		if !ok {
			if d, err = time.ParseDuration(rng); err != nil || d <= 0 {
				return req, dbaInvalid(fmt.Sprintf("range %q: give a duration such as 5m, 1h or 24h", rng))
			}
		}
		req.Range = d
	}
	if v := strings.TrimSpace(q.Get("points")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return req, dbaInvalid("points must be a number")
		}
		req.MaxPoints = n
	}
	return req, nil
}

// dashboardSeries answers a chart's data as JSON (dba.SeriesSet).
func (s *Server) dashboardSeries(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	req, err := seriesQuery(r.URL.Query(), conn.Profile)
	if err == nil {
		var set any
		set, err = s.monitor.Series(r.Context(), req)
		if err == nil {
			writeJSON(w, http.StatusOK, set)
			return
		}
	}
	jsonFail(w, err)
}

// dashboardLive streams the connection's new samples, annotations and
// state as server-sent events ("update", data: workbench.MonitorUpdate).
func (s *Server) dashboardLive(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("profile")
	if _, err := s.wb.Profile(r.Context(), name); err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	if err := s.monitor.Start(r.Context(), name); err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	ch, cancel, err := s.monitor.Subscribe(name)
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	defer cancel()
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// The browser reconnects a second after the stream ends.
	fmt.Fprint(w, "retry: 1000\n\n")
	if st, ok := s.monitor.State(name); ok {
		writeEvent(w, "update", workbench.MonitorUpdate{State: st})
	}
	fl.Flush()
	end := time.NewTimer(sseLifetime)
	defer end.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-end.C:
			return
		case u, ok := <-ch:
			if !ok {
				return
			}
			writeEvent(w, "update", u)
			fl.Flush()
		}
	}
}

func writeEvent(w http.ResponseWriter, event string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
}
