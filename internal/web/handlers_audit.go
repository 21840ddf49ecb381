package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// auditPageSize is how many records the page shows at first; "Show older"
// doubles it.
const (
	auditPageSize = 200
	auditMaxPage  = 20000
)

// parseSince reads an audit window: a Go duration (90m, 24h) or whole
// days (7d). Empty is any time.
func parseSince(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		if err == nil && (n <= 0 || n > 100*365) {
			err = fmt.Errorf("out of range")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%w: time window %q: want a duration such as 1h, 24h or 7d", dba.ErrInvalid, s)
	}
	return d, nil
}

// parseAuditForm reads the audit filters. defaultProfile applies when the
// request does not name a profile at all (a connection's audit page opened
// from the nav); an empty profile= means every connection.
func parseAuditForm(v url.Values, defaultProfile string, now time.Time) (views.AuditForm, dba.AuditFilter, error) {
	f := views.AuditForm{Q: v.Get("q"), Profile: defaultProfile, Status: strings.TrimSpace(v.Get("status")), Since: strings.TrimSpace(v.Get("since")), Limit: auditPageSize}
	if _, ok := v["profile"]; ok {
		f.Profile = strings.TrimSpace(v.Get("profile"))
	}
	af := dba.AuditFilter{Text: strings.TrimSpace(f.Q), Profile: f.Profile, Status: f.Status}
	if f.Status != "" && !validAuditStatus(f.Status) {
		return f, af, fmt.Errorf("%w: outcome %q: want executed, refused, dry run, rolled back or failed", dba.ErrInvalid, f.Status)
	}
	since, err := parseSince(f.Since)
	if err != nil {
		return f, af, err
	}
	if since > 0 {
		af.Since = now.Add(-since)
	}
	if l := strings.TrimSpace(v.Get("limit")); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n <= 0 {
			return f, af, fmt.Errorf("%w: limit %q: want a positive number", dba.ErrInvalid, l)
		}
		f.Limit = min(n, auditMaxPage)
	}
	return f, af, nil
}

func validAuditStatus(s string) bool {
	switch s {
	case "executed", "refused", "dry run", "rolled back", "failed":
		return true
	}
	return false
}

// auditAll is the audit page across every connection.
func (s *Server) auditAll(w http.ResponseWriter, r *http.Request) {
	s.audit(w, r, s.page(r, "Audit log", "audit", ""))
}

// auditProfile is the audit page opened from a connection's nav: the
// frame keeps the connection and the filter starts on it.
func (s *Server) auditProfile(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	s.audit(w, r, s.page(r, "Audit log", "audit", conn.Profile))
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request, p views.Page) {
	fragment := isFragment(r) && r.Header.Get("HX-Target") == "audit-body"
	f, af, err := parseAuditForm(r.URL.Query(), p.Profile, s.opts.Now())
	var d views.AuditData
	if err == nil {
		af.Limit = f.Limit + 1 // one more tells whether older records match
		d.Entries, err = s.wb.AuditLog(r.Context(), af)
		if len(d.Entries) > f.Limit {
			d.Entries, d.More = d.Entries[:f.Limit], true
		}
	}
	s.renderFiltered(w, r, p, fragment, err,
		func(msg string) templ.Component { return views.Audit(p, f, d, msg) },
		func() templ.Component { return views.AuditBody(p, f, d) })
}

// auditExport downloads every matching record with all fields, in the
// same CSV columns and JSON shape as `mydba audit export`.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	_, af, err := parseAuditForm(r.URL.Query(), "", now)
	format := r.URL.Query().Get("format")
	if err == nil && format != "csv" && format != "json" {
		err = fmt.Errorf("%w: export format %q: want csv or json", dba.ErrInvalid, format)
	}
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	af.Limit = 0
	es, err := s.wb.AuditLog(r.Context(), af)
	if err != nil {
		http.Error(w, err.Error(), statusOf(err))
		return
	}
	name := "mydba-audit-" + now.UTC().Format("20060102-150405") + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if format == "json" {
		if es == nil {
			es = []dba.AuditEntry{}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(es); err != nil {
			s.opts.Log.Warn("audit export", "err", err)
		}
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	if err := writeAuditCSV(w, es); err != nil {
		s.opts.Log.Warn("audit export", "err", err)
	}
}

// auditCSVHeader are the columns of `mydba audit export`.
var auditCSVHeader = []string{"id", "time", "actor", "source", "profile", "env", "statement", "class", "risk", "plan", "verdict", "confirmed", "typed_name", "reason", "status", "rows", "duration_ms", "error"}

func writeAuditCSV(w io.Writer, es []dba.AuditEntry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(auditCSVHeader); err != nil {
		return err
	}
	for _, e := range es {
		if err := cw.Write([]string{strconv.FormatInt(e.ID, 10), e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Source, e.Profile, string(e.Env),
			e.Statement, e.Class, e.Risk, e.Plan, e.Verdict, strconv.FormatBool(e.Confirmed), strconv.FormatBool(e.TypedName), e.Reason,
			e.Status, strconv.FormatInt(e.Rows, 10), strconv.FormatFloat(float64(e.Duration)/float64(time.Millisecond), 'f', 3, 64), e.Error}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
