package workbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
)

// The AI assistant's use cases. Each gathers mydba's own evidence
// (findings, plan pain points, schema, variables, sessions), retrieves
// knowledge-base entries, builds a prompt in which literals are
// placeholders, hosts and secrets are redacted and database text is
// fenced as untrusted data (internal/ai), streams the provider's answer
// and reads proposals out of it. Nothing the model writes is executed: SQL
// in an answer becomes a Proposal, which a human may send through the
// safety gate. With no provider configured every use case still returns
// the deterministic findings and citations, labelled as such.

// The assistant's vocabulary, for presenters.
type (
	// Citation is a knowledge-base entry an answer cites as [n].
	Citation = ai.Citation
	// AdvicePoint is one piece of deterministic advice with its evidence.
	AdvicePoint = ai.Point
	// EvidenceItem is a piece of evidence a prompt lists ([F1], [N3], ...).
	EvidenceItem = ai.EvidenceItem
	// AIRequest is what is sent to a provider (for --show-prompt).
	AIRequest = ai.Request
	// AIUsage is what a provider reports it consumed.
	AIUsage = ai.Usage
)

// Retriever finds knowledge-base entries for a query, filtered to a
// server's flavour and version; k bounds the entries returned.
type Retriever interface {
	Search(ctx context.Context, query string, s dba.Server, k int) ([]ai.Citation, error)
}

// Answer modes.
const (
	// ModeAI is an answer a provider wrote, shown with the deterministic
	// points it rests on.
	ModeAI = "ai"
	// ModeNoProvider is the deterministic findings and citations alone.
	ModeNoProvider = "no-provider"
	// ModeProviderError is the deterministic part after the provider
	// failed before answering.
	ModeProviderError = "provider-error"
	// ModePromptOnly built and returned the prompt; nothing was sent.
	ModePromptOnly = "prompt-only"
)

// NoProviderLabel heads every answer given without an AI provider.
const NoProviderLabel = "no AI provider configured: deterministic findings and knowledge-base citations only (configure one with mydba ai setup)"

// AssistOptions are common to every AI use case.
type AssistOptions struct {
	// ShowPrompt returns the exact request sent to the provider (or that
	// would be sent) in Answer.Prompt.
	ShowPrompt bool
	// PromptOnly builds the prompt and sends nothing.
	PromptOnly bool
	// AllowData lets this one request include a few rows of the tables
	// involved (the schema use case only). Off, no row data is ever sent.
	AllowData bool
	// OnText receives the answer as it streams, values restored.
	OnText func(string)
	// Provider overrides the configured provider (nil: AIProvider()).
	Provider ai.Provider
	// Retriever overrides the embedded knowledge base.
	Retriever Retriever
	// Source names the presenter (cli, web, mcp) for history and audit.
	Source string

	// lits and history continue a conversation: its placeholder mapping
	// and its earlier turns as they were sent.
	lits    *ai.Literals
	history []ai.Message
}

// literals is the mapping a request uses: its conversation's, or a new one.
func (o AssistOptions) literals() *ai.Literals {
	if o.lits != nil {
		return o.lits
	}
	return ai.NewLiterals()
}

// Answer is what an AI use case returns: the deterministic points
// always, the model's text when a provider answered, the proposals found
// in it, and exactly what was sent when asked.
type Answer struct {
	Task    string     `json:"task"`
	Profile string     `json:"profile,omitempty"`
	Server  dba.Server `json:"server"`
	// Mode is ModeAI, ModeNoProvider, ModeProviderError or ModePromptOnly;
	// Label says the same in words, for the top of the answer.
	Mode     string `json:"mode"`
	Label    string `json:"label"`
	Provider string `json:"provider,omitempty"`
	Model    string `json:"model,omitempty"`
	// Text is the model's answer with the literal values put back. It is
	// text: presenters never render it as HTML and never execute it.
	Text string `json:"text,omitempty"`
	// Partial: the stream broke and Text is incomplete (Error says why).
	Partial bool   `json:"partial,omitempty"`
	Error   string `json:"error,omitempty"`
	// Points are the deterministic advice, most important first.
	Points []AdvicePoint `json:"points"`
	// Evidence lists what the prompt offered; Cited the ids the answer
	// used.
	Evidence  []EvidenceItem `json:"evidence"`
	Cited     []string       `json:"cited_evidence,omitempty"`
	Citations []Citation     `json:"citations"`
	// Proposals are statements offered for the safety gate, never run.
	Proposals []Proposal `json:"proposals"`
	// Statement is the statement the answer is about (explain, analyze,
	// optimize): what a rewrite proposal is compared with (TryProposal).
	Statement string `json:"statement,omitempty"`
	// SQL is the statement generated from a question (natural language to
	// SQL); it is shown, and runs only when the user asks, read-only.
	SQL string `json:"sql,omitempty"`
	// Prompt is the request sent (ShowPrompt, PromptOnly).
	Prompt *AIRequest `json:"prompt,omitempty"`
	Notes  []string   `json:"notes,omitempty"`
	Usage  *AIUsage   `json:"usage,omitempty"`

	// sentUser and sentAnswer are the turn as it left and came back
	// (anonymised), kept for a conversation.
	sentUser, sentAnswer string
}

