package digest

import (
	"regexp"
	"strings"
)

// ptComparableRules erase, in order, the differences between mydba's and
// pt-fingerprint's fingerprints that docs/sql.md lists as deliberate.
// Applied to both tools' fingerprints they map the same statement to the
// same key, so class counts can be compared even where query IDs differ.
// Returned by a function, compiled per PTComparer, so the package keeps no
// globals.
func ptComparableRules() []struct {
	re   *regexp.Regexp
	repl string
} {
	return []struct {
		re   *regexp.Regexp
		repl string
	}{
		// pt-query-digest lower-cases bytes as Latin-1, which mangles
		// UTF-8; compare ASCII only.
		{regexp.MustCompile(`[^\x00-\x7f]+`), ""},
		// pt keeps only the first row of a multi-row INSERT; mydba folds
		// the rows that hold only literals and keeps the others.
		{regexp.MustCompile(`^((?:insert|replace)(?: ignore)?\s+into.+?values\s*\(.*?\))\s*,\s*\(.*$`), "$1"},
		// pt's string rules reach into `quoted identifiers`.
		{regexp.MustCompile(`\\["']`), ""},
		{regexp.MustCompile(`"[^"]*"`), "?"},
		{regexp.MustCompile(`'[^']*'`), "?"},
		// pt-fingerprint's own number rules, applied to both sides: they
		// fold digits inside identifiers (tbl_? for tbl_00479), swallow
		// binary minus and plus (v=v? for v=v+1) and bits of hex and bit
		// literals, and are idempotent on pt's output.
		{regexp.MustCompile(`[0-9+-][0-9a-f.xb+-]*`), "?"},
		{regexp.MustCompile(`[xb.+-]\?`), "?"},
		// pt leaves ?f for 0x1F.
		{regexp.MustCompile(`\?[a-f]{1,16}\b`), "?"},
		// mydba drops a string's character set introducer
		// (_utf8mb4'x' is ?); pt keeps it (_utf?m?).
		{regexp.MustCompile(`_(?:utf[?a-z]*|latin\?|binary|ascii|ucs\?|cp\?|big\?|gbk|sjis|euckr|gb\?)\s*\?`), "?"},
		// Doubled quotes (??) and what the rules above leave next to each
		// other (stock ? ?).
		{regexp.MustCompile(`\?(\s*\?)+`), "?"},
		// pt does not fold a VALUES list holding its leftovers of a hex
		// literal (?ff?); once those are gone, fold every list.
		{regexp.MustCompile(`\b(in|values?)(?:[\s,]*\([\s?,]*\))+`), "$1(?)"},
		// pt folds only the first LIMIT of a statement.
		{regexp.MustCompile(`limit \?(, ?\?| offset \?)?`), "limit ?"},
		// pt abstracts USE only without a comment before it: it keeps
		// "use shop" for "/* app */ USE shop".
		{regexp.MustCompile(`^\s*use \S+\s*$`), "use ?"},
		{regexp.MustCompile(`\s+`), " "},
	}
}

// quotedIdentifierKey is where PTComparable puts statements with quote
// characters left over (in identifiers, or an unterminated string):
// pt-query-digest's string rule reaches into `quoted identifiers` and may
// swallow the text between two of them, so such statements are compared by
// their first two words only.
func quotedIdentifierKey(s string) string {
	f := strings.Fields(s)
	return "(quotes left over) " + strings.Join(f[:min(2, len(f))], " ")
}

// PTComparer maps fingerprints, from mydba or from pt-query-digest, to keys
// on which the two tools agree: the categories in which mydba deliberately
// differs from pt-fingerprint (docs/sql.md, docs/digest.md) are erased. It
// is for comparing the tools (tests and bench/digest-compare.sh), not for
// grouping. Build one per comparison: it holds compiled expressions.
type PTComparer struct {
	rules []struct {
		re   *regexp.Regexp
		repl string
	}
}

// NewPTComparer compiles the rules.
func NewPTComparer() *PTComparer { return &PTComparer{rules: ptComparableRules()} }

// Key is the comparable form of a fingerprint.
func (c *PTComparer) Key(fingerprint string) string {
	s := collapseUnions(fingerprint)
	for _, r := range c.rules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, `'"`) {
		return quotedIdentifierKey(s)
	}
	return s
}

// PTComparable is NewPTComparer().Key(fingerprint), for one-off use.
func PTComparable(fingerprint string) string { return NewPTComparer().Key(fingerprint) }

// collapseUnions removes a UNION branch that repeats the SELECT before it,
// and pt's "/*repeat union all*/" marker for the same: pt collapses such
// chains anywhere in a statement (after EXPLAIN too), mydba only in a
// statement that is the chain itself.
func collapseUnions(s string) string {
	s = strings.ReplaceAll(s, " /*repeat union all*/", "")
	s = strings.ReplaceAll(s, " /*repeat union*/", "")
	for _, sep := range []string{" union all ", " union "} {
		parts := strings.Split(s, sep)
		out := parts[:1]
		for _, p := range parts[1:] {
			prev := out[len(out)-1]
			if i := strings.LastIndex(prev, "select "); i >= 0 && prev[i:] == p {
				continue
			}
			out = append(out, p)
		}
		s = strings.Join(out, sep)
	}
	return s
}
