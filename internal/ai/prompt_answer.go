package ai

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/sqltext"
)

// Answer reading: the model's text is never executed and never rendered as
// HTML. mydba only reads three things out of it — the SQL it proposes
// (fenced sql blocks, which become proposals a human approves in the
// safety gate), the evidence ids it cites, and the reference numbers.

// ParsedAnswer is what mydba reads out of an answer.
type ParsedAnswer struct {
	// SQL holds the statements of the answer's fenced sql blocks, in
	// order, one statement per entry.
	SQL []string `json:"sql,omitempty"`
	// Evidence lists the evidence ids cited ([F1], [N3], ...) that the
	// prompt offered, in order of first use.
	Evidence []string `json:"evidence,omitempty"`
	// Citations lists the reference numbers cited that exist.
	Citations []int `json:"citations,omitempty"`
}

var (
	refRE = regexp.MustCompile(`\[((?:[FPNTLGR]\d{1,6})|(?:[VS]:[A-Za-z0-9_]{1,80})|\d{1,3})\]`)
)

// ParseAnswer reads an answer (placeholders already restored or not: the
// SQL is returned as written). p gives the evidence and citations the
// prompt offered: anything else the model cites is ignored.
func ParseAnswer(text string, p Prompt) ParsedAnswer {
	var a ParsedAnswer
	for _, b := range fencedBlocks(text) {
		lang := strings.ToLower(b.lang)
		body := strings.TrimSpace(b.body)
		sqlLang := lang == "sql" || lang == "mysql" || lang == "mariadb"
		if body == "" || !(sqlLang || lang == "" && looksLikeSQL(body)) {
			continue
		}
		for _, st := range sqltext.Split(body) {
			a.SQL = append(a.SQL, st.Text)
		}
	}
	known := map[string]bool{}
	for _, e := range p.Evidence {
		known[e.ID] = true
	}
	cites := map[int]bool{}
	for _, c := range p.Citations {
		cites[c.N] = true
	}
	for _, m := range refRE.FindAllStringSubmatch(text, -1) {
		id := m[1]
		if n, err := strconv.Atoi(id); err == nil {
			if cites[n] && !slices.Contains(a.Citations, n) {
				a.Citations = append(a.Citations, n)
			}
			continue
		}
		if known[id] && !slices.Contains(a.Evidence, id) {
			a.Evidence = append(a.Evidence, id)
		}
	}
	return a
}

// looksLikeSQL accepts an unlabelled fenced block as SQL when it starts
// with a statement keyword.
func looksLikeSQL(s string) bool {
	f := strings.Fields(strings.ToUpper(s))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "SELECT", "WITH", "CREATE", "ALTER", "DROP", "UPDATE", "DELETE", "INSERT", "REPLACE", "SET", "KILL", "ANALYZE", "OPTIMIZE", "EXPLAIN", "SHOW", "TRUNCATE", "RENAME", "GRANT", "REVOKE":
		return true
	}
	return false
}

// fencedBlock is one ``` block of an answer.
type fencedBlock struct{ lang, body string }

// fencedBlocks reads the ``` blocks of a text line by line, as markdown
// does: a line starting with ``` opens a block (the rest of the line is
// its language), the next line starting with ``` closes it. An unclosed
// block at the end is ignored: the answer was cut.
func fencedBlocks(text string) []fencedBlock {
	var out []fencedBlock
	var cur *fencedBlock
	var body strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(trimmed, "```") {
			if cur != nil {
				body.WriteString(line + "\n")
			}
			continue
		}
		if cur == nil {
			cur = &fencedBlock{lang: strings.TrimSpace(strings.TrimLeft(trimmed, "`"))}
			body.Reset()
			continue
		}
		cur.body = body.String()
		out = append(out, *cur)
		cur = nil
	}
	return out
}
