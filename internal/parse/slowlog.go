package parse

import (
	"bytes"
	"math/bits"
	"time"
)

// SlowEvent is one statement of a slow query log. Its byte slices point into
// the buffer given to Parse and are valid only until the callback returns:
// callers copy what they keep. That keeps parsing free of allocations.
type SlowEvent struct {
	// Offset is the byte offset of the event's first line in its stream
	// (the decompressed stream for .gz files), as pt-query-digest's "at
	// byte N".
	Offset int64
	// Query is the statement as logged, without the trailing ";". For an
	// administrator command it is "administrator command: Quit", the text
	// pt-query-digest groups them by.
	Query []byte
	// Admin is set for "# administrator command:" events.
	Admin bool
	// DB is the default database: MariaDB's and Percona's "Schema:", else
	// the event's own "use db;" line, unquoted. MySQL writes "use" only when
	// the database changes, so an event may name none; SlowInherit fills it
	// in from the events before.
	DB []byte
	// DBLogged is set when the event itself said which database was
	// current, even none (MariaDB's empty "Schema:"), so nothing is
	// inherited.
	DBLogged bool
	// User and Host come from "# User@Host: user[user] @ host [ip]"; Host
	// is the IP when the server logged no name (skip-name-resolve).
	User, Host []byte
	// ThreadID is MariaDB's and Percona's Thread_id or MySQL's "Id:".
	ThreadID uint64
	// Time is when the statement ran: its "SET timestamp=" (the server's
	// start time for the statement, unambiguous epoch seconds) if present,
	// else its "# Time:" line. Zero when the event has neither: MariaDB
	// and MySQL before 5.7 write "# Time:" only when the second changes.
	Time time.Time
	// Explain holds MariaDB's "# explain:" lines (log_slow_verbosity=explain)
	// as logged; see ExplainText.
	Explain []byte

	has    uint64
	values [NumSlowAttrs]float64
}

// Value returns a numeric attribute and whether the event logged it.
func (e *SlowEvent) Value(a SlowAttr) (float64, bool) {
	if a >= NumSlowAttrs || e.has&(1<<a) == 0 {
		return 0, false
	}
	return e.values[a], true
}

// Has reports whether the event logged attribute a.
func (e *SlowEvent) Has(a SlowAttr) bool { return a < NumSlowAttrs && e.has&(1<<a) != 0 }

// Set stores an attribute (for callers building events).
func (e *SlowEvent) Set(a SlowAttr, v float64) {
	if a < NumSlowAttrs {
		e.values[a] = v
		e.has |= 1 << a
	}
}

// Attrs calls fn for each attribute the event logged, in attribute order.
func (e *SlowEvent) Attrs(fn func(SlowAttr, float64)) {
	for m := e.has; m != 0; m &= m - 1 {
		a := SlowAttr(bits.TrailingZeros64(m))
		fn(a, e.values[a])
	}
}

// AttrMask is the set of attributes the event logged, one bit per SlowAttr.
func (e *SlowEvent) AttrMask() uint64 { return e.has }

// ExplainText is the event's EXPLAIN as tab-separated lines without the
// "# explain: " prefixes; empty when the log has none.
func (e *SlowEvent) ExplainText() string {
	if len(e.Explain) == 0 {
		return ""
	}
	var b []byte
	for line := range bytes.SplitSeq(e.Explain, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		rest, ok := bytes.CutPrefix(line, []byte("# explain: "))
		if !ok {
			continue
		}
		if len(b) > 0 {
			b = append(b, '\n')
		}
		b = append(b, rest...)
	}
	return string(b)
}

// SlowLogStats counts what parsing saw besides events.
type SlowLogStats struct {
	// Events is the number of events passed to the callback.
	Events int64 `json:"events"`
	// SkippedLines are lines that belong to no event: text before the
	// first header, lines with NUL bytes (binary garbage, or the zeroed
	// blocks a crash leaves in a file) and whatever follows them up to the
	// next event. SkippedBytes is their size, line ends included.
	SkippedLines int64 `json:"skipped_lines"`
	SkippedBytes int64 `json:"skipped_bytes"`
	// Incomplete counts events with headers but no statement: cut off by
	// a truncated file, garbage or a server restart.
	Incomplete int64 `json:"incomplete_events"`
}

