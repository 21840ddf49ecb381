package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// topSeriesBody bounds a sparkline request: the keys of at most
// MaxTopLimit digests (schema names and 64-character hashes).
const topSeriesBody = 512 << 10

// topForm reads the top page's query: by (an order; "" is total time, or
// no-index with only=no_index as `mydba top --no-index` does), limit,
// no_index and own.
func topForm(q url.Values) (views.TopForm, workbench.TopRequest, error) {
	f := views.TopForm{By: strings.TrimSpace(q.Get("by")), Order: dba.OrderTotalTime, Limit: workbench.DefaultTopLimit,
		NoIndex: q.Get("no_index") == "1", Own: q.Get("own") == "1"}
	order, err := dba.ParseDigestOrder(f.By)
	if err != nil {
		return f, workbench.TopRequest{}, err
	}
	if f.NoIndex && f.By == "" {
		order = dba.OrderNoIndex
	}
	if v := strings.TrimSpace(q.Get("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > workbench.MaxTopLimit {
			return f, workbench.TopRequest{}, dbaInvalid(fmt.Sprintf("limit must be a number from 1 to %d", workbench.MaxTopLimit))
		}
		f.Limit = n
	}
	f.Order = order
	return f, workbench.TopRequest{OrderBy: order, Limit: f.Limit, NoIndex: f.NoIndex, IncludeOwn: f.Own}, nil
}

// topPage is the top queries page; htmx asks for its body alone when the
// form changes or a column header is clicked.
func (s *Server) topPage(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	s.topAnswer(w, r, conn, false)
}

// topSnapshot stores the whole digest table in mydba's state (what `mydba
// top --snapshot` does) and answers with the refreshed body. It writes
// nothing to the server, so it needs no gate.
func (s *Server) topSnapshot(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, s.page(r, "Top queries", "top", conn.Profile), dbaInvalid("unreadable form"))
		return
	}
	s.topAnswer(w, r, conn, true)
}

func (s *Server) topAnswer(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest, snapshot bool) {
	p := s.page(r, "Top queries", "top", conn.Profile)
	q := r.URL.Query()
	if snapshot {
		q = r.Form
	}
	f, req, err := topForm(q)
	d := views.TopPage{Form: f, SeriesURL: pathJoin("c", conn.Profile, "top", "series"), ExplainURL: pathJoin("c", conn.Profile, "explain")}
	for _, o := range dba.DigestOrders() {
		d.Orders = append(d.Orders, string(o))
	}
	if err == nil {
		req.Conn, req.Snapshot = conn, snapshot
		d.Top, err = s.wb.Top(r.Context(), req)
	}
	if err == nil {
		var snaps []dba.DigestSnapshotInfo
		if snaps, err = s.wb.DigestSnapshots(r.Context(), conn); err == nil {
			d.Snapshots = len(snaps)
			if len(snaps) > 0 {
				d.LastSnapshot = &snaps[0]
			}
		}
	}
	if err == nil {
		keys := make([]dba.DigestKey, len(d.Top.Digests))
		for i, t := range d.Top.Digests {
			keys[i] = t.Key()
		}
		b, jerr := json.Marshal(keys)
		if jerr != nil {
			err = jerr
		}
		d.Keys = string(b)
	}
	fragment := isFragment(r) && r.Header.Get("HX-Target") == "top-body"
	s.renderFiltered(w, r, p, fragment, err,
		func(msg string) templ.Component { d.Error = msg; return views.Top(p, d) },
		func() templ.Component { return views.TopBody(p, d) })
}

// topSeries answers the sparklines' data: per digest (in the order asked),
// executions and latency in each interval between the connection's
// stored snapshots. JSON in: [{"schema": ..., "digest": ...}, ...].
func (s *Server) topSeries(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	r.Body = http.MaxBytesReader(w, r.Body, topSeriesBody)
	var keys []dba.DigestKey
	if err := json.NewDecoder(r.Body).Decode(&keys); err != nil {
		jsonFail(w, dbaInvalid("send the digests as a JSON list of {schema, digest}"))
		return
	}
	points := 0
	if v := r.URL.Query().Get("points"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			jsonFail(w, dbaInvalid("points must be a number"))
			return
		}
		points = n
	}
	series, err := s.wb.DigestSeries(r.Context(), workbench.DigestSeriesRequest{Conn: conn, Keys: keys, Points: points})
	if err != nil {
		jsonFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, series)
}
