package ai

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"regexp"
	"strings"
)

// Text that comes from the database — table and column comments, names,
// statements of other sessions, digest text, variable descriptions, data —
// is untrusted: anyone who can write a comment could write "ignore your
// instructions". It goes into a prompt only inside a fence the system
// instructions describe as data, never as instructions.

const (
	fenceOpen  = "<untrusted-data"
	fenceClose = "</untrusted-data"
)

// Fence wraps untrusted text in a labelled block. The block's id is a hash
// of its content, so the text cannot close its own fence early (it would
// have to contain its own hash); any fence markers inside are defused as
// well.
func Fence(kind, text string) string {
	text = defuse(text)
	sum := sha256.Sum256([]byte(kind + "\x00" + text))
	id := hex.EncodeToString(sum[:6])
	var b strings.Builder
	b.Grow(len(text) + 96)
	b.WriteString(fenceOpen + ` kind="` + fenceKind(kind) + `" id="` + id + "\">\n")
	b.WriteString(strings.TrimRight(text, "\n"))
	b.WriteString("\n" + fenceClose + ` id="` + id + "\">")
	return b.String()
}

// fenceMarker matches the fence tags in any case and spacing.
var fenceMarker = regexp.MustCompile(`(?i)<\s*/?\s*untrusted[-_ ]?data`)

// defuse breaks anything in the text that looks like a fence tag.
func defuse(text string) string {
	return fenceMarker.ReplaceAllStringFunc(text, func(m string) string {
		return strings.ReplaceAll(strings.ReplaceAll(m, "<", "‹"), "-", "‐")
	})
}

// fenceKind keeps the label to letters, digits and dashes.
func fenceKind(k string) string {
	var b strings.Builder
	for _, r := range k {
		if r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "data"
	}
	return b.String()
}

// Redactor removes what must not leave the machine from text that is
// about to: the connection's host names and addresses, IP addresses in
// general, and values of variables that hold secrets or host names.
type Redactor struct {
	words []string
}

// NewRedactor redacts the given words (host names, addresses, socket
// paths of the connection) wherever they appear, case-insensitively.
// Words shorter than 3 characters are ignored: they would mangle text.
func NewRedactor(words ...string) Redactor {
	var r Redactor
	for _, w := range words {
		w = strings.TrimSpace(w)
		if len(w) >= 3 && !strings.EqualFold(w, "localhost") {
			r.words = append(r.words, w)
		}
	}
	longestFirst(r.words)
	return r
}

var (
	ipv4 = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	// ipv6Candidate finds runs of hex digits and colons; net.ParseIP
	// decides which are addresses (so 10:30:00 is not).
	ipv6Candidate = regexp.MustCompile(`[0-9A-Fa-f]*:[0-9A-Fa-f:]*:[0-9A-Fa-f]*`)
	// userAtHost is 'user'@'host' or user@host as accounts are written.
	userAtHost = regexp.MustCompile(`('[^'\s]*'|` + "`[^`\\s]*`" + `|[A-Za-z0-9_.$-]+)@('[^'\s]*'|` + "`[^`\\s]*`" + `|[A-Za-z0-9_.%-]*[A-Za-z0-9_%])`)
)

// Text redacts s.
func (r Redactor) Text(s string) string {
	for _, w := range r.words {
		s = replaceFold(s, w, "[host]")
	}
	s = userAtHost.ReplaceAllStringFunc(s, func(m string) string {
		user, _, _ := strings.Cut(m, "@")
		if user == "" || strings.HasPrefix(m, "@") {
			return m
		}
		return user + "@[host]"
	})
	s = ipv4.ReplaceAllString(s, "[ip]")
	return ipv6Candidate.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Count(m, ":") >= 2 && net.ParseIP(m) != nil {
			return "[ip]"
		}
		return m
	})
}

// replaceFold replaces every case-insensitive occurrence of old.
func replaceFold(s, old, repl string) string {
	lower, lo := strings.ToLower(s), strings.ToLower(old)
	if !strings.Contains(lower, lo) || len(lower) != len(s) {
		if len(lower) != len(s) {
			// Case folding changed byte lengths (rare scripts): fall back
			// to an exact match.
			return strings.ReplaceAll(s, old, repl)
		}
		return s
	}
	var b strings.Builder
	i := 0
	for {
		k := strings.Index(lower[i:], lo)
		if k < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		b.WriteString(s[i : i+k])
		b.WriteString(repl)
		i += k + len(lo)
	}
}

// SecretVariable reports whether a server variable's value must never be
// sent: it holds a password, a key or an authentication string.
func SecretVariable(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"password", "passwd", "secret", "_auth", "auth_", "token", "credential"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return strings.HasSuffix(n, "_key") || strings.HasSuffix(n, "_key_id") || strings.HasPrefix(n, "ssl_") && strings.Contains(n, "key")
}

// HostVariable reports whether a server variable's value names a host, an
// address or a path that says where the server runs.
func HostVariable(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "hostname", "report_host", "report_user", "report_port", "bind_address", "admin_address", "socket", "mysqlx_socket", "mysqlx_bind_address", "server_uuid":
		return true
	}
	return strings.HasSuffix(n, "_address") || strings.HasSuffix(n, "_host") || strings.HasSuffix(n, "_hosts") || strings.Contains(n, "wsrep_node") || strings.Contains(n, "wsrep_cluster_address")
}

// VariableValue is the value of a variable as it may be sent.
func (r Redactor) VariableValue(name, value string) string {
	switch {
	case SecretVariable(name):
		return "[redacted: secret]"
	case HostVariable(name):
		return "[redacted: host]"
	}
	return r.Text(value)
}
