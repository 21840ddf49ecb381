package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

func TestParseProcessForm(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		form    views.ProcessForm
		q       workbench.ProcessQuery
		wantErr string
	}{
		{
			name: "empty", query: "",
			form: views.ProcessForm{Sort: "time"},
			q:    workbench.ProcessQuery{Sort: dba.SortTime, Limit: processLimit},
		},
		{
			name:  "every filter",
			query: "user=+app+&db=shop&command=Query&min_time=1.5&text=+SELECT+&active=1&group=user&group2=db&sort=trx_age",
			form:  views.ProcessForm{User: "app", DB: "shop", Command: "Query", MinTime: "1.5", Text: " SELECT ", Active: true, Group: "user", Group2: "db", Sort: "trx_age"},
			q: workbench.ProcessQuery{
				Filter: dba.ProcessFilter{User: "app", DB: "shop", Command: "Query", MinTime: 1500 * time.Millisecond, Text: "SELECT", Active: true},
				Sort:   dba.SortTrxAge, GroupBy: []dba.GroupKey{dba.GroupUser, dba.GroupDB}, Limit: processLimit,
			},
		},
		{
			name: "second group alone", query: "group2=lock_role",
			form: views.ProcessForm{Group2: "lock_role", Sort: "time"},
			q:    workbench.ProcessQuery{Sort: dba.SortTime, GroupBy: []dba.GroupKey{dba.GroupLockRole}, Limit: processLimit},
		},
		{name: "negative min time", query: "min_time=-1", wantErr: "minimum time"},
		{name: "min time not a number", query: "min_time=5s", wantErr: "minimum time"},
		{name: "min time NaN", query: "min_time=NaN", wantErr: "minimum time"},
		{name: "unknown sort", query: "sort=tiem", wantErr: `did you mean "time"`},
		{name: "unknown group", query: "group=usr", wantErr: "unknown group key"},
		{name: "same group twice", query: "group=user&group2=user", wantErr: "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			form, q, err := parseProcessForm(v)
			if tt.wantErr != "" {
				if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.form, form); diff != "" {
				t.Errorf("form (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.q, q); diff != "" {
				t.Errorf("query (-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseVariablesForm(t *testing.T) {
	tests := []struct {
		query   string
		form    views.VariablesForm
		q       workbench.VariablesRequest
		wantErr bool
	}{
		{"", views.VariablesForm{Scope: "global"}, workbench.VariablesRequest{Scope: dba.ScopeGlobal}, false},
		{"scope=SESSION&q=+sql_mode+&changed=1", views.VariablesForm{Scope: "session", Q: " sql_mode ", Changed: true}, workbench.VariablesRequest{Scope: dba.ScopeSession, Pattern: "sql_mode", Changed: true}, false},
		{"scope=global&q=innodb%25log", views.VariablesForm{Scope: "global", Q: "innodb%log"}, workbench.VariablesRequest{Scope: dba.ScopeGlobal, Pattern: "innodb%log"}, false},
		{"scope=both", views.VariablesForm{}, workbench.VariablesRequest{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			form, q, err := parseVariablesForm(v)
			if tt.wantErr {
				if !errors.Is(err, dba.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.form, form); diff != "" {
				t.Errorf("form (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.q, q); diff != "" {
				t.Errorf("request (-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseSince(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, true},
		{"1h", time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"7d", 7 * 24 * time.Hour, true},
		{" 30d ", 30 * 24 * time.Hour, true},
		{"0d", 0, false},
		{"-1h", 0, false},
		{"0s", 0, false},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"99999999d", 0, false},
		{"yesterday", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSince(tt.in)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, dba.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"", "1h", "7d", "-3d", "1e9d", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseSince(s)
		if err != nil {
			if !errors.Is(err, dba.ErrInvalid) {
				t.Fatalf("%q: error %v is not ErrInvalid", s, err)
			}
			return
		}
		if d < 0 || (d == 0 && strings.TrimSpace(s) != "") {
			t.Fatalf("%q: accepted as %s", s, d)
		}
	})
}

func FuzzParseProcessForm(f *testing.F) {
	for _, s := range []string{"", "min_time=1.5&group=user&group2=db&sort=wait", "min_time=1e400", "group=,&sort=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		_, q, err := parseProcessForm(v)
		if err != nil {
			if !errors.Is(err, dba.ErrInvalid) {
				t.Fatalf("%q: error %v is not ErrInvalid", raw, err)
			}
			return
		}
		// Whatever is accepted, the use case accepts too.
		if err := workbench.ValidateProcessQuery(q); err != nil {
			t.Fatalf("%q: accepted, but the use case refuses it: %v", raw, err)
		}
		if q.Filter.MinTime < 0 || q.Limit != processLimit {
			t.Fatalf("%q: %+v", raw, q)
		}
	})
}

func TestParseAuditForm(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, query, def string
		form             views.AuditForm
		filter           dba.AuditFilter
		wantErr          string
	}{
		{name: "all", form: views.AuditForm{Limit: auditPageSize}},
		{name: "connection page defaults to it", def: "prod", form: views.AuditForm{Profile: "prod", Limit: auditPageSize}, filter: dba.AuditFilter{Profile: "prod"}},
		{name: "explicit all on a connection page", def: "prod", query: "profile=", form: views.AuditForm{Limit: auditPageSize}},
		{
			name: "every filter", query: "q=+DROP+&profile=dev&status=rolled+back&since=24h&limit=50",
			form:   views.AuditForm{Q: " DROP ", Profile: "dev", Status: "rolled back", Since: "24h", Limit: 50},
			filter: dba.AuditFilter{Text: "DROP", Profile: "dev", Status: "rolled back", Since: now.Add(-24 * time.Hour)},
		},
		{name: "limit capped", query: "limit=99999999", form: views.AuditForm{Limit: auditMaxPage}},
		{name: "bad status", query: "status=done", wantErr: "outcome"},
		{name: "bad since", query: "since=soon", wantErr: "time window"},
		{name: "bad limit", query: "limit=-5", wantErr: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.query)
			form, filter, err := parseAuditForm(v, tt.def, now)
			if tt.wantErr != "" {
				if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.form, form); diff != "" {
				t.Errorf("form (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.filter, filter); diff != "" {
				t.Errorf("filter (-want +got)\n%s", diff)
			}
		})
	}
}

func TestWriteAuditCSV(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 5000, time.UTC)
	es := []dba.AuditEntry{{
		ID: 7, Time: at, Actor: "ann", Source: "web", Profile: "prod", Env: dba.EnvProd,
		Statement: "UPDATE t SET note = 'a,\"b\"'\nWHERE id = 1", Class: "dml", Risk: "medium", Plan: "1 row", Verdict: "confirm",
		Confirmed: true, TypedName: true, Reason: "ticket 12", Status: "executed", Rows: 1, Duration: 1500 * time.Microsecond,
	}}
	var b strings.Builder
	if err := writeAuditCSV(&b, es); err != nil {
		t.Fatal(err)
	}
	want := "id,time,actor,source,profile,env,statement,class,risk,plan,verdict,confirmed,typed_name,reason,status,rows,duration_ms,error\n" +
		"7,2025-06-01T12:00:00.000005Z,ann,web,prod,prod,\"UPDATE t SET note = 'a,\"\"b\"\"'\nWHERE id = 1\",dml,medium,1 row,confirm,true,true,ticket 12,executed,1,1.500,\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestOpsBadInput checks bad input is refused with a clear message before
// any server is contacted (the profile points nowhere).
func TestOpsBadInput(t *testing.T) {
	s := newTestServer(t)
	if _, err := s.wb.AddProfile(context.Background(), workbench.ProfileInput{Profile: dba.Profile{Name: "nowhere", Env: dba.EnvDev, Target: dba.Target{Host: "127.0.0.1", Port: 1, User: "x"}}}); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	host := s.ln.Addr().String()
	tests := []struct {
		path     string
		fragment string
		status   int
		want     string
	}{
		{"/c/nowhere/processes?min_time=-3", "", http.StatusBadRequest, "minimum time"},
		{"/c/nowhere/processes?sort=bogus", "ps-body", http.StatusBadRequest, "unknown sort key"},
		{"/c/nowhere/variables?scope=both", "", http.StatusBadRequest, "want global or session"},
		{"/c/nowhere/variables?scope=x", "vars-body", http.StatusBadRequest, "want global or session"},
		{"/audit?status=maybe", "", http.StatusBadRequest, "outcome"},
		{"/audit?since=later", "audit-body", http.StatusBadRequest, "time window"},
		{"/audit/export?format=xml", "", http.StatusBadRequest, "export format"},
		{"/audit/export?format=csv&since=-1h", "", http.StatusBadRequest, "time window"},
		{"/c/missing/processes", "", http.StatusNotFound, "missing"},
		{"/c/missing/audit", "", http.StatusNotFound, "missing"},
		// The status page frame needs no server; its body loads after.
		{"/c/nowhere/status", "", http.StatusOK, `id="status-body"`},
		// The audit log is local state: it works with no server at all.
		{"/audit", "", http.StatusOK, "No audit record matches"},
		{"/c/nowhere/audit", "audit-body", http.StatusOK, "No audit record matches"},
		{"/audit/export?format=json", "", http.StatusOK, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://"+host+tt.path, nil)
			req.Host = host
			req.Header.Set("Cookie", sessionCookie+"=tok-123")
			if tt.fragment != "" {
				req.Header.Set("HX-Request", "true")
				req.Header.Set("HX-Target", tt.fragment)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("%d %q, want %d with %q", w.Code, w.Body.String(), tt.status, tt.want)
			}
			if tt.fragment != "" && strings.Contains(w.Body.String(), "<html") {
				t.Errorf("a fragment request got a whole page")
			}
		})
	}
}
