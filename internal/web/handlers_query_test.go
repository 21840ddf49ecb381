package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/workbench"
)

// queryClient drives the query endpoints of a server with a profile on
// the sandbox's least-privilege account, as a logged-in page would.
type queryClient struct {
	t testing.TB
	s *Server
}

func newQueryClient(t testing.TB) *queryClient {
	t.Helper()
	d := dbtest.LeastPriv(t)
	wb, err := workbench.Open(context.Background(), workbench.Options{StateDir: t.TempDir(), DisableKeyring: true, KeepConnections: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wb.Close() })
	s, err := New(wb, Options{Token: "tok-123"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.ln.Close() })
	pw := d.Password
	tgt := d.Target
	tgt.Database = "shop"
	if _, err := s.wb.AddProfile(context.Background(), workbench.ProfileInput{Profile: dba.Profile{Name: "lp", Env: dba.EnvDev, Target: tgt}, Password: &pw}); err != nil {
		t.Fatal(err)
	}
	return &queryClient{t: t, s: s}
}

func (c *queryClient) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	host := c.s.ln.Addr().String()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, "http://"+host+path, body)
	req.Host = host
	req.Header.Set("Cookie", sessionCookie+"=tok-123")
	req.Header.Set("HX-Request", "true")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(csrfHeader, c.s.csrf)
	}
	w := httptest.NewRecorder()
	c.s.Handler().ServeHTTP(w, req)
	return w
}

var rowsURL = regexp.MustCompile(`data-rows-url="([^"]+)"`)

type rowsChunk struct {
	Total   int          `json:"total"`
	From    int          `json:"from"`
	Columns []gridColumn `json:"columns"`
	Rows    [][]any      `json:"rows"`
	Error   string       `json:"error"`
}

