package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mydba/mydba/internal/workbench"
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	wb, err := workbench.Open(context.Background(), workbench.Options{StateDir: t.TempDir(), DisableKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wb.Close() })
	s, err := New(wb, Options{Token: "tok-123"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.ln.Close() })
	return s
}

func TestSecurity(t *testing.T) {
	s := newTestServer(t)
	h := s.Handler()
	host := s.ln.Addr().String()
	do := func(method, target string, hdr map[string]string, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://"+host+target, strings.NewReader(body))
		req.Host = host
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	cookie := map[string]string{"Cookie": sessionCookie + "=tok-123"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range cookie {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		body   string
		status int
	}{
		{"no token, no cookie", "GET", "/connections", nil, "", http.StatusUnauthorized},
		{"wrong cookie", "GET", "/connections", map[string]string{"Cookie": sessionCookie + "=nope"}, "", http.StatusUnauthorized},
		{"wrong token", "GET", "/?token=nope", nil, "", http.StatusUnauthorized},
		{"right token redirects", "GET", "/?token=tok-123", nil, "", http.StatusSeeOther},
		{"cookie works", "GET", "/connections", cookie, "", http.StatusOK},
		{"forged Host (DNS rebinding)", "GET", "/connections", with(map[string]string{"Host": "evil.example:" + strings.Split(host, ":")[1]}), "", http.StatusMisdirectedRequest},
		{"static asset", "GET", "/static/js/app.js", cookie, "", http.StatusOK},
		{"POST without CSRF token", "POST", "/connections/x/delete", cookie, "", http.StatusForbidden},
		{"POST from another site", "POST", "/connections/x/delete", with(map[string]string{csrfHeader: s.csrf, "Sec-Fetch-Site": "cross-site"}), "", http.StatusForbidden},
		{"POST with a foreign Origin", "POST", "/connections/x/delete", with(map[string]string{csrfHeader: s.csrf, "Origin": "http://evil.example"}), "", http.StatusForbidden},
		{"form POST with the CSRF field", "POST", "/connections", with(map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}),
			url.Values{csrfField: {s.csrf}, "name": {"x"}, "dsn": {"mysql://u@h/db"}, "env": {"dev"}}.Encode(), http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(tt.method, tt.path, tt.hdr, tt.body)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d: %s", w.Code, tt.status, w.Body.String())
			}
			csp := w.Header().Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	w := do("GET", "/?token=tok-123", nil, "")
	c := w.Result().Cookies()
	if len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Value != "tok-123" {
		t.Errorf("session cookie %+v", c)
	}
	if loc := w.Header().Get("Location"); strings.Contains(loc, "token") {
		t.Errorf("redirect keeps the token in the URL: %s", loc)
	}
	// The form POST really saved the profile.
	if out := do("GET", "/connections", cookie, "").Body.String(); !strings.Contains(out, "conn-x") {
		t.Error("profile added by the form is not listed")
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	wb, err := workbench.Open(context.Background(), workbench.Options{StateDir: t.TempDir(), DisableKeyring: true})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if _, err := New(wb, Options{Addr: "0.0.0.0:0"}); err == nil || !strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("non-loopback without the flag: %v", err)
	}
	s, err := New(wb, Options{Addr: "0.0.0.0:0", AllowRemote: true})
	if err != nil {
		t.Fatal(err)
	}
	s.ln.Close()
}

func TestRequestTimeout(t *testing.T) {
	s := &Server{opts: Options{RequestTimeout: time.Minute}}
	for _, tc := range []struct {
		method, path string
		want         time.Duration
	}{
		{"POST", "/c/prod/chat/send", 10 * time.Minute},
		{"GET", "/c/prod/chat/send", time.Minute},
		{"POST", "/c/prod/query/run", time.Minute},
		{"GET", "/c/prod/chat", time.Minute},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		if got := s.requestTimeout(r); got != tc.want {
			t.Errorf("%s %s: %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
}
