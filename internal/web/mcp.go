package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/mcp"
	"github.com/mydba/mydba/internal/web/views"
	"github.com/mydba/mydba/internal/workbench"
)

// MCPOptions configure the MCP endpoint served at /mcp (streamable HTTP).
type MCPOptions struct {
	// Off turns the endpoint off.
	Off bool
	// Token is the bearer token MCP clients must send. Empty: the serve
	// token (the one in the printed URL) is accepted. A distinct token is
	// required with AllowProposals, so the credential an agent holds can
	// never open the UI where its proposals are approved.
	Token string
	// Toolsets, AllowProposals and Connections are mcp.Options'.
	Toolsets       []string
	AllowProposals bool
	Connections    []string
	// Default is the profile tools use when a call names none.
	Default string
	Version string
}

// mcpEndpoint is the MCP server mounted under serve.
type mcpEndpoint struct {
	handler   http.Handler
	token     string
	proposals *mcp.Proposals
}

// mcpPath is where the endpoint listens.
const mcpPath = "/mcp"

// newMCP builds the endpoint; s.hosts and the listener must be ready.
func (s *Server) newMCP(o MCPOptions) error {
	if o.Off {
		if o.AllowProposals || o.Token != "" {
			return fmt.Errorf("%w: MCP options given but the MCP endpoint is off", dba.ErrInvalid)
		}
		return nil
	}
	token := o.Token
	switch {
	case token != "" && len(token) < 16:
		return fmt.Errorf("%w: the MCP token must be at least 16 characters", dba.ErrInvalid)
	case token != "" && equal(token, s.opts.Token):
		return fmt.Errorf("%w: the MCP token must differ from the workbench's access token", dba.ErrInvalid)
	case token != "" && s.opts.MetricsToken != "" && equal(token, s.opts.MetricsToken):
		// A scraper's read-only credential must not become an agent's.
		return fmt.Errorf("%w: the MCP token must differ from the metrics token", dba.ErrInvalid)
	case token == "" && o.AllowProposals:
		return fmt.Errorf("%w: MCP proposals need their own token (--mcp-token or MYDBA_MCP_TOKEN), so the agent's credential cannot open the page where its proposals are approved", dba.ErrInvalid)
	case token == "":
		token = s.opts.Token
	}
	mo := mcp.Options{
		Version: o.Version, Toolsets: o.Toolsets, AllowProposals: o.AllowProposals, Connections: o.Connections,
		Default: workbench.ConnRequest{Profile: o.Default}, Log: s.opts.Log,
		// A call may not outlive the request it came in: the web
		// server's own per-request budget.
		CallTimeout: min(mcp.DefaultCallTimeout, s.opts.RequestTimeout),
	}
	e := &mcpEndpoint{token: token}
	if o.AllowProposals {
		e.proposals = mcp.NewProposals(mcp.ProposalOptions{Now: s.opts.Now})
		mo.Proposals = e.proposals
		mo.ReviewURL = s.baseURL() + "/proposals"
	}
	srv, err := mcp.New(s.wb, mo)
	if err != nil {
		return err
	}
	e.handler = srv.HTTPHandler()
	s.mcp = e
	return nil
}

// baseURL is the workbench's address without the token.
func (s *Server) baseURL() string {
	u, _ := url.Parse(s.URL())
	u.RawQuery, u.Path = "", ""
	return u.String()
}

// MCPURL is the endpoint MCP clients connect to; empty when it is off.
func (s *Server) MCPURL() string {
	if s.mcp == nil {
		return ""
	}
	return s.baseURL() + mcpPath
}

// MCPUsesServeToken says the endpoint accepts the serve token (no
// separate MCP token was given).
func (s *Server) MCPUsesServeToken() bool { return s.mcp != nil && s.mcp.token == s.opts.Token }

// mcpFront serves /mcp before the browser security layer: MCP clients
// (editors) carry `Authorization: Bearer <token>` and no cookie, so the
// cookie and CSRF-token checks do not apply to them. What does apply: the
// Host allow-list (DNS rebinding), a refusal of requests a browser marks
// as cross-site or from a foreign Origin, and the token itself. A browser
// page elsewhere cannot send the Authorization header without a CORS
// preflight, which this endpoint never grants.
func (s *Server) mcpFront(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mcpPath {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		switch {
		case !s.hosts[r.Host]:
			http.Error(w, "unknown Host header", http.StatusMisdirectedRequest)
			return
		case s.mcp == nil:
			http.Error(w, "the MCP endpoint is off", http.StatusNotFound)
			return
		case crossSite(r, s.hosts):
			http.Error(w, "cross-site request refused", http.StatusForbidden)
			return
		}
		tok, ok := bearer(r)
		if !ok || !equal(tok, s.mcp.token) {
			h.Set("WWW-Authenticate", `Bearer realm="mydba"`)
			http.Error(w, "mydba MCP: send Authorization: Bearer <token> (see docs/mcp.md)", http.StatusUnauthorized)
			return
		}
		s.mcp.handler.ServeHTTP(w, r)
	})
}

