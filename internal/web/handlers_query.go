package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/export"
	"github.com/mydba/mydba/internal/sqltext"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// queryLimits are the row limits the editor offers.
func queryLimits() []int64 { return []int64{1_000, queryDefaultRows, 100_000, queryMaxRowsLimit} }

// queryRoutes adds the query editor's page, its run, rows, export, schema
// and history endpoints, and sets up the store of kept results.
func (s *Server) queryRoutes() {
	s.query = newQueryResults(queryBudget, queryMaxRuns, queryKeptIdle, s.opts.Now)
	m := s.mux
	m.HandleFunc("GET /c/{profile}/query", s.withProfile(s.queryPage))
	m.HandleFunc("POST /c/{profile}/query/run", s.withProfile(s.queryRun))
	m.HandleFunc("GET /c/{profile}/query/rows/{run}/{stmt}/{set}", s.withProfile(s.queryRows))
	m.HandleFunc("GET /c/{profile}/query/cell/{run}/{stmt}/{set}/{row}/{col}", s.withProfile(s.queryCell))
	m.HandleFunc("POST /c/{profile}/query/export", s.withProfile(s.queryExport))
	m.HandleFunc("GET /c/{profile}/query/schema", s.withProfile(s.querySchema))
	m.HandleFunc("GET /c/{profile}/query/schema/{table}", s.withProfile(s.queryColumns))
	m.HandleFunc("GET /c/{profile}/query/history", s.withProfile(s.queryHistory))
	m.HandleFunc("POST /c/{profile}/query/history/{id}/mark", s.withProfile(s.queryHistoryMark))
	m.HandleFunc("POST /c/{profile}/query/history/{id}/delete", s.withProfile(s.queryHistoryDelete))
}

// editorDialect is the editor's SQL dialect for a server: MariaDB's
// keywords and syntax for MariaDB, MySQL's for MySQL 8.0, 8.4 and 9.x.
func editorDialect(s dba.Server) string {
	if s.IsMariaDB() {
		return "mariadb"
	}
	return "mysql"
}

// serverName is the server as the page header names it.
func serverName(s dba.Server) string {
	name := "MySQL"
	if s.IsMariaDB() {
		name = "MariaDB"
	}
	return name + " " + s.Version.String()
}

func (s *Server) queryPage(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Query", "query", conn.Profile)
	prof, err := s.wb.Profile(r.Context(), conn.Profile)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	srv, err := s.wb.DetectServer(r.Context(), conn)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Query(p, views.QueryPage{
		Database: prof.Target.Database, Server: serverName(srv), Dialect: editorDialect(srv),
		Limit: queryDefaultRows, Limits: queryLimits(),
		Explain: s.sectionURL(conn.Profile, "explain"), Profile: s.sectionURL(conn.Profile, "profile"),
	}))
}

// sectionURL is the address of another page of the profile, or "" while
// the server has no such page: the EXPLAIN and profile pages are built
// separately, and their buttons appear once their routes exist. They get
// the statement as ?sql=.
func (s *Server) sectionURL(profile, section string) string {
	u := "/c/" + url.PathEscape(profile) + "/" + section
	r, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return ""
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		return ""
	}
	return u
}

// parseRowLimit reads the row limit a run asks for.
func parseRowLimit(v string) (int64, error) {
	if v == "" {
		return queryDefaultRows, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > queryMaxRowsLimit {
		return 0, dbaInvalid(fmt.Sprintf("the row limit must be a number from 1 to %d", queryMaxRowsLimit))
	}
	return n, nil
}

func nextLimit(n int64) int64 {
	for _, l := range queryLimits() {
		if l > n {
			return l
		}
	}
	return 0
}

// queryRun runs the editor's SQL on a read-only session and answers with
// the result tabs. The rows stay on the server (see queryResults) and the
// grid fetches them in chunks.
func (s *Server) queryRun(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "Query", "query", conn.Profile)
	limit, err := parseRowLimit(r.PostFormValue("max_rows"))
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	script := r.PostFormValue("sql")
	res, err := s.wb.Query(r.Context(), workbench.QueryRequest{
		Conn: conn, SQL: script, MaxRows: limit, MaxBytes: queryMaxBytes, Source: "web",
	})
	run := views.QueryRun{Limit: limit, NextLimit: nextLimit(limit), MaxBytes: queryMaxBytes}
	if len(res.Statements) > 0 {
		id, dropped := s.query.put(conn.Profile, r.PostFormValue("prev"), res.Statements)
		run.ID = id
		run.Tabs = queryTabs(p, id, res.Statements, dropped)
		run.Active = activeTab(run.Tabs)
		// Statements were sent, so the history has new entries.
		w.Header().Set("HX-Trigger", "mydba-history")
	} else {
		s.query.forget(conn.Profile, r.PostFormValue("prev"))
	}
	switch {
	case err == nil:
	case errors.Is(err, dba.ErrRefused):
		run.Error = err.Error()
		run.Gate = gateOffer(script)
	case len(run.Tabs) > 0 && run.Tabs[len(run.Tabs)-1].Error != "":
		// The failing statement's tab shows its error.
	case len(run.Tabs) == 0 && !errors.Is(err, dba.ErrInvalid):
		// Nothing ran: the connection failed, timed out, or was refused.
		s.fail(w, r, p, err)
		return
	default:
		run.Error = err.Error()
	}
	s.render(w, r, http.StatusOK, views.QueryResults(p, run))
}

