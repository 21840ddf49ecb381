package sqltext

import (
	"sort"
	"strconv"
	"strings"
)

// Anonymized is a statement with its literals replaced by placeholders,
// and the local mapping that puts them back. The text is what may leave
// the machine (for example in an AI prompt); the mapping never does.
type Anonymized struct {
	Text string
	// Values maps each placeholder ("@v1") to the literal it replaced,
	// exactly as written ("'alice@example.com'", "42").
	Values map[string]string
}

// Anonymize replaces every string and number literal with a placeholder
// that is itself valid SQL (a user variable such as @v1), so the text still
// parses and reads naturally. Equal literals share a placeholder, keeping
// equalities visible. Ordinary comments are dropped (they may hold data);
// identifiers, keywords and executable comments are kept.
func Anonymize(sql string) Anonymized {
	prefix := "@v"
	for strings.Contains(sql, prefix) {
		prefix += "_"
	}
	a := Anonymized{Values: map[string]string{}}
	byLiteral := map[string]string{}
	var b strings.Builder
	b.Grow(len(sql))
	put := func(lit string) {
		ph, ok := byLiteral[lit]
		if !ok {
			ph = prefix + strconv.Itoa(len(byLiteral)+1)
			byLiteral[lit] = ph
			a.Values[ph] = lit
		}
		b.WriteString(ph)
	}
	i := 0
	for i < len(sql) {
		c := sql[i]
		if c == '/' || c == '#' || c == '-' {
			if n := commentLen(sql, i); n > 0 {
				b.WriteByte(' ')
				i += n
				continue
			}
		}
		switch {
		case c == '\'' || c == '"':
			j := skipQuoted(sql, i)
			start := literalPrefixStart(sql, i)
			// The introducer (X, B, N, _utf8mb4) belongs to the literal.
			cut := b.Len() - (i - start)
			if cut < b.Len() {
				s := b.String()[:cut]
				b.Reset()
				b.WriteString(s)
			}
			put(sql[start:j])
			i = j
		case c == '`':
			j := skipQuoted(sql, i)
			b.WriteString(sql[i:j])
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(sql) && isDigit(sql[i+1]) && (i == 0 || byteClass[sql[i-1]] < clWord)):
			if i > 0 && byteClass[sql[i-1]] >= clWord {
				// digits inside an identifier (t1)
				b.WriteByte(c)
				i++
				continue
			}
			j, isNum := scanNumber(sql, i)
			if isNum {
				put(sql[i:j])
			} else {
				b.WriteString(sql[i:j])
			}
			i = j
		case byteClass[c] == clWord:
			j := i + 1
			for j < len(sql) && byteClass[sql[j]] >= clWord {
				j++
			}
			b.WriteString(sql[i:j])
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	a.Text = b.String()
	return a
}

// literalPrefixStart returns where a quoted literal at q[i] really starts,
// including an X/B/N or _charset introducer written right before it.
func literalPrefixStart(q string, i int) int {
	k := i
	for k > 0 && byteClass[q[k-1]] >= clWord {
		k--
	}
	if k == i || (k > 0 && (q[k-1] == '`' || q[k-1] == '.' || q[k-1] == '@')) {
		return i
	}
	w := strings.ToLower(q[k:i])
	if w == "x" || w == "b" || w == "n" || (w[0] == '_' && len(w) > 1) {
		return k
	}
	return i
}

// Restore puts the literals back into text that uses the placeholders (the
// anonymised statement, or an answer that quotes it). Longer placeholders
// are replaced first so @v12 is never read as @v1 followed by 2.
func (a Anonymized) Restore(text string) string {
	if len(a.Values) == 0 {
		return text
	}
	keys := make([]string, 0, len(a.Values))
	for k := range a.Values {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return len(keys[i]) > len(keys[j]) || (len(keys[i]) == len(keys[j]) && keys[i] < keys[j])
	})
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, k, a.Values[k])
	}
	return strings.NewReplacer(pairs...).Replace(text)
}
