package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	sessionCookie = "mydba_session"
	csrfHeader    = "X-Mydba-Csrf"
	csrfField     = "_csrf"
)

type ctxKey int

const nonceKey ctxKey = 1

// nonce is the per-response CSP nonce for the editor's style element.
func nonce(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey).(string)
	return n
}

// secure wraps every request: Host allow-list, token → cookie exchange,
// cookie check, CSRF on state-changing methods, security headers and a
// request timeout.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nb := make([]byte, 18)
		_, _ = rand.Read(nb)
		n := base64.RawStdEncoding.EncodeToString(nb)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-"+n+"'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// same-origin, not no-referrer: under no-referrer browsers send
		// "Origin: null" with form posts, which sameOrigin must refuse.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")

		// DNS rebinding: a page on evil.example resolving to 127.0.0.1
		// would send Host: evil.example.
		if !s.hosts[r.Host] {
			http.Error(w, "unknown Host header", http.StatusMisdirectedRequest)
			return
		}

		if tok := r.URL.Query().Get("token"); tok != "" {
			if !equal(tok, s.opts.Token) {
				http.Error(w, "invalid token", http.StatusUnauthorized)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.opts.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			// Drop the token from the address bar and history.
			q := r.URL.Query()
			q.Del("token")
			u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
		c, err := r.Cookie(sessionCookie)
		if err != nil || !equal(c.Value, s.opts.Token) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte("mydba: open the URL printed by `mydba serve` (it carries the access token)\n"))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !s.sameOrigin(r) || !equal(csrfToken(r), s.csrf) {
				http.Error(w, "cross-site request refused", http.StatusForbidden)
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.requestTimeout(r))
		defer cancel()
		ctx = context.WithValue(ctx, nonceKey, n)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sameOrigin checks the browser's own statement of where a request comes
// from, when it sends one.
func (s *Server) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !s.hosts[u.Host] {
			return false
		}
	}
	return true
}

func csrfToken(r *http.Request) string {
	if t := r.Header.Get(csrfHeader); t != "" {
		return t
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.PostFormValue(csrfField)
	}
	return ""
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// requestTimeout is the time one request may take. A streamed AI answer
// may outlast the usual limit (a slow local model writes for minutes); it
// still ends, and the provider's own timeout applies inside it.
func (s *Server) requestTimeout(r *http.Request) time.Duration {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/send") {
		return max(s.opts.RequestTimeout, 10*time.Minute)
	}
	return s.opts.RequestTimeout
}