// queryTabs turns statement results into tabs.
func queryTabs(p views.Page, run string, stmts []dba.StatementResult, dropped map[setKey]bool) []views.QueryTab {
	tabs := make([]views.QueryTab, 0, len(stmts))
	var session []string
	for _, st := range stmts {
		t := views.QueryTab{
			Index: st.Index, Line: st.Line, SQL: st.SQL, Class: st.Class, Kind: st.Kind,
			Duration: st.Duration, Rows: st.Rows(), RowsExamined: st.RowsExamined,
			Warnings: st.Warnings, WarningList: st.WarningList, Error: st.Error,
		}
		for i, rs := range st.ResultSets {
			base := []string{"c", p.Profile, "query"}
			ref := []string{run, strconv.Itoa(st.Index), strconv.Itoa(i)}
			t.Sets = append(t.Sets, views.QuerySet{
				Index: i, Columns: len(rs.Columns), Rows: rs.RowCount, Bytes: rs.Bytes,
				Truncated: rs.Truncated, Cap: rs.Cap, Dropped: dropped[setKey{st.Index, i}],
				RowsURL: pathJoin(append(append(base, "rows"), ref...)...),
				CellURL: pathJoin(append(append(base, "cell"), ref...)...),
			})
		}
		if st.Error == "" && len(st.ResultSets) == 1 && st.Class != string(sqltext.ClassSession) {
			t.ExportSQL = strings.Join(append(append([]string(nil), session...), st.SQL), ";\n")
		}
		if st.Error == "" && st.Class == string(sqltext.ClassSession) {
			// An export runs on a new session: it repeats the USE and
			// SET statements that ran before, so it reads the same way.
			session = append(session, st.SQL)
		}
		tabs = append(tabs, t)
	}
	return tabs
}

// activeTab is the tab shown first: the failing statement, else the last
// one that returned rows, else the last.
func activeTab(tabs []views.QueryTab) int {
	for i, t := range tabs {
		if t.Error != "" {
			return i
		}
	}
	for i := len(tabs) - 1; i >= 0; i-- {
		if len(tabs[i].Sets) > 0 {
			return i
		}
	}
	return len(tabs) - 1
}

// gateOffer finds the statement that made the runner refuse a script —
// the first that is neither a read nor an allowed session statement, as
// the runner checks — and offers it to the safety gate when the gate can
// plan it: a transaction statement or a session setting would act on the
// gate's own short-lived session and mean nothing.
func gateOffer(script string) *views.GateOffer {
	c := sqltext.NewClassifier()
	for i, st := range sqltext.Split(script) {
		cl := c.Classify(st.Text)
		switch {
		case cl.IsRead():
			continue
		case cl.Class == sqltext.ClassSession:
			if c.CheckSessionStatement(st.Text) == nil {
				continue
			}
			return nil
		case cl.Class == sqltext.ClassTransaction:
			return nil
		}
		kind := cl.Kind
		if kind == "" {
			kind = string(cl.Class)
		}
		return &views.GateOffer{Index: i + 1, Line: st.Line, Kind: kind, SQL: st.Text}
	}
	return nil
}

func pathJoin(parts ...string) string {
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = url.PathEscape(p)
	}
	return "/" + strings.Join(esc, "/")
}

// writeJSON answers a JSON endpoint.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"could not encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func jsonFail(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
}

