// Package web is the local workbench UI: an HTTP server on loopback that
// renders pages (templ components with htmx) over the workbench use cases,
// plus a small JSON API. It owns security at the edge — a random token that
// becomes an HttpOnly SameSite=Strict cookie, a Host allow-list against DNS
// rebinding, CSRF checks on every state-changing request and a strict
// Content-Security-Policy — and serves only embedded assets. It never
// touches adapters, the store or the safety gate directly.
package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mydba/mydba/internal/workbench"
)

// Options configure a Server.
type Options struct {
	// Addr to listen on; default 127.0.0.1:0 (a free port).
	Addr string
	// AllowRemote permits a non-loopback Addr (warned about by the CLI).
	AllowRemote bool
	// AllowHosts are extra Host header values accepted (for a reverse
	// proxy or a DNS name), on top of the listening address and localhost.
	AllowHosts []string
	// Token is the secret in the first URL; random when empty.
	Token string
	// AssetsDir serves static assets from disk instead of the embedded
	// copy (development mode).
	AssetsDir string
	// RequestTimeout bounds each request; default 60s.
	RequestTimeout time.Duration
	// PerProfile caps concurrent requests per connection profile, so many
	// tabs never open more sessions than the pool holds. Default 4.
	PerProfile int
	Log        *slog.Logger
	Now        func() time.Time
	// MCP configures the MCP endpoint at /mcp (see mcp.go).
	MCP MCPOptions
	// Monitor samples the connections for the dashboard and /metrics;
	// nil: the server makes one with the defaults and closes it on exit.
	Monitor *workbench.Monitor
	// MetricsToken, when set, lets scrapers read /metrics (only) with
	// `Authorization: Bearer <MetricsToken>` and no session cookie.
	MetricsToken string
}

// Server is the workbench web UI.
type Server struct {
	wb     *workbench.Workbench
	opts   Options
	csrf   string
	assets fs.FS
	ln     net.Listener
	hosts  map[string]bool
	mux    *http.ServeMux

	mu    sync.Mutex
	slots map[string]chan struct{}

	// query keeps recent query runs' rows for the result grid.
	query *queryResults
	// mcp is the MCP endpoint, nil when it is off.
	mcp *mcpEndpoint
	// monitor feeds the dashboard and /metrics; ownMonitor: made by New,
	// closed by Serve.
	monitor    *workbench.Monitor
	ownMonitor bool
}

// New prepares a server and binds its listener (so the URL, with its
// port, is known before Serve).
func New(wb *workbench.Workbench, o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 60 * time.Second
	}
	if o.PerProfile <= 0 {
		o.PerProfile = 4
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", o.Addr, err)
	}
	if !isLoopback(host) && !o.AllowRemote {
		return nil, fmt.Errorf("refusing to listen on %s: it is not a loopback address; pass --allow-remote if you really mean to expose the workbench", o.Addr)
	}
	if o.Token == "" {
		o.Token = randomToken()
	}
	s := &Server{wb: wb, opts: o, csrf: randomToken(), slots: map[string]chan struct{}{}}
	if o.AssetsDir != "" {
		s.assets = os.DirFS(o.AssetsDir)
	} else {
		sub, err := fs.Sub(embedded, "static")
		if err != nil {
			return nil, err
		}
		s.assets = sub
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", o.Addr, err)
	}
	s.ln = ln
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s.hosts = map[string]bool{
		net.JoinHostPort("127.0.0.1", port): true,
		net.JoinHostPort("localhost", port): true,
		net.JoinHostPort("::1", port):       true,
		ln.Addr().String():                  true,
	}
	for _, h := range o.AllowHosts {
		s.hosts[h] = true
		s.hosts[net.JoinHostPort(h, port)] = true
	}
	if err := s.newMCP(o.MCP); err != nil {
		ln.Close()
		return nil, err
	}
	if err := s.newMonitor(); err != nil {
		ln.Close()
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// URL is the address to open, token included. Printing it is the only way
// the token leaves the process.
func (s *Server) URL() string {
	a := s.ln.Addr().(*net.TCPAddr)
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port)) + "/?token=" + s.opts.Token
}

// Handler is the whole application with its security wrapping, for tests.
func (s *Server) Handler() http.Handler {
	return s.mcpFront(s.metricsFront(s.secure(s.mux)))
}

// Serve runs until ctx ends, then shuts down gracefully (in-flight
// requests get 10 seconds).
func (s *Server) Serve(ctx context.Context) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(s.opts.Log.Handler(), slog.LevelWarn),
	}
	defer s.closeMonitor()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// slot bounds concurrent requests per connection profile.
func (s *Server) slot(ctx context.Context, profile string) (release func(), err error) {
	s.mu.Lock()
	ch, ok := s.slots[profile]
	if !ok {
		ch = make(chan struct{}, s.opts.PerProfile)
		s.slots[profile] = ch
	}
	s.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
