package ai

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/sqltext"
)

// Literals is the local mapping between the literal values of the user's
// SQL and the placeholders (@v1, @v2, ...) that replace them in everything
// sent to a provider. One Literals serves a whole prompt (or a whole
// conversation), so the same value always gets the same placeholder in
// the statement, the findings and the plan. The mapping never leaves the
// machine: Restore puts the values back into the answer shown locally.
type Literals struct {
	byPlaceholder map[string]string
	byLiteral     map[string]string
}

// placeholderPrefix starts every placeholder. A user variable of the same
// shape in the user's own SQL (@v1) would be read back as a placeholder by
// Restore; docs/ai.md says so.
const placeholderPrefix = "@v"

// NewLiterals starts an empty mapping.
func NewLiterals() *Literals {
	return &Literals{byPlaceholder: map[string]string{}, byLiteral: map[string]string{}}
}

// LiteralsFrom continues a mapping saved earlier (a conversation's).
func LiteralsFrom(values map[string]string) *Literals {
	l := NewLiterals()
	for ph, lit := range values {
		if !isPlaceholder(ph) {
			continue
		}
		l.byPlaceholder[ph] = lit
		l.byLiteral[lit] = ph
	}
	return l
}

// Values is a copy of the mapping (placeholder → literal as written), for
// keeping a conversation's mapping in the local store.
func (l *Literals) Values() map[string]string { return maps.Clone(l.byPlaceholder) }

// Len is the number of distinct literals replaced so far.
func (l *Literals) Len() int { return len(l.byPlaceholder) }

// placeholder returns the placeholder of a literal, making one if needed.
func (l *Literals) placeholder(lit string) string {
	if ph, ok := l.byLiteral[lit]; ok {
		return ph
	}
	ph := placeholderPrefix + strconv.Itoa(len(l.byPlaceholder)+1)
	for l.byPlaceholder[ph] != "" {
		ph += "_"
	}
	l.byPlaceholder[ph] = lit
	l.byLiteral[lit] = ph
	return ph
}

// SQL anonymises a statement with the SQL engine's anonymiser: every
// string and number literal becomes a placeholder (shared with the rest of
// the prompt) and ordinary comments, which may hold data, are dropped.
func (l *Literals) SQL(sql string) string {
	a := sqltext.Anonymize(sql)
	if len(a.Values) == 0 {
		return a.Text
	}
	local := slices.Collect(maps.Keys(a.Values))
	longestFirst(local)
	pairs := make([]string, 0, 2*len(local))
	for _, ph := range local {
		pairs = append(pairs, ph, l.placeholder(a.Values[ph]))
	}
	return strings.NewReplacer(pairs...).Replace(a.Text)
}

// Text scrubs text that may quote the statement's values: a finding's
// evidence, why and fix, a plan's conditions. Every literal already known
// is replaced by its placeholder (numbers only as whole tokens, so a row
// count is never cut in two), then every remaining single-quoted string
// (a value the rules derived, such as a date range) gets a placeholder of
// its own. Numbers the rules computed (row estimates) stay.
func (l *Literals) Text(s string) string {
	if s == "" {
		return s
	}
	lits := slices.Collect(maps.Keys(l.byLiteral))
	longestFirst(lits)
	// Strings first (exact), then strings the rules derived, then numbers
	// as whole tokens: a number inside a quoted date is part of that
	// value, not a value of its own.
	for _, lit := range lits {
		if lit != "" && !isNumberLiteral(lit) && strings.Contains(s, lit) {
			s = strings.ReplaceAll(s, lit, l.byLiteral[lit])
		}
	}
	s = l.quotedStrings(s)
	for _, lit := range lits {
		if isNumberLiteral(lit) && strings.Contains(s, lit) {
			s = replaceToken(s, lit, l.byLiteral[lit])
		}
	}
	return s
}

