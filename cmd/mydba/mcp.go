package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/mcp"
	"github.com/mydba/mydba/internal/web"
)

// mcpFlags are `mydba mcp`'s options.
type mcpFlags struct {
	toolsets       []string
	allowProposals bool
	conns          []string
	maxRows        int
	maxBytes       int
	callTimeout    time.Duration
}

func (f *mcpFlags) register(c *cobra.Command) {
	fs := c.PersistentFlags()
	fs.StringSliceVar(&f.toolsets, "toolsets", nil, "opt-in toolsets on top of the default tools: "+strings.Join(mcp.OptInToolsets(), ", ")+" or all (comma-separated)")
	fs.BoolVar(&f.allowProposals, "allow-proposals", false, "add propose_change: the agent may propose a change, planned by the safety gate; over stdio it is returned as a plan, never run")
	fs.StringArrayVar(&f.conns, "allow-conn", nil, "only this connection profile `NAME` may be used (repeat for several; default: all)")
	fs.IntVar(&f.maxRows, "max-rows", mcp.DefaultMaxRows, "most rows any tool returns (1 to "+strconv.Itoa(mcp.HardMaxRows)+")")
	fs.IntVar(&f.maxBytes, "max-bytes", mcp.DefaultMaxBytes, "most bytes of JSON any tool returns (1024 to "+strconv.Itoa(mcp.HardMaxBytes)+")")
	fs.DurationVar(&f.callTimeout, "call-timeout", mcp.DefaultCallTimeout, "time limit of every tool call; the server's statement is killed past it")
	_ = c.RegisterFlagCompletionFunc("toolsets", cobra.FixedCompletions(append(mcp.OptInToolsets(), "all"), cobra.ShellCompDirectiveNoFileComp))
}

func (a *app) mcpOptions(f *mcpFlags) (mcp.Options, error) {
	sets, err := mcp.ParseToolsets(f.toolsets)
	if err != nil {
		return mcp.Options{}, err
	}
	if f.callTimeout <= 0 {
		return mcp.Options{}, fmt.Errorf("%w: --call-timeout must be positive", dba.ErrInvalid)
	}
	o := mcp.Options{
		Version: buildVersion().Version, Toolsets: sets, AllowProposals: f.allowProposals, Connections: f.conns,
		MaxRows: f.maxRows, MaxBytes: f.maxBytes, CallTimeout: f.callTimeout, ConnectTimeout: a.timeout,
	}
	if a.conn != "" || a.dsn != "" {
		o.Default = a.connRequest()
	}
	return o, nil
}

func (a *app) mcpCommand() *cobra.Command {
	var f mcpFlags
	c := &cobra.Command{
		Use:   "mcp",
		Short: "Serve mydba's read-only tools to editor assistants over MCP (stdio)",
		Long: `Serve mydba's tools to an editor assistant (VS Code, Cursor, Windsurf,
Claude Desktop, ...) over the Model Context Protocol on stdin/stdout. The
editor starts this command; see docs/mcp.md for configuration snippets.

Every tool reads, through read-only sessions with row, byte and time caps;
a statement past its time is killed on the server. --conn or --dsn names
the connection tools use when a call names none. --toolsets adds the
monitor, performance and admin tools (still read-only). With
--allow-proposals the agent may propose a change: over stdio the safety
gate's plan is returned and nothing is queued or run (under mydba serve,
proposals wait for a human in the web UI).

The same tools are served over streamable HTTP at /mcp by mydba serve.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := a.mcpOptions(&f)
			if err != nil {
				return err
			}
			// A long-running process: keep one pool per profile.
			a.keepConnections = true
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			srv, err := mcp.New(wb, o)
			if err != nil {
				return err
			}
			// stdout carries the protocol only; notes go to stderr.
			return srv.ServeIO(cmd.Context(), a.stdin, a.stdout)
		},
	}
	f.register(c)
	c.AddCommand(a.mcpToolsCommand(&f))
	return c
}

func (a *app) mcpToolsCommand(f *mcpFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "tools",
		Short: "List the MCP tools the flags enable, with their toolset and annotations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := a.mcpOptions(f)
			if err != nil {
				return err
			}
			tools, err := mcp.Catalog(o)
			if err != nil {
				return err
			}
			t := table{headers: []string{"name", "toolset", "read_only", "title"}}
			if a.output == "csv" {
				t.headers = append(t.headers, "description")
			}
			for _, ti := range tools {
				row := []string{ti.Name, ti.Toolset, strconv.FormatBool(ti.ReadOnly), ti.Title}
				if a.output == "csv" {
					row = append(row, ti.Description)
				}
				t.rows = append(t.rows, row)
			}
			return a.render(view{data: tools, tables: []table{t}})
		},
	}
}

// serveMCPFlags are serve's options for its /mcp endpoint.
type serveMCPFlags struct {
	off            bool
	token          string
	toolsets       []string
	allowProposals bool
	conns          []string
}

func (f *serveMCPFlags) register(c *cobra.Command) {
	fs := c.Flags()
	fs.BoolVar(&f.off, "no-mcp", false, "do not serve the MCP endpoint at /mcp")
	fs.StringVar(&f.token, "mcp-token", "", "bearer `TOKEN` MCP clients send to /mcp (better: MYDBA_MCP_TOKEN); default: the access token in the printed URL")
	fs.StringSliceVar(&f.toolsets, "mcp-toolsets", nil, "opt-in MCP toolsets: "+strings.Join(mcp.OptInToolsets(), ", ")+" or all")
	fs.BoolVar(&f.allowProposals, "mcp-allow-proposals", false, "let MCP clients propose changes, queued at /proposals for you to approve (needs --mcp-token)")
	fs.StringArrayVar(&f.conns, "mcp-allow-conn", nil, "only this profile `NAME` may be used over MCP (repeat for several)")
}

// options reads the flags and the environment into the web server's MCP
// options.
func (f *serveMCPFlags) options(a *app) (web.MCPOptions, error) {
	token := f.token
	if token == "" {
		token = a.getenv("MYDBA_MCP_TOKEN")
	}
	sets, err := mcp.ParseToolsets(f.toolsets)
	if err != nil {
		return web.MCPOptions{}, err
	}
	if f.off && (f.token != "" || f.allowProposals || len(f.toolsets) > 0 || len(f.conns) > 0) {
		return web.MCPOptions{}, fmt.Errorf("%w: --no-mcp with MCP options", dba.ErrInvalid)
	}
	if f.off {
		return web.MCPOptions{Off: true}, nil
	}
	return web.MCPOptions{Token: token, Toolsets: sets, AllowProposals: f.allowProposals, Connections: f.conns, Default: a.conn, Version: buildVersion().Version}, nil
}

// announceMCP prints where MCP clients connect and with which token.
func (a *app) announceMCP(srv *web.Server) {
	u := srv.MCPURL()
	if u == "" {
		return
	}
	how := "Authorization: Bearer $MYDBA_MCP_TOKEN"
	if srv.MCPUsesServeToken() {
		how = "Authorization: Bearer <the token in the URL above>"
	}
	fmt.Fprintf(a.stdout, "mcp endpoint: %s (%s)\n", u, how)
}