// Add adds o to s.
func (s *SlowLogStats) Add(o SlowLogStats) {
	s.Events += o.Events
	s.SkippedLines += o.SkippedLines
	s.SkippedBytes += o.SkippedBytes
	s.Incomplete += o.Incomplete
}

// Parser states.
const (
	slowStNone   = iota // between events
	slowStHeader        // in an event's header lines
	slowStQuery         // in an event's statement
)

// Header lines seen in the current event.
const (
	slowSeenTime = 1 << iota
	slowSeenUser
	slowSeenAttr
	slowSeenUse
	slowSeenSet
)

// SlowLogParser parses slow query log text. The zero value is ready; one
// parser must not be used by two goroutines at once.
//
// Events are delimited as pt-query-digest delimits them, so both tools see
// the same events: an event starts at a "# Time:" or "# User@Host:" line
// (a statement ends at a line ending in ";" followed by one of these), its
// header lines are the "#" lines, "use db;" and "SET timestamp=...;", and
// its statement runs from the first other line to the next event. Where
// pt-query-digest 3.2 misreads a log, the parser does not, and
// docs/digest.md lists each case:
//   - only a "# Time:" line holding a valid time, or a "# User@Host: u[u] @"
//     line, starts an event, so a statement whose string or comment holds
//     a line starting with "#" after a line ending in ";" stays one;
//   - MariaDB's start-up banner ("mariadbd, Version: ...") ends the
//     statement before it instead of joining the next event to it;
//   - a second "use" or "SET" line after the headers' own is the statement;
//   - a database name holding a line break is read across both lines.
type SlowLogParser struct {
	// Location is the time zone of "# Time:" lines that carry none
	// ("241126 10:14:59", the MariaDB and old MySQL format). Nil means UTC.
	Location *time.Location
	// Stats accumulates over every Parse call.
	Stats SlowLogStats

	ev       SlowEvent
	state    int
	seen     int
	prevSemi bool // the previous line ended with ";"
	// The statement and EXPLAIN lines are ranges of the buffer.
	qStart, qEnd int
	xStart, xEnd int
	lineTime     time.Time
	setTime      time.Time
	// MySQL, Percona and MariaDB write a database name holding a line
	// break as is (MySQL bug #115526): useStart is where an unfinished
	// "use" name starts, schemaStart an unfinished "Schema:" value (-1:
	// none).
	useStart, schemaStart int
	dbFromUse             bool
}

// Parse parses buf, a whole number of events whose first byte is at offset
// base of its stream, and calls fn for each event. A SlowLogChunker cuts a
// stream into such buffers; parsing them one by one, in any order or in
// parallel with one parser each, gives the same events as one pass over
// the whole stream. The last event in buf ends at its end.
func (p *SlowLogParser) Parse(buf []byte, base int64, fn func(*SlowEvent)) {
	p.state = slowStNone
	p.prevSemi = false
	pos := 0
	for pos < len(buf) {
		end := len(buf)
		next := end
		if nl := bytes.IndexByte(buf[pos:], '\n'); nl >= 0 {
			end = pos + nl
			next = end + 1
		}
		lineEnd := end
		if lineEnd > pos && buf[lineEnd-1] == '\r' {
			lineEnd--
		}
		line := buf[pos:lineEnd]
		p.line(buf, line, pos, end, next-pos, base, fn)
		p.prevSemi = len(line) > 0 && line[len(line)-1] == ';'
		pos = next
	}
	p.finish(buf, fn)
}