// keptSetOf reads the run and result set a rows or cell URL names.
func (s *Server) keptSetOf(r *http.Request, profile string) (keptSet, error) {
	stmt, err1 := strconv.Atoi(r.PathValue("stmt"))
	set, err2 := strconv.Atoi(r.PathValue("set"))
	if err1 != nil || err2 != nil || stmt < 1 || set < 0 {
		return keptSet{}, dbaInvalid("bad result reference")
	}
	return s.query.get(profile, r.PathValue("run"), setKey{stmt, set})
}

// queryRows returns a chunk of a kept result set as JSON: its columns,
// its row count and rows [from, from+n).
func (s *Server) queryRows(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	ks, err := s.keptSetOf(r, conn.Profile)
	if err != nil {
		jsonFail(w, err)
		return
	}
	q := r.URL.Query()
	from, err1 := strconv.Atoi(q.Get("from"))
	n, err2 := strconv.Atoi(q.Get("n"))
	if err1 != nil || err2 != nil || from < 0 || n < 1 || n > queryChunkMax {
		jsonFail(w, dbaInvalid(fmt.Sprintf("from must be 0 or more and n from 1 to %d", queryChunkMax)))
		return
	}
	from = min(from, len(ks.rows))
	to := min(from+n, len(ks.rows))
	cols, err := json.Marshal(gridColumns(ks.cols))
	if err != nil {
		jsonFail(w, err)
		return
	}
	out := make([]byte, 0, 4096)
	out = append(out, `{"total":`...)
	out = strconv.AppendInt(out, int64(len(ks.rows)), 10)
	out = append(out, `,"from":`...)
	out = strconv.AppendInt(out, int64(from), 10)
	out = append(out, `,"columns":`...)
	out = append(out, cols...)
	out = append(out, `,"rows":`...)
	out = appendRowsJSON(out, ks.cols, ks.rows[from:to], queryCellMax)
	out = append(out, '}')
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// queryCell returns one whole value (up to queryCellFull bytes) of a kept
// result set, for a cell the grid showed cut.
func (s *Server) queryCell(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	ks, err := s.keptSetOf(r, conn.Profile)
	if err != nil {
		jsonFail(w, err)
		return
	}
	row, err1 := strconv.Atoi(r.PathValue("row"))
	col, err2 := strconv.Atoi(r.PathValue("col"))
	if err1 != nil || err2 != nil || row < 0 || row >= len(ks.rows) || col < 0 || col >= len(ks.cols) {
		jsonFail(w, dbaInvalid("no such cell"))
		return
	}
	v := ks.rows[row][col]
	if v == nil {
		writeJSON(w, http.StatusOK, map[string]any{"null": true})
		return
	}
	text := export.AppendText(nil, ks.cols[col].Kind(), v)
	cut := cutUTF8(text, queryCellFull)
	writeJSON(w, http.StatusOK, map[string]any{
		"column": ks.cols[col].Name, "text": string(cut), "bytes": len(text), "cut": len(cut) < len(text),
	})
}

// exportType is the download's media type.
func exportType(f export.Format) string {
	switch f {
	case export.CSV:
		return "text/csv; charset=utf-8"
	case export.JSON:
		return "application/json"
	case export.NDJSON:
		return "application/x-ndjson"
	}
	return "application/sql; charset=utf-8"
}

// download commits the response headers on the first byte, so an error
// found before any output can still be answered with an error status.
type download struct {
	w       http.ResponseWriter
	headers func()
	started bool
}

func (d *download) Write(b []byte) (int, error) {
	if !d.started {
		d.started = true
		d.headers()
	}
	return d.w.Write(b)
}

// queryExport streams a query's whole result as a file download, in
// constant memory, through the workbench's Export (no row cap: the
// request time limit bounds it). An error after the first byte aborts the
// connection so the browser marks the download failed rather than
// keeping a silently short file.
func (s *Server) queryExport(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	format, err := export.ParseFormat(r.PostFormValue("format"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	name := exportFileName(conn.Profile, format, s.opts.Now())
	d := &download{w: w, headers: func() {
		h := w.Header()
		h.Set("Content-Type", exportType(format))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		w.WriteHeader(http.StatusOK)
	}}
	_, err = s.wb.Export(r.Context(), workbench.ExportRequest{
		Query:  workbench.QueryRequest{Conn: conn, SQL: r.PostFormValue("sql"), Source: "web", NoHistory: true},
		Format: format, Out: d, Table: strings.TrimSpace(r.PostFormValue("table")),
	})
	switch {
	case err != nil && d.started:
		s.opts.Log.Warn("export failed after the download started", "profile", conn.Profile, "err", err)
		panic(http.ErrAbortHandler)
	case err != nil:
		http.Error(w, err.Error(), statusOf(err))
	case !d.started:
		d.headers()
	}
}

// exportFileName is the download's name: mydba-<profile>-<time>.<format>,
// with anything but letters, digits, dot, dash and underscore in the
// profile name replaced.
func exportFileName(profile string, f export.Format, now time.Time) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, profile)
	return "mydba-" + clean + "-" + now.Format("20060102-150405") + "." + string(f)
}

// querySchema lists the tables of the connection's database (or ?db=)
// for the editor's completion; columns come per table from queryColumns
// as the script names them, so a database of 10,000 tables costs one page
// of names up front.
func (s *Server) querySchema(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	db := r.URL.Query().Get("db")
	if db == "" {
		prof, err := s.wb.Profile(r.Context(), conn.Profile)
		if err != nil {
			jsonFail(w, err)
			return
		}
		db = prof.Target.Database
	}
	out := struct {
		Database string   `json:"database"`
		Tables   []string `json:"tables"`
		More     bool     `json:"more"`
	}{Database: db, Tables: []string{}}
	if db != "" {
		page, err := s.wb.Tables(r.Context(), conn, dba.TableQuery{Schema: db, Limit: dba.MaxPageSize})
		if err != nil {
			jsonFail(w, err)
			return
		}
		for _, t := range page.Tables {
			out.Tables = append(out.Tables, t.Name)
		}
		out.More = page.Next != ""
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	writeJSON(w, http.StatusOK, out)
}

// queryColumns lists one table's columns for completion.
func (s *Server) queryColumns(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	db := r.URL.Query().Get("db")
	if db == "" {
		prof, err := s.wb.Profile(r.Context(), conn.Profile)
		if err != nil {
			jsonFail(w, err)
			return
		}
		db = prof.Target.Database
	}
	d, err := s.wb.Describe(r.Context(), conn, dba.QualifiedName{Schema: db, Name: r.PathValue("table")})
	if err != nil {
		jsonFail(w, err)
		return
	}
	cols := make([]string, len(d.Columns))
	for i, c := range d.Columns {
		cols[i] = c.Name
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	writeJSON(w, http.StatusOK, map[string]any{"table": d.Table.Name, "columns": cols})
}

// queryHistoryLimit is how many entries the panel lists.
const queryHistoryLimit = 50

func (s *Server) queryHistory(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "History", "query", conn.Profile)
	q := r.URL.Query()
	all := q.Get("all") == "1"
	f := dba.HistoryFilter{Text: strings.TrimSpace(q.Get("q")), Favourites: q.Get("fav") == "1", Limit: queryHistoryLimit}
	if !all {
		f.Profile = conn.Profile
	}
	entries, err := s.wb.History(r.Context(), f)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, views.HistoryList(p, entries, all))
}

func historyID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, dbaInvalid("history id must be a positive number")
	}
	return id, nil
}