// crossSite reports a request a browser says comes from another site.
// Editors send neither header.
func crossSite(r *http.Request, hosts map[string]bool) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return true
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !hosts[u.Host] {
			return true
		}
	}
	return false
}

func bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// mcpRoutes are the human side of proposals: the list, and rejection.
// Approval goes through the safety dialog (kind "proposal" of the change
// routes), like every other change.
func (s *Server) mcpRoutes() {
	s.mux.HandleFunc("GET /proposals", s.proposalsPage)
	s.mux.HandleFunc("POST /proposals/{id}/reject", s.rejectProposal)
}

func (s *Server) proposalsData() views.ProposalsData {
	d := views.ProposalsData{Endpoint: s.MCPURL()}
	if s.mcp == nil || s.mcp.proposals == nil {
		return d
	}
	d.Enabled = true
	for _, p := range s.mcp.proposals.List() {
		it := views.ProposalItem{
			ID: p.ID, Created: p.Created.Local().Format(time.DateTime), Agent: p.Agent, Connection: p.Connection, Env: string(p.Env),
			Statement: p.Statement, Rationale: p.Rationale, Plan: p.Plan, Risk: p.Risk, Verdict: p.Verdict, Why: p.Why,
			Status: p.Status, Outcome: p.Outcome,
		}
		if p.Decided != nil {
			it.Decided = p.Decided.Local().Format(time.DateTime)
		}
		d.Items = append(d.Items, it)
	}
	return d
}

func (s *Server) proposalsPage(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "Proposals", "proposals", "")
	s.render(w, r, http.StatusOK, views.Proposals(p, s.proposalsData()))
}

func (s *Server) rejectProposal(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "Proposals", "proposals", "")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, p, dbaInvalid("proposal id must be a positive number"))
		return
	}
	if s.mcp == nil || s.mcp.proposals == nil {
		s.fail(w, r, p, fmt.Errorf("proposals: %w (start serve with --mcp-allow-proposals)", dba.ErrNotFound))
		return
	}
	if _, err := s.mcp.proposals.Reject(id, r.PostFormValue("reason")); err != nil {
		s.fail(w, r, p, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ProposalList(p, s.proposalsData()))
}

// runProposal sends a queued proposal through the gate with the human's
// approval (kind "proposal" of the safety dialog). The proposal is claimed
// first, so two approvals never run it twice, and settled with what the
// gate did: a dry run or a missing confirmation leaves it pending.
func (s *Server) runProposal(r *http.Request, conn workbench.ConnRequest, id int64, approve func(workbench.Plan) (workbench.Approval, error)) (workbench.Outcome, error) {
	if s.mcp == nil || s.mcp.proposals == nil {
		return workbench.Outcome{}, fmt.Errorf("proposals: %w (start serve with --mcp-allow-proposals)", dba.ErrNotFound)
	}
	p, err := s.mcp.proposals.Claim(id)
	if err != nil {
		return workbench.Outcome{}, err
	}
	if p.Connection != conn.Profile {
		s.mcp.proposals.Settle(id, mcp.ProposalPending, "")
		return workbench.Outcome{}, fmt.Errorf("%w: proposal %d is for connection %q, not %q", dba.ErrInvalid, id, p.Connection, conn.Profile)
	}
	out, err := s.wb.ChangeForAgent(r.Context(), workbench.AgentChangeRequest{Conn: conn, SQL: p.SQL, Agent: p.Agent, Approve: approve})
	status, outcome := proposalResult(out, err)
	s.mcp.proposals.Settle(id, status, outcome)
	return out, err
}

// proposalResult is the status a proposal takes from a gate outcome.
func proposalResult(out workbench.Outcome, err error) (string, string) {
	switch {
	case errors.Is(err, errPreview):
		return mcp.ProposalPending, ""
	case out.Status == "executed":
		return mcp.ProposalExecuted, fmt.Sprintf("executed: %d rows affected", out.Result.RowsAffected)
	case out.Status == "rolled back":
		return mcp.ProposalRolledBack, fmt.Sprintf("run and rolled back: %d rows affected", out.Result.RowsAffected)
	case out.Status == "failed":
		return mcp.ProposalFailed, out.Error
	case out.Status == "refused" && out.Plan.Decision.Verdict == workbench.VerdictRefuse:
		return mcp.ProposalRefused, out.Error
	}
	// A dry run, a confirmation not given, or no plan at all (the server
	// was unreachable): the human may try again.
	return mcp.ProposalPending, ""
}