// line handles one line: buf[pos:end] without its "\n" (line also without
// a trailing "\r"); size counts the "\n".
func (p *SlowLogParser) line(buf, line []byte, pos, end, size int, base int64, fn func(*SlowEvent)) {
	if bytes.IndexByte(line, 0) >= 0 {
		// Binary garbage: whatever event it interrupts ends here, and
		// lines are skipped until the next event header.
		p.finish(buf, fn)
		p.skip(size)
		return
	}
	if p.state == slowStQuery {
		if len(line) > 0 && line[0] == '#' && p.prevSemi && slowEventStart(line) {
			p.finish(buf, fn)
			p.start(pos, base)
			p.header(buf, line, pos, end)
			return
		}
		if p.prevSemi && slowBanner(line) {
			p.finish(buf, fn)
			return
		}
		p.qEnd = end
		return
	}
	if slowBanner(line) {
		p.finish(buf, fn)
		return
	}
	if len(line) > 0 && line[0] == '#' {
		if slowEventStart(line) {
			if p.state == slowStNone || p.prevSemi || p.startsAnother(line) {
				p.finish(buf, fn)
				p.start(pos, base)
			}
			p.header(buf, line, pos, end)
			return
		}
		if p.state == slowStNone {
			// Only "# Time:" and "# User@Host:" open an event, so a
			// stretch of lines outside events reads the same however a
			// chunker cuts it.
			p.skip(size)
			return
		}
		p.header(buf, line, pos, end)
		return
	}
	if p.state == slowStNone {
		p.skip(size)
		return
	}
	// slowStHeader: the rest of a database name with a line break, then
	// "use db;" and "SET timestamp=...;" (headers the first time); anything
	// else starts the statement.
	if p.continueName(buf, line, pos) {
		return
	}
	if p.seen&slowSeenSet == 0 {
		if rest, ok := bytes.CutPrefix(line, []byte("use ")); ok && p.seen&slowSeenUse == 0 {
			p.seen |= slowSeenUse
			if !bytes.HasSuffix(rest, []byte(";")) {
				p.useStart = pos + len("use ")
			}
			p.setUseDB(rest)
			return
		}
		if rest, ok := bytes.CutPrefix(line, []byte("SET ")); ok && slowSetHeader(rest) {
			p.seen |= slowSeenSet
			p.setHeader(rest)
			return
		}
	}
	p.state = slowStQuery
	p.qStart, p.qEnd = pos, end
}

// continueName handles the second line of a database name that holds a
// line break: "jfg;" after "use test", or "jfg  QC_hit: No" after
// "# Thread_id: 5  Schema: test".
func (p *SlowLogParser) continueName(buf, line []byte, pos int) bool {
	useStart, schemaStart := p.useStart, p.schemaStart
	p.useStart, p.schemaStart = -1, -1
	switch {
	case useStart >= 0 && bytes.HasSuffix(line, []byte(";")):
		if p.dbFromUse {
			p.ev.DB = slowUnquoteDB(bytes.TrimSuffix(bytes.TrimSpace(buf[useStart:pos+len(line)]), []byte(";")))
		}
		return true
	case schemaStart >= 0:
		for _, key := range []string{"  QC_hit: ", "  Last_errno: "} {
			if k := bytes.Index(line, []byte(key)); k >= 0 {
				p.ev.DB = buf[schemaStart : pos+k]
				p.attrs(line[k:], pos+k)
				p.schemaStart = -1
				return true
			}
		}
	}
	return false
}

// setUseDB takes the database from "use name;" unless a "Schema:" header
// named it already.
func (p *SlowLogParser) setUseDB(name []byte) {
	p.dbFromUse = !p.ev.DBLogged || len(p.ev.DB) == 0
	if p.dbFromUse {
		p.ev.DB = slowUnquoteDB(bytes.TrimSuffix(bytes.TrimSpace(name), []byte(";")))
	}
	p.ev.DBLogged = true
}

// startsAnother reports whether an event-start line in the header of the
// current event belongs to the next event: a second "# Time:", or a
// "# User@Host:" after the current event's own or after its metrics.
func (p *SlowLogParser) startsAnother(line []byte) bool {
	if slowHasPrefix(line, "# Time:") {
		return p.seen != 0
	}
	return p.seen&^slowSeenTime != 0
}

func (p *SlowLogParser) skip(size int) {
	p.Stats.SkippedLines++
	p.Stats.SkippedBytes += int64(size)
}

// start begins a new event at buf[pos].
func (p *SlowLogParser) start(pos int, base int64) {
	p.ev = SlowEvent{Offset: base + int64(pos)}
	p.state = slowStHeader
	p.seen = 0
	p.qStart, p.qEnd = -1, -1
	p.xStart, p.xEnd = -1, -1
	p.lineTime = time.Time{}
	p.setTime = time.Time{}
	p.useStart, p.schemaStart = -1, -1
}

