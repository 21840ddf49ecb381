package sqltext

import (
	"bytes"
	"crypto/md5"
	"slices"
	"strings"
)

// Fingerprint abstracts a statement the way pt-query-digest and
// pt-fingerprint do, so mydba's digests can be cross-referenced with theirs:
// comments dropped, string and number literals and NULL replaced by ?,
// whitespace collapsed, everything lower-cased, IN and VALUES lists
// collapsed to (?+), LIMIT arguments to one ?, ASC dropped after ORDER BY,
// repeated identical UNION branches collapsed, USE db and CALL proc(...)
// abstracted, and mysqldump's and Percona Toolkit's own queries named.
//
// It is one pass over the text plus a linear clean-up of the result. It
// deliberately differs from pt-fingerprint where that tool mangles text
// (digits inside identifiers, binary minus, hex literals); docs/sql.md
// lists each difference.
func Fingerprint(q string) string {
	return string(AppendFingerprint(make([]byte, 0, len(q)+16), q))
}

// AppendFingerprint appends the fingerprint of q to dst, for callers that
// fingerprint many statements with one buffer (no allocation per call).
func AppendFingerprint(dst []byte, q string) []byte {
	if fp, ok := specialFingerprint(q); ok {
		return append(dst, fp...)
	}
	// The fingerprint is never longer than the statement plus a few bytes
	// ("()" becomes "(?+)"), so one growth up front keeps appends cheap.
	// The scanner looks back at what it wrote, so it works on an empty
	// slice of dst's spare capacity and never sees the caller's bytes;
	// appending the result then copies it onto itself.
	dst = slices.Grow(dst, len(q)+16)
	f := fingerprinter{b: dst[len(dst):], kwEnd: -1}
	f.scan(q)
	if f.toolkit {
		return append(dst, "percona-toolkit"...)
	}
	fp := f.finish()
	if len(fp) > 0 && &fp[0] == &dst[:len(dst)+1][len(dst)] {
		// Still in dst's spare capacity: the bytes are already in place.
		return dst[:len(dst)+len(fp)]
	}
	return append(dst, fp...)
}

// fingerprinter holds the state of one pass: the output so far, the open
// parentheses that may turn out to be literal lists, and the clause flags
// that later tokens depend on.
type fingerprinter struct {
	b     []byte
	start int // where this fingerprint begins in b
	// parens are output offsets of '(' still open; list marks those that
	// follow IN or VALUES (or a previous VALUES tuple) and so collapse to
	// (?+) when they hold only placeholders. kwEnd is where the keyword
	// ended, so "in (" becomes "in(?+)".
	parens   [12]paren
	depth    int
	orderBy  bool
	sawUnion bool
	// kwEnd is the output offset just after IN/VALUE(S) when that keyword
	// was the last token (-1 otherwise); valuesEnd after VALUE(S), kept
	// while its tuples follow.
	kwEnd, valuesEnd int
	// afterLimit: the next placeholder is LIMIT's; limitEnd is the offset
	// after it, so a second argument can fold into it.
	afterLimit bool
	limitEnd   int
	// toolkit: a Percona Toolkit marker comment was seen.
	toolkit bool
}

type paren struct {
	pos, kwEnd int32
	list       bool
}

// Byte classes for the scanner, indexed by byte: a constant table keeps the
// hot loop to one load per byte.
const (
	clOther = 0
	clSpace = 1
	clWord  = 2 // letters, _, $ and every byte of multi-byte UTF-8
	clDigit = 3
)

const byteClass = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x01\x01\x01\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x00\x00\x00\x00\x00\x00" +
	"\x00\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x00\x00\x00\x00\x02" +
	"\x00\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x00\x00\x00\x00\x00" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02"

// Scanner actions, indexed by byte, so the hot loop dispatches on one load
// through a jump table instead of a chain of comparisons.
const (
	acOther = iota
	acSpace
	acWord
	acDigit
	acQuote    // ' and "
	acBacktick // `
	acOpen     // (
	acClose    // )
	acComment  // / # -, which may start a comment
	acDot      // ., which may start a number
)

