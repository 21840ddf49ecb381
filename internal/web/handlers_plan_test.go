package web

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mydba/mydba/internal/workbench"
)

// upload posts files (field → name, content) and fields as a multipart
// form, the way htmx does (CSRF header).
func (c *queryClient) upload(path string, files map[string][2]string, fields url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for field, f := range files {
		w, err := mw.CreateFormFile(field, f[0])
		if err != nil {
			c.t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			c.t.Fatal(err)
		}
	}
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	host := c.s.ln.Addr().String()
	req := httptest.NewRequest(http.MethodPost, "http://"+host+path, &body)
	req.Host = host
	req.Header.Set("Cookie", sessionCookie+"=tok-123")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(csrfHeader, c.s.csrf)
	w := httptest.NewRecorder()
	c.s.Handler().ServeHTTP(w, req)
	return w
}

// tabularPlan is a classic EXPLAIN result as `mariadb -B` prints it.
const tabularPlan = "id\tselect_type\ttable\ttype\tpossible_keys\tkey\tkey_len\tref\trows\tExtra\n" +
	"1\tSIMPLE\torders\tALL\tNULL\tNULL\tNULL\tNULL\t200000\tUsing where\n"

const tabularPlanIndexed = "id\tselect_type\ttable\ttype\tpossible_keys\tkey\tkey_len\tref\trows\tExtra\n" +
	"1\tSIMPLE\torders\tref\tidx_status\tidx_status\t22\tconst\t4000\tUsing index condition\n"

func TestPlanUploads(t *testing.T) {
	c := newQueryClient(t)
	big := strings.Repeat("x", planUploadMax+1)
	tests := []struct {
		name   string
		path   string
		files  map[string][2]string
		fields url.Values
		status int
		want   []string
	}{
		{"saved plan with advice", "/c/lp/explain/saved", map[string][2]string{"plan": {"plan.txt", tabularPlan}}, url.Values{"sql": {"SELECT * FROM orders WHERE status = 'x'"}},
			http.StatusOK, []string{"tabular", "from plan.txt", "FullTableScan", `data-plan="{`}},
		{"diff of two files", "/c/lp/plan-diff/files", map[string][2]string{"before": {"a.txt", tabularPlan}, "after": {"b.txt", tabularPlanIndexed}}, nil,
			http.StatusOK, []string{"a.txt", "b.txt", "verdict-better", "mark-better", `data-json="{`}},
		{"not a plan", "/c/lp/plan-diff/files", map[string][2]string{"before": {"notes.txt", "hello world"}, "after": {"b.txt", tabularPlan}}, nil,
			http.StatusBadRequest, []string{"notes.txt: "}},
		{"a file missing", "/c/lp/plan-diff/files", map[string][2]string{"before": {"a.txt", tabularPlan}}, nil,
			http.StatusBadRequest, []string{"choose a plan file for after"}},
		{"over the cap", "/c/lp/explain/saved", map[string][2]string{"plan": {"huge.json", big}}, nil,
			http.StatusBadRequest, []string{"huge.json", "4 MiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			w := c.upload(tt.path, tt.files, tt.fields)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			for _, s := range tt.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("answer lacks %q:\n%.2000s", s, w.Body)
				}
			}
		})
	}
	// A request body over the whole cap is cut off, not read.
	c.t = t
	w := c.upload("/c/lp/plan-diff/files", map[string][2]string{"before": {"a", strings.Repeat("y", planUploadBody)}, "after": {"b", "z"}}, nil)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "larger than") {
		t.Errorf("oversized request: %d %s", w.Code, w.Body)
	}
}