// finish emits the current event, if any.
func (p *SlowLogParser) finish(buf []byte, fn func(*SlowEvent)) {
	state := p.state
	p.state = slowStNone
	switch state {
	case slowStNone:
		return
	case slowStHeader:
		p.Stats.Incomplete++
		return
	}
	q := buf[p.qStart:p.qEnd]
	if !p.ev.Admin {
		q = slowTrimStatement(q)
	}
	if len(q) == 0 {
		p.Stats.Incomplete++
		return
	}
	p.ev.Query = q
	if p.xStart >= 0 {
		p.ev.Explain = buf[p.xStart:p.xEnd]
	}
	switch {
	case !p.setTime.IsZero():
		p.ev.Time = p.setTime
	case !p.lineTime.IsZero():
		p.ev.Time = p.lineTime
	}
	p.Stats.Events++
	fn(&p.ev)
}

// header handles a line starting with "#" inside an event.
func (p *SlowLogParser) header(buf, line []byte, pos, end int) {
	p.useStart, p.schemaStart = -1, -1
	switch {
	case slowHasPrefix(line, "# Time:"):
		p.seen |= slowSeenTime
		rest := bytes.TrimLeft(line[len("# Time:"):], " ")
		t, n := parseSlowTime(rest, p.Location)
		if n > 0 {
			p.lineTime = t
		}
		// Old Percona builds put User@Host on the Time line.
		if i := bytes.Index(rest, []byte("# User@Host:")); i >= 0 {
			p.seen |= slowSeenUser
			p.userHost(rest[i+len("# User@Host:"):])
		}
	case slowHasPrefix(line, "# User@Host:"):
		p.seen |= slowSeenUser
		p.userHost(line[len("# User@Host:"):])
	case slowHasPrefix(line, "# administrator command:"):
		// The command is the event's statement ("Quit", "Prepare"), and
		// pt-query-digest keeps the text after "# " as is.
		p.state = slowStQuery
		p.ev.Admin = true
		t := bytes.TrimSuffix(line[2:], []byte(";"))
		p.qStart = pos + 2
		p.qEnd = pos + 2 + len(t)
	case slowHasPrefix(line, "# explain:"):
		if p.xStart < 0 {
			p.xStart = pos
		}
		p.xEnd = end
	default:
		if slowAttrLine(line) {
			p.seen |= slowSeenAttr
			p.attrs(line[1:], pos+1)
		}
		// Other "#" lines ("#", "# No InnoDB statistics available for
		// this query") carry nothing.
	}
}

// attrs parses "Key: value" pairs, as MySQL ("Query_time: 1.2  Lock_time:
// 0.1 Rows_sent: 1"), MariaDB ("Thread_id: 9  Schema: shop  QC_hit: No")
// and Percona ("  InnoDB_IO_r_ops: 0") write them; s starts at offset off
// of the buffer.
func (p *SlowLogParser) attrs(s []byte, off int) {
	i := 0
	for i < len(s) {
		c := bytes.IndexByte(s[i:], ':')
		if c < 0 {
			return
		}
		c += i
		k := c
		for k > i && slowKeyByte(s[k-1]) {
			k--
		}
		key := s[k:c]
		v := c + 1
		for v < len(s) && s[v] == ' ' {
			v++
		}
		if len(key) == 0 {
			i = c + 1
			continue
		}
		// A value that is itself "Key:" means this key's value is empty
		// (MariaDB's "Schema:   QC_hit: No" outside a database).
		vEnd := v
		for vEnd < len(s) && s[vEnd] != ' ' {
			vEnd++
		}
		val := s[v:vEnd]
		if slowKeyToken(val) {
			val, vEnd = nil, v
		}
		switch string(key) {
		case "Schema", "Db":
			// Database names may hold spaces: the value runs to the
			// next " Key:".
			if len(val) > 0 {
				vEnd = slowNextKey(s, v)
				val = bytes.TrimRight(s[v:vEnd], " ")
				if vEnd == len(s) {
					// Last on its line: the name may go on on
					// the next one (see continueName).
					p.schemaStart = off + v
				}
			}
			if len(val) > 0 {
				p.ev.DB = val
			}
			p.ev.DBLogged = true
		case "Thread_id", "Id":
			if n, ok := slowParseUint(val); ok {
				p.ev.ThreadID = n
			}
		default:
			if a, ok := slowAttrOf(key); ok {
				if f, ok := slowAttrValue(a, val); ok {
					p.ev.Set(a, f)
				}
			}
		}
		i = vEnd
	}
}

