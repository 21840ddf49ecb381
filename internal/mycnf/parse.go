package mycnf

import (
	"fmt"
	"io"
	"strings"
)

// maxFileSize bounds what one option file may hold, so that pointing the
// reader at a device or a huge file fails instead of exhausting memory.
const maxFileSize = 16 << 20

// space is the set of characters the servers treat as white space (C
// isspace in the latin1 character set, ASCII part).
const space = " \t\n\v\f\r"

// directive is an !include or !includedir line.
type directive int

const (
	includeFile directive = iota
	includeDir
)

// includeFunc is called for each directive with its argument, the rest of
// the line with surrounding white space removed. A nil includeFunc skips
// directives after checking their syntax.
type includeFunc func(d directive, arg string) error

// Parse reads one option file from r; name is used in Option.File and in
// errors. !include and !includedir lines are checked but not followed; use
// ReadFile for that.
func Parse(r io.Reader, name string) (*Options, error) {
	data, err := readAllLimited(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	o := &Options{}
	if err := o.parse(data, name, nil); err != nil {
		return nil, err
	}
	return o, nil
}

func readAllLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	return data, nil
}

// parse appends the options of data to o, following the line rules of
// MySQL's mysys/my_default.cc (search_default_file_with_ext), which MariaDB
// shares. Each file starts without a group: as in the servers, an included
// file must open its own group, and the including file's group goes on
// after the include.
func (o *Options) parse(data []byte, name string, include includeFunc) error {
	group := ""
	lineNo := 0
	for raw := range strings.Lines(string(data)) {
		lineNo++
		fail := func(msg string) error { return &Error{File: name, Line: lineNo, Msg: msg} }
		if lineNo == 1 {
			// Editors on Windows start files with a byte-order mark.
			raw = strings.TrimPrefix(raw, "\uFEFF")
		}
		if strings.IndexByte(raw, 0) >= 0 {
			return fail("line contains a NUL byte")
		}
		line := strings.TrimLeft(raw, space)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		switch line[0] {
		case '!':
			d, arg, msg := parseDirective(line[1:])
			if msg != "" {
				return fail(msg)
			}
			if include == nil {
				continue
			}
			if err := include(d, arg); err != nil {
				return &Error{File: name, Line: lineNo, Msg: directiveName(d) + " " + arg, Err: err}
			}
			continue
		case '[':
			g, msg := parseGroupHeader(line)
			if msg != "" {
				return fail(msg)
			}
			group = g
			o.addGroup(g)
			continue
		}
		if group == "" {
			return fail("option before any [group] header")
		}
		op, msg := parseOption(line)
		if msg != "" {
			return fail(msg)
		}
		op.Group, op.File, op.Line = group, name, lineNo
		o.opts = append(o.opts, op)
	}
	return nil
}

func directiveName(d directive) string {
	if d == includeDir {
		return "!includedir"
	}
	return "!include"
}

// parseDirective parses what follows '!'. The argument is the rest of the
// line: the servers allow no comment after a path, so neither do we.
func parseDirective(s string) (d directive, arg string, msg string) {
	s = strings.TrimLeft(s, space)
	word := s
	if i := strings.IndexAny(s, space); i >= 0 {
		word = s[:i]
	}
	switch word {
	case "includedir":
		d = includeDir
	case "include":
		d = includeFile
	default:
		return 0, "", "unknown directive (want !include or !includedir)"
	}
	arg = strings.Trim(s[len(word):], space)
	if arg == "" {
		return 0, "", directiveName(d) + " without a path"
	}
	return d, arg, ""
}

// parseGroupHeader parses "[name]" with optional white space inside the
// brackets and an optional comment after them.
func parseGroupHeader(line string) (string, string) {
	end := strings.IndexByte(line, ']')
	if end < 0 {
		return "", "group header without closing ']'"
	}
	name := strings.Trim(line[1:end], space)
	if name == "" {
		return "", "empty group name"
	}
	rest := strings.Trim(line[end+1:], space)
	if rest != "" && rest[0] != '#' && rest[0] != ';' {
		return "", "unexpected text after group header"
	}
	return strings.ToLower(name), ""
}

// parseOption parses "key", "key=value" or "key = value" (leading white
// space already removed). The messages it returns never quote the line.
func parseOption(line string) (Option, string) {
	line = removeEndComment(line)
	keyPart, valuePart, hasValue := strings.Cut(line, "=")
	key, msg := normaliseKey(strings.TrimRight(keyPart, space))
	if msg != "" {
		return Option{}, msg
	}
	op := Option{Key: key, HasValue: hasValue}
	if hasValue {
		op.Value = unescape(unquote(strings.Trim(valuePart, space)))
	}
	return op, ""
}

// removeEndComment cuts the line at the first '#' that is not inside
// quotes. As in the servers, quotes are tracked across the whole line and
// a backslash escapes a quote only inside quotes.
func removeEndComment(s string) string {
	var quote byte
	escaped := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == '\'' || c == '"') && !escaped {
			switch quote {
			case 0:
				quote = c
			case c:
				quote = 0
			}
		}
		if quote == 0 && c == '#' {
			return s[:i]
		}
		escaped = quote != 0 && c == '\\' && !escaped
	}
	return s
}

// unquote removes one pair of matching quotes around v. As in the servers,
// a value that only starts with a quote keeps it.
func unquote(v string) string {
	if len(v) > 1 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// unescape applies the escapes \b \t \n \r \\ \s \" \'. A backslash before
// any other character, or at the very end, is kept as it is, so Windows
// paths like C:\data survive.
func unescape(v string) string {
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i == len(v)-1 {
			b.WriteByte(c)
			continue
		}
		i++
		switch v[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 's':
			b.WriteByte(' ')
		case '"', '\'', '\\':
			b.WriteByte(v[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// normaliseKey lower-cases key, turns '_' into '-' and strips "loose-".
// Option names are letters, digits, '-' and '.' (component and
// multi-source replication options such as validate_password.length);
// anything else is reported as an invalid name.
func normaliseKey(key string) (string, string) {
	if key == "" {
		return "", "option without a name"
	}
	k := strings.ReplaceAll(strings.ToLower(key), "_", "-")
	k = strings.TrimPrefix(k, "loose-")
	if k == "" {
		return "", "option without a name after loose- prefix"
	}
	if c := k[0]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
		return "", "invalid option name (must start with a letter or digit)"
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "", "invalid option name (letters, digits, '-', '_' and '.' only)"
		}
	}
	return k, ""
}