func TestQueryRunAndRows(t *testing.T) {
	c := newQueryClient(t)
	w := c.do("POST", "/c/lp/query/run", url.Values{"sql": {"USE shop;\nSELECT id, coupon_code, total FROM orders ORDER BY id LIMIT 3"}, "max_rows": {"2"}})
	if w.Code != http.StatusOK {
		t.Fatalf("run: %d %s", w.Code, w.Body)
	}
	if w.Header().Get("HX-Trigger") != "mydba-history" {
		t.Errorf("HX-Trigger = %q", w.Header().Get("HX-Trigger"))
	}
	body := w.Body.String()
	for _, want := range []string{"1 · USE · ok", "2 · SELECT · 2 rows", "Only the first 2 rows are here", "Run again with a limit of 1,000",
		`name="sql" value="USE shop;` + "\n" + `SELECT id, coupon_code, total FROM orders ORDER BY id LIMIT 3"`} {
		if !strings.Contains(body, want) {
			t.Errorf("run answer lacks %q", want)
		}
	}
	m := rowsURL.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no grid in %s", body)
	}
	rows := html.UnescapeString(m[1])

	var chunk rowsChunk
	w = c.do("GET", rows+"?from=1&n=10", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &chunk); err != nil || w.Code != http.StatusOK {
		t.Fatalf("rows: %d %s %v", w.Code, w.Body, err)
	}
	want := rowsChunk{Total: 2, From: 1,
		Columns: []gridColumn{{Name: "id", Type: "UNSIGNED INT", Numeric: true}, {Name: "coupon_code", Type: "VARCHAR", Nullable: true}, {Name: "total", Type: "DECIMAL(12,2)", Numeric: true}},
		Rows:    [][]any{{"2", nil, chunk.Rows[0][2]}}}
	if diff := cmp.Diff(want, chunk); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	cell := strings.Replace(rows, "/rows/", "/cell/", 1)
	var v struct {
		Text  string `json:"text"`
		Bytes int    `json:"bytes"`
		Null  bool   `json:"null"`
	}
	w = c.do("GET", cell+"/0/0", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.Text != "1" || v.Bytes != 1 {
		t.Errorf("cell: %d %s", w.Code, w.Body)
	}
	w = c.do("GET", cell+"/0/1", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || !v.Null {
		t.Errorf("NULL cell: %d %s", w.Code, w.Body)
	}

	bad := []struct {
		path   string
		status int
	}{
		{rows + "?from=0&n=0", http.StatusBadRequest},
		{rows + "?from=-1&n=5", http.StatusBadRequest},
		{rows + "?from=0&n=100000", http.StatusBadRequest},
		{"/c/lp/query/rows/nope/2/0?from=0&n=5", http.StatusNotFound},
		{strings.Replace(rows, "/2/0", "/1/0", 1) + "?from=0&n=5", http.StatusNotFound},
		{cell + "/5/0", http.StatusBadRequest},
		{cell + "/0/9", http.StatusBadRequest},
		{"/c/nobody/query/rows/x/1/0?from=0&n=5", http.StatusNotFound},
	}
	for _, b := range bad {
		if w := c.do("GET", b.path, nil); w.Code != b.status {
			t.Errorf("GET %s: %d %s, want %d", b.path, w.Code, w.Body, b.status)
		}
	}

	// Running again from the same page drops the previous run.
	runID := strings.Split(rows, "/")[5]
	c.do("POST", "/c/lp/query/run", url.Values{"sql": {"SELECT 1"}, "prev": {runID}})
	if w := c.do("GET", rows+"?from=0&n=5", nil); w.Code != http.StatusNotFound {
		t.Errorf("the previous run is still kept: %d", w.Code)
	}
}

func TestQueryRunRefusalsAndErrors(t *testing.T) {
	c := newQueryClient(t)
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"a write is offered to the gate", url.Values{"sql": {"SELECT 1; DELETE FROM orders WHERE id = 0"}}, http.StatusOK,
			[]string{"refused", `class="gate-offer card"`, `name="sql" value="DELETE FROM orders WHERE id = 0"`, `hx-post="/c/lp/change/preview"`}},
		{"a failing statement shows in its tab", url.Values{"sql": {"SELECT 1;\nSELECT nope FROM orders"}}, http.StatusOK,
			[]string{"2 · SELECT · error", "nope", `aria-selected="true" tabindex="0" class="qtab qtab-error"`}},
		{"empty", url.Values{"sql": {"  "}}, http.StatusOK, []string{"no SQL statement given"}},
		{"bad row limit", url.Values{"sql": {"SELECT 1"}, "max_rows": {"5000000"}}, http.StatusBadRequest, []string{"row limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := c.do("POST", "/c/lp/query/run", tt.form)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			for _, s := range tt.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("answer lacks %q:\n%s", s, w.Body)
				}
			}
		})
	}
	// A connection that fails: the page and the run say so with an error
	// status, and nothing is kept.
	down := dba.Target{Host: "127.0.0.1", Port: 1, User: "u"}
	if _, err := c.s.wb.AddProfile(context.Background(), workbench.ProfileInput{Profile: dba.Profile{Name: "down", Env: dba.EnvDev, Target: down}}); err != nil {
		t.Fatal(err)
	}
	if w := c.do("GET", "/c/down/query", nil); w.Code != http.StatusGatewayTimeout || !strings.Contains(w.Body.String(), `role="alert"`) {
		t.Errorf("page on a down server: %d %s", w.Code, w.Body)
	}
	if w := c.do("POST", "/c/down/query/run", url.Values{"sql": {"SELECT 1"}}); w.Code != http.StatusGatewayTimeout || w.Header().Get("HX-Trigger") != "" {
		t.Errorf("run on a down server: %d %s", w.Code, w.Body)
	}
	if runs, _ := c.s.query.usage(); runs != 1 {
		t.Errorf("%d runs kept, want the one that ran", runs)
	}
	h, err := c.s.wb.History(context.Background(), dba.HistoryFilter{Text: "DELETE"})
	if err != nil || len(h) != 0 {
		t.Errorf("the refused script reached the history: %v %v", h, err)
	}
}