// userHost parses "root[root] @ localhost [127.0.0.1]  Id:   3" the way
// pt-query-digest does: the user is the text before "[" or, for
// "[SQL_SLAVE] @  []", the bracketed name itself.
func (p *SlowLogParser) userHost(s []byte) {
	s = bytes.TrimLeft(s, " ")
	i := 0
	if len(s) > 0 && s[0] == '[' {
		j := bytes.IndexByte(s, ']')
		if j < 0 {
			p.ev.User = s
			return
		}
		p.ev.User = s[:j+1]
		i = j + 1
	} else {
		j := bytes.IndexByte(s, '[')
		if j < 0 {
			j = bytes.Index(s, []byte(" @ "))
			if j < 0 {
				p.ev.User = bytes.TrimSpace(s)
				return
			}
		}
		p.ev.User = bytes.TrimSpace(s[:j])
		i = j
	}
	at := bytes.Index(s[i:], []byte("@ "))
	if at < 0 {
		return
	}
	h := s[i+at+2:]
	sp := bytes.IndexByte(h, ' ')
	host := h
	rest := h[len(h):]
	if sp >= 0 {
		host, rest = h[:sp], h[sp+1:]
	}
	var ip []byte
	if lb := bytes.IndexByte(rest, '['); lb >= 0 {
		if rb := bytes.IndexByte(rest[lb:], ']'); rb >= 0 {
			ip = rest[lb+1 : lb+rb]
			rest = rest[lb+rb+1:]
		}
	}
	if len(host) > 0 {
		p.ev.Host = host
	} else {
		p.ev.Host = ip
	}
	if j := bytes.Index(rest, []byte("Id:")); j >= 0 {
		if n, ok := slowParseUint(bytes.TrimSpace(slowFirstField(rest[j+3:]))); ok {
			p.ev.ThreadID = n
		}
	}
}

// setHeader parses "timestamp=1405358212" or
// "insert_id=34484549,timestamp=1197996507" (after "SET ").
func (p *SlowLogParser) setHeader(s []byte) {
	s = bytes.TrimSuffix(bytes.TrimSpace(s), []byte(";"))
	for part := range bytes.SplitSeq(s, []byte(",")) {
		k, v, ok := bytes.Cut(part, []byte("="))
		if !ok || string(bytes.TrimSpace(k)) != "timestamp" {
			continue
		}
		if f, ok := slowParseDecimal(bytes.TrimSpace(v)); ok && f > 0 {
			sec := int64(f)
			p.setTime = time.Unix(sec, int64((f-float64(sec))*1e6)*1e3).UTC()
		}
	}
}

// slowEventStart reports whether a line opens an event: "# Time:" with a
// valid time and nothing after it but an old Percona "# User@Host:", or
// "# User@Host: user[user] @ host [ip]". Checking the whole line keeps a
// statement whose string holds ";\n# Time: ..." in one piece.
func slowEventStart(line []byte) bool {
	if rest, ok := bytes.CutPrefix(line, []byte("# Time:")); ok {
		rest = bytes.TrimLeft(rest, " ")
		_, n := scanSlowTime(rest)
		if n == 0 {
			return false
		}
		rest = bytes.TrimRight(rest[n:], " \t")
		return len(rest) == 0 || slowHasPrefix(bytes.TrimLeft(rest, " "), "# User@Host:")
	}
	if rest, ok := bytes.CutPrefix(line, []byte("# User@Host:")); ok {
		return bytes.Contains(rest, []byte("@ "))
	}
	return false
}

// slowAttrLine matches pt-query-digest's "#\s+[A-Z][A-Za-z_]+: " test for a
// line of attributes.
func slowAttrLine(line []byte) bool {
	i := 1
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i == 1 || i >= len(line) || line[i] < 'A' || line[i] > 'Z' {
		return false
	}
	for i < len(line) && slowKeyByte(line[i]) {
		i++
	}
	return i+1 < len(line) && line[i] == ':' && line[i+1] == ' '
}

