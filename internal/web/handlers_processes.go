package web

import (
	"context"
	"fmt"
	"math"
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

// processLimit caps the sessions one refresh lists: a server with
// thousands of connections is read by grouping or filtering, not by
// scrolling a table the browser re-renders every two seconds. Groups and
// the lock graph still cover every session.
const processLimit = 500

// parseProcessForm reads the process list's filter form. It is strict:
// a bad value is a clear error, never silently ignored.
func parseProcessForm(v url.Values) (views.ProcessForm, workbench.ProcessQuery, error) {
	f := views.ProcessForm{
		User:    strings.TrimSpace(v.Get("user")),
		DB:      strings.TrimSpace(v.Get("db")),
		Command: strings.TrimSpace(v.Get("command")),
		MinTime: strings.TrimSpace(v.Get("min_time")),
		Text:    v.Get("text"),
		Active:  v.Get("active") == "1",
		Group:   strings.TrimSpace(v.Get("group")),
		Group2:  strings.TrimSpace(v.Get("group2")),
		Sort:    strings.TrimSpace(v.Get("sort")),
	}
	q := workbench.ProcessQuery{
		Filter: dba.ProcessFilter{User: f.User, DB: f.DB, Command: f.Command, Text: strings.TrimSpace(f.Text), Active: f.Active},
		Limit:  processLimit,
	}
	if f.MinTime != "" {
		secs, err := strconv.ParseFloat(f.MinTime, 64)
		if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs < 0 || secs > 1e9 {
			return f, q, fmt.Errorf("%w: minimum time %q: want a number of seconds, 0 or more", dba.ErrInvalid, f.MinTime)
		}
		q.Filter.MinTime = time.Duration(secs * float64(time.Second))
	}
	key, err := dba.ParseSortKey(f.Sort)
	if err != nil {
		return f, q, err
	}
	q.Sort, f.Sort = key, string(key)
	// "then by" alone means grouping by that key.
	var groups []string
	for _, g := range []string{f.Group, f.Group2} {
		if g != "" {
			groups = append(groups, g)
		}
	}
	if q.GroupBy, err = dba.ParseGroupKeys(strings.Join(groups, ",")); err != nil {
		return f, q, err
	}
	return f, q, workbench.ValidateProcessQuery(q)
}

// processes is the process list page and, for its own refreshes, the
// list fragment.
func (s *Server) processes(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Processes", "processes", conn.Profile)
	fragment := isFragment(r) && r.Header.Get("HX-Target") == "ps-body"
	f, q, err := parseProcessForm(r.URL.Query())
	var d views.ProcessData
	if err == nil {
		d, err = s.processData(r.Context(), conn, q)
	}
	s.renderFiltered(w, r, p, fragment, err,
		func(msg string) templ.Component { return views.Processes(p, f, d, msg) },
		func() templ.Component { return views.ProcessBody(p, d) })
}

// processData takes one snapshot and, only when it shows lock waits, the
// lock chains from the Locks use case: most refreshes then cost one
// snapshot, and the chains come from their own consistent one.
func (s *Server) processData(ctx context.Context, conn workbench.ConnRequest, q workbench.ProcessQuery) (views.ProcessData, error) {
	v, err := s.wb.ProcessList(ctx, conn, q)
	if err != nil {
		return views.ProcessData{}, err
	}
	d := views.ProcessData{View: v, Limit: q.Limit}
	if len(v.Locks.Edges) == 0 {
		return d, nil
	}
	// The list stands without the chains: a failure there is shown on
	// the page, not turned into a failed refresh.
	if lv, lerr := s.wb.Locks(ctx, conn, q.Filter); lerr != nil {
		d.LocksErr = lerr.Error()
	} else {
		d.Locks = &lv
	}
	return d, nil
}