func TestQueryExportEndpoint(t *testing.T) {
	c := newQueryClient(t)
	w := c.do("POST", "/c/lp/query/export", url.Values{"sql": {"USE shop;\nSELECT id, status FROM orders ORDER BY id LIMIT 2"}, "format": {"csv"}})
	if w.Code != http.StatusOK {
		t.Fatalf("export: %d %s", w.Code, w.Body)
	}
	if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename=mydba-lp-`) || !strings.HasSuffix(cd, ".csv") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if got := strings.ReplaceAll(w.Body.String(), "\r\n", "\n"); !strings.HasPrefix(got, "id,status\n1,") || strings.Count(got, "\n") != 3 {
		t.Errorf("CSV = %q", got)
	}

	w = c.do("POST", "/c/lp/query/export", url.Values{"sql": {"SELECT id FROM orders ORDER BY id LIMIT 2"}, "format": {"sql"}, "table": {"shop.orders_copy"}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "INSERT INTO `shop`.`orders_copy`") {
		t.Errorf("SQL export: %d %.300s", w.Code, w.Body)
	}

	bad := []struct {
		name string
		form url.Values
		want string
	}{
		{"unknown format", url.Values{"sql": {"SELECT 1"}, "format": {"xlsx"}}, "export format"},
		{"a write", url.Values{"sql": {"DELETE FROM orders"}, "format": {"csv"}}, "refused"},
		{"SQL without a table to name", url.Values{"sql": {"SELECT 1 AS a"}, "format": {"sql"}}, "table"},
		{"two result sets", url.Values{"sql": {"SELECT 1; SELECT 2"}, "format": {"json"}}, "one result set"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			w := c.do("POST", "/c/lp/query/export", b.form)
			if w.Code != http.StatusBadRequest || w.Header().Get("Content-Disposition") != "" || !strings.Contains(w.Body.String(), b.want) {
				t.Errorf("%d %q %s", w.Code, w.Header().Get("Content-Disposition"), w.Body)
			}
		})
	}
}

func TestQuerySchemaEndpoints(t *testing.T) {
	c := newQueryClient(t)
	var s struct {
		Database string   `json:"database"`
		Tables   []string `json:"tables"`
		More     bool     `json:"more"`
	}
	w := c.do("GET", "/c/lp/query/schema", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil || s.Database != "shop" || s.More {
		t.Fatalf("schema: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(","+strings.Join(s.Tables, ",")+",", ",orders,") {
		t.Errorf("tables = %v", s.Tables)
	}
	var cols struct {
		Columns []string `json:"columns"`
	}
	w = c.do("GET", "/c/lp/query/schema/orders", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &cols); err != nil || len(cols.Columns) < 3 || cols.Columns[0] != "id" {
		t.Errorf("columns: %d %s", w.Code, w.Body)
	}
	if w := c.do("GET", "/c/lp/query/schema/no_such_table", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown table: %d %s", w.Code, w.Body)
	}
	if w := c.do("GET", "/c/lp/query/schema?db=no%60such", nil); w.Code != http.StatusNotFound && w.Code != http.StatusBadRequest {
		t.Errorf("unknown database: %d %s", w.Code, w.Body)
	}
}

func TestQueryHistoryEndpoints(t *testing.T) {
	c := newQueryClient(t)
	c.do("POST", "/c/lp/query/run", url.Values{"sql": {"SELECT 'h_one' AS a"}})
	c.do("POST", "/c/lp/query/run", url.Values{"sql": {"SELECT 'h_two' AS a"}})
	list := c.do("GET", "/c/lp/query/history?q=h_one", nil).Body.String()
	if !strings.Contains(list, "h_one") || strings.Contains(list, "h_two") {
		t.Errorf("search: %s", list)
	}
	es, err := c.s.wb.History(context.Background(), dba.HistoryFilter{Text: "h_one"})
	if err != nil || len(es) != 1 {
		t.Fatalf("history: %v %v", es, err)
	}
	id := es[0].ID
	path := "/c/lp/query/history/" + jsonNum(id)
	if w := c.do("POST", path+"/mark", url.Values{"fav": {"1"}}); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `class="hitem hfav"`) {
		t.Errorf("mark: %d %s", w.Code, w.Body)
	}
	if w := c.do("POST", path+"/mark", url.Values{"tags": {"a, B,,"}}); w.Code != http.StatusOK {
		t.Errorf("tags: %d %s", w.Code, w.Body)
	}
	e, _ := c.s.wb.HistoryEntry(context.Background(), id)
	if !e.Favourite || !cmp.Equal(e.Tags, []string{"a", "b"}) {
		t.Errorf("after mark: favourite %v, tags %q", e.Favourite, e.Tags)
	}
	if fav := c.do("GET", "/c/lp/query/history?fav=1", nil).Body.String(); !strings.Contains(fav, "h_one") || strings.Contains(fav, "h_two") {
		t.Errorf("favourites: %s", fav)
	}
	if w := c.do("POST", path+"/mark", url.Values{"tags": {"ba\nd"}}); w.Code != http.StatusBadRequest {
		t.Errorf("bad tag: %d", w.Code)
	}
	if w := c.do("POST", path+"/delete", nil); w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("delete: %d %s", w.Code, w.Body)
	}
	for _, p := range []string{path + "/delete", "/c/lp/query/history/0/mark", "/c/lp/query/history/x/delete"} {
		if w := c.do("POST", p, nil); w.Code != http.StatusNotFound && w.Code != http.StatusBadRequest {
			t.Errorf("POST %s: %d", p, w.Code)
		}
	}
}

func jsonNum(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