// slowBanner matches the three lines a server writes when it (re)opens the
// log: "/usr/sbin/mariadbd, Version: 10.11.19-MariaDB-log (Debian 12).
// started with:", "Tcp port: 3306  Unix socket: ..." and "Time  Id Command
// Argument".
func slowBanner(line []byte) bool {
	if len(line) < 8 {
		return false
	}
	switch line[0] {
	case 'T':
		if slowHasPrefix(line, "Tcp port:") || slowHasPrefix(line, "TCP Port:") {
			return true
		}
		f := bytes.Fields(line)
		return len(f) == 4 && string(f[0]) == "Time" && string(f[1]) == "Id" && string(f[2]) == "Command" && string(f[3]) == "Argument"
	case '#', ' ':
		return false
	}
	return bytes.Contains(line, []byte(", Version: ")) &&
		(bytes.HasSuffix(line, []byte("started with:")) || bytes.Contains(line, []byte("embedded library")))
}

// slowSetHeader reports whether "SET ..." is one the server writes itself.
func slowSetHeader(rest []byte) bool {
	return slowHasPrefix(rest, "timestamp=") || slowHasPrefix(rest, "insert_id=") || slowHasPrefix(rest, "last_insert_id=")
}

// slowTrimStatement drops trailing blanks and the ";" the server appends.
func slowTrimStatement(q []byte) []byte {
	q = bytes.TrimRight(q, " \t\r\n")
	q = bytes.TrimSuffix(q, []byte(";"))
	return bytes.TrimRight(q, " \t\r\n")
}

// slowUnquoteDB undoes the backtick quoting of a database name: the outer
// backticks go and doubled ones become one.
func slowUnquoteDB(b []byte) []byte {
	if len(b) >= 2 && b[0] == '`' && b[len(b)-1] == '`' {
		b = b[1 : len(b)-1]
		if bytes.Contains(b, []byte("``")) {
			return bytes.ReplaceAll(b, []byte("``"), []byte("`"))
		}
	}
	return b
}

// slowNextKey is where the value starting at v ends: before the next
// " Key:" (or at the end of s).
func slowNextKey(s []byte, v int) int {
	for j := v; j < len(s); j++ {
		if s[j] != ':' {
			continue
		}
		k := j
		for k > v && slowKeyByte(s[k-1]) {
			k--
		}
		if k < j && k > v && s[k-1] == ' ' && s[k] >= 'A' && s[k] <= 'Z' {
			return k - 1
		}
	}
	return len(s)
}

// slowKeyToken reports whether a token is "Key:".
func slowKeyToken(t []byte) bool {
	if len(t) < 2 || t[len(t)-1] != ':' || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	for _, c := range t[:len(t)-1] {
		if !slowKeyByte(c) {
			return false
		}
	}
	return true
}

func slowKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func slowHasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

func slowFirstField(b []byte) []byte {
	b = bytes.TrimLeft(b, " ")
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i]
	}
	return b
}

// slowAttrValue reads "Yes"/"No" for booleans and decimals otherwise.
func slowAttrValue(a SlowAttr, v []byte) (float64, bool) {
	if a.IsBool() {
		switch string(v) {
		case "Yes", "yes", "1":
			return 1, true
		case "No", "no", "0":
			return 0, true
		}
		return 0, false
	}
	return slowParseDecimal(v)
}

// slowParseUint reads a decimal integer.
func slowParseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// slowParseDecimal reads "123", "0.000241" or "18446744073709550933" without
// allocating (strconv would need a string). Values the server logs have no
// sign or exponent; anything else is rejected.
func slowParseDecimal(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var ip uint64
	var f float64
	big := false
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		switch {
		case big:
			f = f*10 + float64(d)
		case ip > (1<<64-1-d)/10:
			big = true
			f = float64(ip)*10 + float64(d)
		default:
			ip = ip*10 + d
		}
	}
	if i == 0 && (i >= len(b) || b[i] != '.') {
		return 0, false
	}
	if !big {
		f = float64(ip)
	}
	if i < len(b) && b[i] == '.' {
		i++
		var frac uint64
		scale := 1.0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if scale < 1e15 {
				frac = frac*10 + uint64(b[i]-'0')
				scale *= 10
			}
		}
		f += float64(frac) / scale
	}
	return f, i == len(b)
}
