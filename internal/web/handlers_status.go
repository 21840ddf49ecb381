package web

import (
	"net/http"
	"time"

	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// statusSample is the time between the two samples each refresh of the
// status page takes: long enough for stable rates, short enough to keep
// the page lively.
const statusSample = time.Second

// status is the status page; its body is a fragment the page loads and
// then refreshes itself, each time from two fresh samples.
func (s *Server) status(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Status", "status", conn.Profile)
	if !isFragment(r) || r.Header.Get("HX-Target") != "status-body" {
		// The frame renders at once; the first sample takes a second.
		s.render(w, r, http.StatusOK, views.Status(p))
		return
	}
	st, err := s.wb.Status(r.Context(), conn, workbench.StatusRequest{Interval: statusSample})
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, views.StatusBody(st, s.opts.Now()))
}