// queryHistoryMark sets an entry's favourite flag and/or its tags (a
// field left out keeps its value) and answers with the entry.
func (s *Server) queryHistoryMark(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	p := s.page(r, "History", "query", conn.Profile)
	id, err := historyID(r)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	e, err := s.wb.HistoryEntry(r.Context(), id)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, p, dbaInvalid("unreadable form"))
		return
	}
	fav, tags := e.Favourite, e.Tags
	if r.PostForm.Has("fav") {
		fav = r.PostFormValue("fav") == "1"
	}
	if r.PostForm.Has("tags") {
		tags = strings.Split(r.PostFormValue("tags"), ",")
	}
	if err := s.wb.MarkHistory(r.Context(), id, fav, tags); err != nil {
		s.fail(w, r, p, err)
		return
	}
	if e, err = s.wb.HistoryEntry(r.Context(), id); err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, views.HistoryItem(p, e, r.PostFormValue("all") == "1"))
}

// queryHistoryDelete removes an entry; the empty answer replaces it.
func (s *Server) queryHistoryDelete(w http.ResponseWriter, r *http.Request, conn workbench.ConnRequest) {
	id, err := historyID(r)
	if err == nil {
		err = s.wb.DeleteHistory(r.Context(), []int64{id})
	}
	if err != nil {
		s.fail(w, r, s.page(r, "History", "query", conn.Profile), err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