// Proposal is a statement the assistant or a rule proposes. It is never
// executed by mydba on its own: a human sends it through the safety gate
// (Apply carries the attribution comment for the audit log), or tries it
// (TryProposal: EXPLAIN before and after).
type Proposal struct {
	// SQL is the statement with the real values.
	SQL string `json:"sql"`
	// Apply is SQL with a tag comment naming who proposed it, for the gate.
	Apply string `json:"apply"`
	// Kind is rewrite (a read to compare plans), index (index DDL), ddl,
	// change (DML), kill, set, or other.
	Kind  string        `json:"kind"`
	Class sqltext.Class `json:"class"`
	Risk  sqltext.Risk  `json:"risk"`
	// From is "ai" or the code of the finding whose fix it is.
	From     string   `json:"from"`
	Evidence []string `json:"evidence,omitempty"`
	// Note warns about it (a write the assistant should not have
	// proposed, a statement that could not be parsed).
	Note string `json:"note,omitempty"`
}

// Tryable reports whether TryProposal can compare plans for it: rewrites
// (nothing executed) and index DDL (applied through the gate first).
func (p Proposal) Tryable() bool { return p.Kind == "rewrite" || p.Kind == "index" }

// assistProvider is the provider for a request.
func (w *Workbench) assistProvider(o AssistOptions) (ai.Provider, error) {
	if o.Provider != nil {
		return o.Provider, nil
	}
	return w.AIProvider()
}

// citeQuery is one knowledge-base lookup: the entries found are cited
// for Key (a finding code, a variable name). Code, when the knowledge base
// has an entry for it ("FullTableScan", "variable:max_connections"), is
// looked up directly; otherwise Query is searched.
type citeQuery struct {
	Key, Query, Code string
	K                int
}

// codeLookup is the knowledge base's optional exact lookup by code.
type codeLookup interface {
	ForCode(code string, s dba.Server) (ai.Entry, bool)
}

// maxCitations bounds the references one prompt carries.
const maxCitations = 8

// knowledgeBase is the embedded knowledge base, shared by every request of
// this workbench; its full-text index is built in memory on the first
// search and released by Close.
func (w *Workbench) knowledgeBase() (Retriever, error) {
	w.ai.mu.Lock()
	defer w.ai.mu.Unlock()
	if w.ai.kb == nil {
		kb, err := ai.NewKB()
		if err != nil {
			return nil, err
		}
		w.ai.kb = kb
	}
	return w.ai.kb, nil
}