// quotedStrings replaces 'single-quoted strings' that stand as values (a
// quote not preceded by a letter, so "column's" is prose) with
// placeholders.
func (l *Literals) quotedStrings(s string) string {
	if !strings.Contains(s, "'") {
		return s
	}
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		if c != '\'' || (i > 0 && isWordByte(s[i-1])) {
			b.WriteByte(c)
			i++
			continue
		}
		end := closingQuote(s, i)
		if end < 0 {
			b.WriteByte(c)
			i++
			continue
		}
		b.WriteString(l.placeholder(s[i : end+1]))
		i = end + 1
	}
	return b.String()
}

// closingQuote finds the quote that ends a string opened at s[i] (”
// and \' are escapes); -1 when the string does not end, or ends inside a
// word (an apostrophe in prose).
func closingQuote(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '\'':
			if j+1 < len(s) && s[j+1] == '\'' {
				j++
				continue
			}
			if j+1 < len(s) && isWordByte(s[j+1]) {
				return -1
			}
			return j
		case '\n':
			return -1
		}
	}
	return -1
}

// Restore puts the literals back into text that uses the placeholders
// (the answer shown locally). Longer placeholders are replaced first so
// @v12 is never read as @v1 followed by 2.
func (l *Literals) Restore(text string) string {
	if len(l.byPlaceholder) == 0 || !strings.Contains(text, placeholderPrefix) {
		return text
	}
	keys := slices.Collect(maps.Keys(l.byPlaceholder))
	longestFirst(keys)
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, k, l.byPlaceholder[k])
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

func longestFirst(keys []string) {
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
}

// isPlaceholder reports whether s has the shape of a placeholder.
func isPlaceholder(s string) bool {
	rest, ok := strings.CutPrefix(s, placeholderPrefix)
	rest = strings.TrimRight(rest, "_")
	if !ok || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}

func isNumberLiteral(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c >= '0' && c <= '9' || c == '.' || c == '-'
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// replaceToken replaces old in s where it stands as a whole token: not
// inside a longer number or a name (t1), not part of a decimal.
func replaceToken(s, old, repl string) string {
	var b strings.Builder
	i := 0
	for {
		k := strings.Index(s[i:], old)
		if k < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		at := i + k
		end := at + len(old)
		before := at > 0 && (isWordByte(s[at-1]) || s[at-1] == '.' || s[at-1] == '@')
		after := end < len(s) && (isWordByte(s[end]) || s[end] == '.' && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9')
		b.WriteString(s[i:at])
		if before || after {
			b.WriteString(old)
		} else {
			b.WriteString(repl)
		}
		i = end
	}
}

// StreamRestorer restores placeholders in a streamed answer, whose chunks
// may cut a placeholder in two ("@v" | "12"): it holds back a tail that
// could still grow into a placeholder until the next chunk or Flush.
type StreamRestorer struct {
	l       *Literals
	pending string
}

// NewStreamRestorer restores with l.
func NewStreamRestorer(l *Literals) *StreamRestorer { return &StreamRestorer{l: l} }

// Write takes the next chunk and returns the text that is safe to show.
func (r *StreamRestorer) Write(chunk string) string {
	s := r.pending + chunk
	cut := len(s)
	if at := strings.LastIndexByte(s, '@'); at >= 0 && couldGrow(s[at:]) {
		cut = at
	}
	r.pending = s[cut:]
	return r.l.Restore(s[:cut])
}

// Flush returns what is still held back, restored.
func (r *StreamRestorer) Flush() string {
	s := r.pending
	r.pending = ""
	return r.l.Restore(s)
}

// couldGrow reports whether tail (starting with @) is a placeholder, or
// the start of one, that the next chunk could extend.
func couldGrow(tail string) bool {
	if len(tail) <= len(placeholderPrefix) {
		return strings.HasPrefix(placeholderPrefix, tail)
	}
	if !strings.HasPrefix(tail, placeholderPrefix) {
		return false
	}
	for i := len(placeholderPrefix); i < len(tail); i++ {
		c := tail[i]
		if !(c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
