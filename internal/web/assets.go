package web

import (
	"embed"
	"net/http"
	"strings"
)

// embedded holds the UI's static files: our CSS and JS, and the vendored
// libraries built by ui/vendor.sh.
//
//go:embed static
var embedded embed.FS

func (s *Server) static() http.Handler {
	fsrv := http.FileServerFS(s.assets)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		// Assets are versioned by the binary; let the browser keep them.
		w.Header().Set("Cache-Control", "private, max-age=3600")
		fsrv.ServeHTTP(w, r)
	}))
}