// retrieve runs the lookups and numbers the entries in order of first
// appearance. A failing search is a note, not a failure: the answer works
// without references.
func (w *Workbench) retrieve(ctx context.Context, o AssistOptions, s dba.Server, qs []citeQuery) ([]ai.Citation, map[string][]int, []string) {
	r := o.Retriever
	if r == nil {
		kb, err := w.knowledgeBase()
		if err != nil {
			return nil, nil, []string{"knowledge base unavailable: " + err.Error()}
		}
		r = kb
	}
	var out []ai.Citation
	byID := map[string]int{}
	keys := map[string][]int{}
	var notes []string
	add := func(key string, c ai.Citation) {
		n, ok := byID[c.ID]
		if !ok {
			if len(out) == maxCitations {
				return
			}
			n = len(out) + 1
			c.N = n
			out = append(out, c)
			byID[c.ID] = n
		}
		if !containsInt(keys[key], n) {
			keys[key] = append(keys[key], n)
		}
	}
	for _, q := range qs {
		if q.Code != "" {
			if cl, ok := r.(codeLookup); ok {
				if e, found := cl.ForCode(q.Code, s); found {
					add(q.Key, e.Citation(0))
					continue
				}
			}
		}
		if strings.TrimSpace(q.Query) == "" {
			continue
		}
		k := q.K
		if k <= 0 {
			k = 2
		}
		found, err := r.Search(ctx, q.Query, s, k)
		if err != nil {
			notes = append(notes, "knowledge base search failed: "+err.Error())
			continue
		}
		for _, c := range found {
			add(q.Key, c)
		}
	}
	return out, keys, notes
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// redactorFor redacts the connection's own host names and addresses.
func redactorFor(p dba.Profile) ai.Redactor {
	t := p.Target
	words := []string{t.Host, t.Socket}
	if t.SSH != nil {
		words = append(words, t.SSH.Host)
	}
	return ai.NewRedactor(words...)
}

// assistRun builds the prompt, streams the answer and reads it into ans.
// A provider that is missing or fails is not an error of the use case: the
// answer then carries the deterministic points, labelled, and ans.Error.
func (w *Workbench) assistRun(ctx context.Context, o AssistOptions, task ai.Task, c ai.Context, cites map[string][]int, red ai.Redactor, ans *Answer) ai.Prompt {
	lits := o.literals()
	c.History = slices.Concat(o.history, c.History)
	prompt := ai.Build(task, c, lits, red)
	ans.Task = string(task)
	ans.Server = c.Server
	ans.Points = ai.Points(task, c, cites)
	if ans.Points == nil {
		ans.Points = []AdvicePoint{}
	}
	ans.Evidence = prompt.Evidence
	if ans.Evidence == nil {
		ans.Evidence = []EvidenceItem{}
	}
	ans.Citations = c.Citations
	if ans.Citations == nil {
		ans.Citations = []Citation{}
	}
	if ans.Proposals == nil {
		ans.Proposals = []Proposal{}
	}
	ans.sentUser = prompt.Request.Messages[len(prompt.Request.Messages)-1].Content
	if o.ShowPrompt || o.PromptOnly {
		req := prompt.Request
		ans.Prompt = &req
	}
	if o.PromptOnly {
		ans.Mode, ans.Label = ModePromptOnly, "prompt only: this is what would be sent; nothing was sent"
		return prompt
	}
	p, err := w.assistProvider(o)
	if errors.Is(err, ai.ErrNoProvider) {
		ans.Mode, ans.Label = ModeNoProvider, NoProviderLabel
		return prompt
	}
	if err != nil {
		ans.Mode, ans.Label, ans.Error = ModeProviderError, "the AI provider could not be used: deterministic findings and citations only", err.Error()
		return prompt
	}
	ans.Provider, ans.Model = p.Name(), p.Model()
	if prompt.Request.Model != "" {
		ans.Model = prompt.Request.Model
	}
	st, err := p.Stream(ctx, prompt.Request)
	if err != nil {
		ans.Mode, ans.Label, ans.Error = ModeProviderError, "the AI provider failed before answering: deterministic findings and citations only", err.Error()
		return prompt
	}
	defer st.Close()
	var raw strings.Builder
	restore := ai.NewStreamRestorer(lits)
	emit := func(s string) {
		if s != "" && o.OnText != nil {
			o.OnText(s)
		}
	}
	for {
		ch, err := st.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ans.Partial = true
			ans.Error = "the answer was cut off: " + err.Error()
			break
		}
		raw.WriteString(ch.Text)
		emit(restore.Write(ch.Text))
		if ch.Usage != nil {
			ans.Usage = ch.Usage
		}
		if ch.Done {
			break
		}
	}
	emit(restore.Flush())
	ans.sentAnswer = raw.String()
	ans.Text = lits.Restore(ans.sentAnswer)
	ans.Mode = ModeAI
	ans.Label = fmt.Sprintf("AI answer (%s, %s) grounded in mydba's findings; check it before acting", ans.Provider, ans.Model)
	if ans.Partial {
		ans.Label = "incomplete AI answer: the stream broke; " + ans.Label
	}
	parsed := ai.ParseAnswer(ans.sentAnswer, prompt)
	ans.Cited = parsed.Evidence
	for _, s := range parsed.SQL {
		ans.addProposal(proposalOf(lits.Restore(s), "ai", nil, ans.Provider+"/"+ans.Model))
	}
	return prompt
}