// Bad input is refused with a clear message before anything reaches the
// server.
func TestPlanPagesBadInput(t *testing.T) {
	c := newQueryClient(t)
	tests := []struct {
		name, method, path string
		form               url.Values
		status             int
		want               string
	}{
		{"explain without a statement", "POST", "/c/lp/explain", url.Values{"sql": {" "}}, http.StatusBadRequest, "no statement to explain"},
		{"explain of DDL", "POST", "/c/lp/explain", url.Values{"sql": {"DROP TABLE shop.orders"}}, http.StatusBadRequest, "EXPLAIN takes SELECT"},
		{"explain of two statements", "POST", "/c/lp/explain", url.Values{"sql": {"SELECT 1; SELECT 2"}}, http.StatusBadRequest, "2 statements given"},
		{"max time out of range", "POST", "/c/lp/explain", url.Values{"sql": {"SELECT 1"}, "max_time": {"100000"}}, http.StatusBadRequest, "max time must be"},
		{"max time not a number", "POST", "/c/lp/profile", url.Values{"sql": {"SELECT 1"}, "max_time": {"soon"}}, http.StatusBadRequest, "max time must be"},
		{"profile of a write", "POST", "/c/lp/profile", url.Values{"sql": {"DELETE FROM shop.orders"}}, http.StatusBadRequest, "profiles reads only; change data with mydba exec. Nothing was sent to the server"},
		{"plan diff without the other connection", "POST", "/c/lp/plan-diff", url.Values{"sql": {"SELECT 1"}}, http.StatusBadRequest, "choose the connection"},
		{"plan diff with an unknown connection", "POST", "/c/lp/plan-diff", url.Values{"sql": {"SELECT 1"}, "against": {"nope"}}, http.StatusNotFound, "nope"},
		{"top by an unknown order", "GET", "/c/lp/top?by=latency", nil, http.StatusBadRequest, "order &#34;latency&#34;: want one of total"},
		{"top limit out of range", "GET", "/c/lp/top?limit=0", nil, http.StatusBadRequest, "limit must be"},
		{"unknown profile", "GET", "/c/nope/explain", nil, http.StatusNotFound, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			w := c.do(tt.method, tt.path, tt.form)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("%d %q, want %d with %q", w.Code, w.Body, tt.status, tt.want)
			}
		})
	}
}

func TestTopSeriesEndpoint(t *testing.T) {
	c := newQueryClient(t)
	post := func(body string, query string) *httptest.ResponseRecorder {
		host := c.s.ln.Addr().String()
		req := httptest.NewRequest(http.MethodPost, "http://"+host+"/c/lp/top/series"+query, strings.NewReader(body))
		req.Host = host
		req.Header.Set("Cookie", sessionCookie+"=tok-123")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(csrfHeader, c.s.csrf)
		w := httptest.NewRecorder()
		c.s.Handler().ServeHTTP(w, req)
		return w
	}
	w := post(`[{"schema":"shop","digest":"abc"}]`, "")
	var got workbench.DigestSeries
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK || got.Snapshots != 0 || len(got.Series) != 1 || got.Series[0].Digest != "abc" {
		t.Errorf("no snapshots: %d %s (%v)", w.Code, w.Body, err)
	}
	for _, tt := range []struct{ body, query, want string }{
		{"not json", "", "JSON list"},
		{`[]`, "?points=1000", "points 1000"},
		{`[]`, "?points=x", "points must be a number"},
	} {
		if w := post(tt.body, tt.query); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("%s%s: %d %s", tt.body, tt.query, w.Code, w.Body)
		}
	}
}

// BenchmarkExplainPage200 explains a 202-step plan (a UNION of 50 joins)
// through the page's endpoint on the sandbox: EXPLAIN, parse, advice,
// and the result fragment with the plan's JSON and table view.
func BenchmarkExplainPage200(b *testing.B) {
	c := newQueryClient(b)
	form := url.Values{"sql": {unionQuery(50)}, "analyze": {"0"}, "no_schema": {"1"}}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		w := c.do("POST", "/c/lp/explain", form)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "data-plan") {
			b.Fatalf("explain: %d %.500s", w.Code, w.Body)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}
