package web

import (
	"net/http"
	"strconv"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

func (s *Server) explorerSchemas(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Explorer", "explorer", conn.Profile)
	q := dba.SchemaQuery{Filter: r.URL.Query().Get("q"), After: r.URL.Query().Get("after")}
	page, err := s.wb.Schemas(r.Context(), conn, q)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	if isFragment(r) && r.Header.Get("HX-Target") == "schema-list" {
		s.render(w, r, http.StatusOK, views.SchemaList(p, page, q.Filter))
		return
	}
	s.render(w, r, http.StatusOK, views.ExplorerSchemas(p, page, q.Filter))
}

func (s *Server) explorerTables(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	schema := r.PathValue("schema")
	p := s.page(r, schema+" · Explorer", "explorer", conn.Profile)
	q := dba.TableQuery{Schema: schema, Filter: r.URL.Query().Get("q"), After: r.URL.Query().Get("after"), Type: dba.TableType(r.URL.Query().Get("type"))}
	page, err := s.wb.Tables(r.Context(), conn, q)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	if isFragment(r) && r.Header.Get("HX-Target") == "table-list" {
		s.render(w, r, http.StatusOK, views.TableList(p, page, q.Filter))
		return
	}
	s.render(w, r, http.StatusOK, views.ExplorerTables(p, page, q.Filter))
}

func (s *Server) explorerTable(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	name := dba.QualifiedName{Schema: r.PathValue("schema"), Name: r.PathValue("table")}
	p := s.page(r, name.Schema+"."+name.Name+" · Explorer", "explorer", conn.Profile)
	d, err := s.wb.Describe(r.Context(), conn, name)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ExplorerTable(p, d))
}

func (s *Server) explorerPreview(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	name := dba.QualifiedName{Schema: r.PathValue("schema"), Name: r.PathValue("table")}
	p := s.page(r, "Preview", "explorer", conn.Profile)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	pv, err := s.wb.Preview(r.Context(), conn, dba.PreviewQuery{Table: name, Limit: limit, After: r.URL.Query()["after"]})
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, views.PreviewGrid(p, pv))
}