const byteAction = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x01\x01\x01\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x01\x00\x04\x08\x02\x00\x00\x04\x06\x07\x00\x00\x00\x08\x09\x08" +
	"\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x00\x00\x00\x00\x00\x00" +
	"\x00\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x00\x00\x00\x00\x02" +
	"\x05\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x00\x00\x00\x00\x00" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02" +
	"\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02"

// wordLower maps a byte that continues a word (letters, digits, _, $, UTF-8)
// to its ASCII lower case, and every other byte to 0: the word loop needs
// one load per byte to both test and copy.
const wordLower = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x24\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x00\x00\x00\x00\x00\x00" +
	"\x00\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f" +
	"\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x00\x00\x00\x00\x5f" +
	"\x00\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f" +
	"\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x00\x00\x00\x00\x00" +
	"\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f" +
	"\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f" +
	"\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf" +
	"\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd\xbe\xbf" +
	"\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xcb\xcc\xcd\xce\xcf" +
	"\xd0\xd1\xd2\xd3\xd4\xd5\xd6\xd7\xd8\xd9\xda\xdb\xdc\xdd\xde\xdf" +
	"\xe0\xe1\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xea\xeb\xec\xed\xee\xef" +
	"\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff"

func (f *fingerprinter) scan(q string) {
	space := false
	i := 0
	for i < len(q) {
		c := q[i]
		ac := byteAction[c]
		if ac == acSpace {
			space = true
			i++
			continue
		}
		if ac == acComment {
			if n := commentLen(q, i); n > 0 {
				if c == '/' && !f.toolkit && isToolkitMarker(q[i:i+n]) {
					f.toolkit = true
				}
				i += n
				space = true
				continue
			}
		}
		if space && len(f.b) > f.start {
			f.b = append(f.b, ' ')
		}
		space = false
		switch ac {
		case acWord:
			// Copy the word lower-cased while finding its end; keywords
			// are then recognised on the copy.
			src := q[i:]
			n := len(f.b)
			if cap(f.b)-n < len(src) {
				f.b = slices.Grow(f.b, len(src))
			}
			out := f.b[n : n+len(src)]
			k := 0
			for k < len(src) {
				l := wordLower[src[k]]
				if l == 0 {
					break
				}
				out[k] = l
				k++
			}
			f.b = f.b[:n+k]
			i += k
			// Only words of 2 to 6 letters are keywords the
			// fingerprint reacts to.
			if uint(k-2) <= 6-2 {
				f.word(n)
			} else {
				f.kwEnd, f.limitEnd = -1, 0
			}
		case acDigit:
			i = f.number(q, i)
		case acDot:
			if i+1 < len(q) && isDigit(q[i+1]) && !endsWithWord(f.b) {
				i = f.number(q, i)
				continue
			}
			f.b = append(f.b, c)
			f.kwEnd = -1
			i++
		case acQuote:
			i = skipQuoted(q, i)
			f.b = dropLiteralPrefix(f.b)
			f.placeholder()
		case acBacktick:
			// Whitespace inside quoted names is collapsed too, so a
			// fingerprint is always one line of single spaces.
			j := skipQuoted(q, i)
			f.b = appendLowerCollapsed(f.b, q[i:j])
			f.kwEnd = -1
			i = j
		case acOpen:
			f.open()
			i++
		case acClose:
			f.b = append(f.b, ')')
			f.close()
			i++
		default:
			f.b = append(f.b, c)
			if c != ',' {
				f.kwEnd = -1
			}
			i++
		}
	}
}

// number handles a numeric literal (or a word that starts with digits) at
// q[i] and returns where it ends.
func (f *fingerprinter) number(q string, i int) int {
	j, isNum := scanNumber(q, i)
	if !isNum {
		f.b = appendLower(f.b, q[i:j])
		f.kwEnd = -1
		return j
	}
	f.b = dropUnarySign(f.b)
	f.placeholder()
	return j
}

// commentLen is the length of the comment starting at q[i], 0 if none:
// /* ... */ (but not the executable /*! ... */), -- to the end of the line
// (the dashes must be followed by a blank), and # to the end of the line.
func commentLen(q string, i int) int {
	switch q[i] {
	case '/':
		if i+1 < len(q) && q[i+1] == '*' && (i+2 >= len(q) || q[i+2] != '!') {
			if end := strings.Index(q[i+2:], "*/"); end >= 0 {
				return 2 + end + 2
			}
			return len(q) - i
		}
	case '-':
		if i+1 < len(q) && q[i+1] == '-' && (i+2 == len(q) || q[i+2] <= ' ') {
			if end := strings.IndexByte(q[i:], '\n'); end >= 0 {
				return end
			}
			return len(q) - i
		}
	case '#':
		if end := strings.IndexByte(q[i:], '\n'); end >= 0 {
			return end
		}
		return len(q) - i
	}
	return 0
}

