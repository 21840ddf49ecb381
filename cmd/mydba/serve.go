package main

import (
	"fmt"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/web"
)

func (a *app) serveCommand() *cobra.Command {
	var addr, assets string
	var open, allowRemote bool
	var allowHosts []string
	var metricsToken string
	var mf serveMCPFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the web workbench on 127.0.0.1 (the URL printed carries the access token)",
		Long: `Run the web workbench. It listens on loopback only unless --allow-remote is
given, and prints a URL with a random access token: opening it sets a
cookie, and every request without that cookie is refused. Stop it with
Ctrl-C; in-flight requests get 10 seconds to finish.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			mo, err := mf.options(a)
			if err != nil {
				return err
			}
			a.keepConnections = true
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			mon, err := a.serveMonitor(cmd.Context(), wb, nil)
			if err != nil {
				return err
			}
			defer mon.Close()
			if metricsToken == "" {
				metricsToken = a.getenv("MYDBA_METRICS_TOKEN")
			}
			srv, err := web.New(wb, web.Options{Addr: addr, AllowRemote: allowRemote, AllowHosts: allowHosts, AssetsDir: assets, MCP: mo,
				Monitor: mon, MetricsToken: metricsToken})
			if err != nil {
				return err
			}
			if allowRemote {
				fmt.Fprintln(a.stderr, "mydba: warning: the workbench accepts connections from other machines; anyone with the URL controls your database connections")
			}
			fmt.Fprintf(a.stdout, "mydba workbench: %s\n", srv.URL())
			a.announceMCP(srv)
			if open {
				openBrowser(srv.URL())
			}
			return srv.Serve(cmd.Context())
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8484", "listen `ADDRESS` (host:port; port 0 picks a free one)")
	c.Flags().BoolVar(&open, "open", false, "open the workbench in the default browser")
	c.Flags().BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --addr (everyone who can reach it and has the URL gets in)")
	c.Flags().StringArrayVar(&allowHosts, "allow-host", nil, "extra Host header `NAME` to accept (behind a reverse proxy)")
	c.Flags().StringVar(&assets, "dev-assets", "", "serve static assets from this `DIR` instead of the embedded copy (development)")
	c.Flags().StringVar(&metricsToken, "metrics-token", "", "read-only bearer `TOKEN` for Prometheus scrapers of /metrics (default $MYDBA_METRICS_TOKEN; without it /metrics needs the session cookie)")
	mf.register(c)
	return c
}

func openBrowser(url string) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	_ = cmd.Start()
}