// addProposal keeps one proposal per statement.
func (a *Answer) addProposal(p Proposal) {
	norm := strings.Join(strings.Fields(strings.TrimRight(p.SQL, "; ")), " ")
	for _, q := range a.Proposals {
		if strings.EqualFold(strings.Join(strings.Fields(strings.TrimRight(q.SQL, "; ")), " "), norm) {
			return
		}
	}
	a.Proposals = append(a.Proposals, p)
}

// proposalOf classifies a proposed statement with the same parser the
// gate uses. by names the proposer for the tag comment.
func proposalOf(sql, from string, evidence []string, by string) Proposal {
	sql = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(sql), ";"))
	cl := sqltext.NewClassifier().Classify(sql)
	p := Proposal{SQL: sql, Class: cl.Class, Risk: cl.Risk, From: from, Evidence: evidence, Apply: attributed(sql, from, by)}
	switch {
	case cl.IsRead() && (cl.Kind == "SELECT" || cl.Kind == "TABLE" || cl.Kind == "VALUES"):
		p.Kind = "rewrite"
	case cl.Class == sqltext.ClassDDL && isIndexDDL(sql):
		p.Kind = "index"
	case cl.Class == sqltext.ClassDDL:
		p.Kind = "ddl"
	case cl.Class == sqltext.ClassWrite:
		p.Kind = "change"
		p.Note = "changes data: the safety gate shows the rows it would touch before anything runs"
	case cl.Kind == "KILL":
		p.Kind = "kill"
	case cl.Kind == "SET" || strings.HasPrefix(cl.Kind, "SET "):
		p.Kind = "set"
	default:
		p.Kind = "other"
	}
	if cl.Class == sqltext.ClassUnknown {
		p.Note = "mydba could not classify this statement (" + cl.Reason + "): review it with care"
	}
	return p
}

// isIndexDDL reports CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX, and ALTER
// TABLE that only adds or drops indexes.
func isIndexDDL(sql string) bool {
	f := strings.Fields(strings.ToUpper(sqltext.Anonymize(sql).Text))
	if len(f) >= 2 && f[0] == "CREATE" {
		return f[1] == "INDEX" || len(f) >= 3 && (f[1] == "UNIQUE" || f[1] == "FULLTEXT" || f[1] == "SPATIAL") && f[2] == "INDEX"
	}
	if len(f) < 4 || f[0] != "ALTER" || f[1] != "TABLE" {
		return false
	}
	rest := strings.Join(f[3:], " ")
	for _, clause := range strings.Split(rest, ",") {
		c := strings.TrimSpace(clause)
		if !(strings.HasPrefix(c, "ADD INDEX") || strings.HasPrefix(c, "ADD KEY") || strings.HasPrefix(c, "ADD UNIQUE") ||
			strings.HasPrefix(c, "ADD FULLTEXT") || strings.HasPrefix(c, "DROP INDEX") || strings.HasPrefix(c, "DROP KEY") ||
			strings.HasPrefix(c, "ALGORITHM") || strings.HasPrefix(c, "LOCK")) {
			return false
		}
	}
	return true
}

// attributed prefixes a proposal with a tag comment naming its origin, so
// the audit log, the process list and the binary log show that the
// assistant (or a rule) proposed it and a human ran it.
func attributed(sql, from, by string) string {
	who := "mydba:ai-proposal"
	if from != "ai" {
		who = "mydba:advice " + from
	} else if by != "" && by != "/" {
		who += " " + by
	}
	who = strings.NewReplacer("*/", "", "/*", "", "\n", " ", "\r", " ").Replace(who)
	return "/* " + who + " */ " + sql
}

// Badge tells the presenter what kind of answer this is, in one word for
// badges.
func (a Answer) Badge() string {
	switch a.Mode {
	case ModeAI:
		return "AI"
	case ModePromptOnly:
		return "prompt only"
	}
	return "no AI"
}