// placeholder writes ? and folds LIMIT's second argument into the first.
func (f *fingerprinter) placeholder() {
	if f.limitEnd > 0 {
		switch string(f.b[f.limitEnd:]) {
		case ", ", ",", " offset ":
			f.b = f.b[:f.limitEnd]
			f.limitEnd = 0
			return
		}
		f.limitEnd = 0
	}
	f.b = append(f.b, '?')
	if f.afterLimit {
		f.afterLimit = false
		f.limitEnd = len(f.b)
	}
	f.kwEnd = -1
}

// word handles the lower-cased word just copied to f.b[n:]: keywords that
// change later output are noted, NULL becomes a placeholder and ORDER BY's
// ASC is dropped.
func (f *fingerprinter) word(n int) {
	f.kwEnd = -1
	w := f.b[n:]
	switch len(w) {
	case 2:
		switch string(w) {
		case "in":
			f.kwEnd = len(f.b)
		case "by":
			if hasSuffix(f.b[:n], "order ") {
				f.orderBy = true
			}
		}
	case 3:
		if f.orderBy && string(w) == "asc" && n > 0 && f.b[n-1] == ' ' {
			f.b = f.b[:n-1] // ORDER BY's default direction
			return
		}
	case 4:
		if string(w) == "null" {
			f.b = f.b[:n]
			f.placeholder()
			return
		}
	case 5:
		switch string(w) {
		case "union":
			f.sawUnion = true
		case "limit":
			f.afterLimit = true
		case "value":
			f.kwEnd, f.valuesEnd = len(f.b), len(f.b)
			return
		}
	case 6:
		switch string(w) {
		case "values":
			f.kwEnd, f.valuesEnd = len(f.b), len(f.b)
			return
		case "offset":
			if f.limitEnd > 0 {
				return // keep limitEnd: "limit ? offset ?" folds
			}
		}
	}
	f.limitEnd = 0
}

// open records a '(' and whether it starts a list that may collapse: right
// after IN or VALUE(S), or after a collapsed VALUES tuple and a comma.
func (f *fingerprinter) open() {
	p := paren{pos: int32(len(f.b)), kwEnd: -1}
	end := len(f.b)
	if end > f.start && f.b[end-1] == ' ' {
		end--
	}
	switch {
	case f.kwEnd >= 0 && f.kwEnd == end:
		p.list, p.kwEnd = true, int32(f.kwEnd)
	case f.valuesEnd > 0 && end > 0 && f.b[end-1] == ',':
		// The next tuple of a multi-row VALUES joins the collapsed first.
		k := end - 1
		if k > 0 && f.b[k-1] == ' ' {
			k--
		}
		if k == f.valuesEnd+len("(?+)") && hasSuffix(f.b[:k], "(?+)") {
			p.list, p.kwEnd = true, int32(f.valuesEnd)
		}
	}
	f.kwEnd = -1
	if f.depth < len(f.parens) {
		f.parens[f.depth] = p
	}
	f.depth++
	f.b = append(f.b, '(')
}

// close collapses the list just closed if it holds only placeholders.
func (f *fingerprinter) close() {
	if f.depth == 0 {
		return
	}
	f.depth--
	if f.depth >= len(f.parens) {
		return
	}
	p := f.parens[f.depth]
	if !p.list {
		return
	}
	for _, c := range f.b[int(p.pos)+1 : len(f.b)-1] {
		if c != '?' && c != ' ' && c != ',' {
			return
		}
	}
	f.b = append(f.b[:p.kwEnd], "(?+)"...)
	if int(p.kwEnd) != f.valuesEnd {
		f.valuesEnd = 0
	}
}

func (f *fingerprinter) finish() []byte {
	b := trimSpaceRight(f.b)
	fp := b[f.start:]
	if len(fp) > 4 && string(fp[:4]) == "use " && !containsAny(fp[4:], " ;") {
		return append(b[:f.start], "use ?"...)
	}
	if f.sawUnion {
		if n := collapsedUnionLen(fp); n > 0 {
			// fp[:n] is the first branch followed by " /*repeat..*/".
			return b[:f.start+n]
		}
	}
	return b
}

func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

func containsAny(b []byte, chars string) bool {
	for _, c := range b {
		if strings.IndexByte(chars, c) >= 0 {
			return true
		}
	}
	return false
}

// ID is pt-query-digest's query ID for a fingerprint: the MD5 of the
// fingerprint in upper-case hex, as pt-query-digest 3.x prints it (after
// "0x"). Versions before 3.0 printed only its last 16 digits.
func ID(fingerprint string) string {
	var buf [2 * md5.Size]byte
	return string(AppendID(buf[:0], []byte(fingerprint)))
}

// AppendID appends ID(fingerprint) to dst, for callers that print many IDs
// (no allocation per call).
func AppendID(dst, fingerprint []byte) []byte {
	const digits = "0123456789ABCDEF"
	sum := md5.Sum(fingerprint)
	for _, c := range sum {
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst
}

// specialFingerprint handles the statements pt-query-digest names instead of
// abstracting.
func specialFingerprint(q string) (string, bool) {
	if strings.HasPrefix(q, "SELECT /*!40001 SQL_NO_CACHE */ * FROM `") {
		return "mysqldump", true
	}
	if strings.HasPrefix(q, "administrator command: ") {
		return q, true
	}
	k := 0
	for k < len(q) && byteClass[q[k]] == clSpace {
		k++
	}
	if t := q[k:]; len(t) > 5 && (t[0] == 'c' || t[0] == 'C') && strings.EqualFold(t[:4], "call") && isSpace(t[4]) {
		rest := strings.TrimLeft(t[4:], " \t\r\n")
		end := strings.IndexFunc(rest, func(r rune) bool { return r == '(' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
		if end > 0 && rest[end] == '(' {
			return "call " + strings.ToLower(rest[:end]), true
		}
	}
	return "", false
}

// isToolkitMarker reports whether a /* ... */ comment is the /*db.tbl:1/3*/
// marker pt-table-checksum and friends put in their queries.
func isToolkitMarker(comment string) bool {
	if len(comment) < 4 {
		return false
	}
	m := comment[2 : len(comment)-2]
	colon := strings.LastIndexByte(m, ':')
	if colon <= 0 {
		return false
	}
	name, nums := m[:colon], m[colon+1:]
	dot := strings.IndexByte(name, '.')
	return dot > 0 && dot < len(name)-1 && len(nums) == 3 && isDigit(nums[0]) && nums[1] == '/' && isDigit(nums[2]) &&
		allWord(name[:dot]) && allWord(name[dot+1:])
}

func allWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isWordByte is a byte that starts or continues an identifier or keyword
// (multi-byte UTF-8 counts as letters).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c >= 0x80
}

func endsWithWord(b []byte) bool {
	return len(b) > 0 && (isWordByte(b[len(b)-1]) || isDigit(b[len(b)-1]) || b[len(b)-1] == '`')
}

func appendLower(b []byte, s string) []byte {
	n := len(b)
	if cap(b)-n < len(s) {
		b = slices.Grow(b, len(s))
	}
	b = b[:n+len(s)]
	tail := b[n:]
	for i := range len(tail) {
		c := s[i]
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		tail[i] = c
	}
	return b
}

func appendLowerCollapsed(b []byte, s string) []byte {
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isSpace(c) {
			space = true
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	if space {
		b = append(b, ' ')
	}
	return b
}

// scanNumber reads a numeric literal at q[i]: decimal, exponent, 0x/0b.
// A run that turns out to be an identifier (MySQL allows 1abc) is not a
// number.
func scanNumber(q string, i int) (int, bool) {
	j := i
	if q[j] == '0' && j+1 < len(q) && (q[j+1] == 'x' || q[j+1] == 'b') {
		k := j + 2
		for k < len(q) && (isDigit(q[k]) || q[k] >= 'a' && q[k] <= 'f' || q[k] >= 'A' && q[k] <= 'F') {
			k++
		}
		if k > j+2 && (k == len(q) || !isWordByte(q[k])) {
			return k, true
		}
	}
	for j < len(q) && isDigit(q[j]) {
		j++
	}
	if j < len(q) && q[j] == '.' {
		j++
		for j < len(q) && isDigit(q[j]) {
			j++
		}
	}
	if j < len(q) && (q[j] == 'e' || q[j] == 'E') {
		k := j + 1
		if k < len(q) && (q[k] == '+' || q[k] == '-') {
			k++
		}
		if k < len(q) && isDigit(q[k]) {
			for k < len(q) && isDigit(q[k]) {
				k++
			}
			j = k
		}
	}
	if j < len(q) && (isWordByte(q[j])) {
		// 1abc, 2col: an identifier that starts with digits.
		for j < len(q) && (isWordByte(q[j]) || isDigit(q[j])) {
			j++
		}
		return j, false
	}
	return j, true
}

// dropLiteralPrefix removes a literal's introducer just written: X'..',
// B'..', N'..' and _charset'..'.
func dropLiteralPrefix(b []byte) []byte {
	n := len(b)
	k := n
	for k > 0 && (isWordByte(b[k-1]) || isDigit(b[k-1])) {
		k--
	}
	if k == n || (k > 0 && (b[k-1] == '`' || b[k-1] == '.')) {
		return b
	}
	w := string(b[k:n])
	if w == "x" || w == "b" || w == "n" || (w[0] == '_' && len(w) > 1) {
		return b[:k]
	}
	return b
}

// dropUnarySign folds a sign written just before a number into it when the
// sign is unary (after an operator, a comma, an opening parenthesis or a
// keyword), as in "x = -1" or "VALUES (-2)"; a binary minus stays.
func dropUnarySign(b []byte) []byte {
	n := len(b)
	if n > 1 && b[n-1] == ' ' && (b[n-2] == '-' || b[n-2] == '+') {
		n-- // "- 3": the space is dropped with the sign
	}
	if n == 0 || (b[n-1] != '-' && b[n-1] != '+') {
		return b
	}
	k := n - 1
	for k > 0 && b[k-1] == ' ' {
		k--
	}
	if k == 0 {
		return b[:n-1]
	}
	p := b[k-1]
	if p == '-' || p == '+' {
		// "a - - 1" and "x = +-1": the sign before ours decides.
		return b[:n-1]
	}
	if strings.IndexByte("=<>(,*/%+-!&|^~:", p) >= 0 {
		return b[:n-1]
	}
	w := k
	for w > 0 && isWordByte(b[w-1]) {
		w--
	}
	if w < k {
		switch string(b[w:k]) {
		case "select", "where", "and", "or", "not", "when", "then", "else", "in", "values", "value", "like",
			"between", "by", "limit", "offset", "set", "is", "case", "return", "xor", "on", "having", "interval", "div", "mod":
			return b[:n-1]
		}
	}
	return b
}

func trimSpaceRight(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == ' ' {
		return b[:len(b)-1]
	}
	return b
}

// collapsedUnionLen rewrites fp in place as "select ? /*repeat union
// all*/" when it is a chain of identical SELECT branches, and returns the
// new length (0 when it is not such a chain). The result is never longer
// than the chain of at least two branches it replaces.
func collapsedUnionLen(fp []byte) int {
	const sel = "select "
	if len(fp) < len(sel) || string(fp[:len(sel)]) != sel {
		return 0
	}
	first := -1
	sep := ""
	rest := fp
	branches := 0
	var branch []byte
	for {
		k := bytes.Index(rest, []byte(" union "))
		var part []byte
		if k < 0 {
			part = rest
		} else {
			part = rest[:k]
		}
		if branches == 0 {
			branch = part
			first = len(part)
		} else if !bytes.Equal(part, branch) {
			return 0
		}
		branches++
		if k < 0 {
			break
		}
		rest = rest[k+len(" union "):]
		sep = " union"
		if bytes.HasPrefix(rest, []byte("all ")) {
			rest = rest[len("all "):]
			sep = " union all"
		}
	}
	if branches < 2 {
		return 0
	}
	n := copy(fp[first:], " /*repeat"+sep+"*/")
	return first + n
}
