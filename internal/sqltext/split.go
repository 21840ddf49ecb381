package sqltext

import (
	"strings"
	"unicode"
)

// Statement is one statement of a script, without its delimiter.
type Statement struct {
	Text string
	// Line is the 1-based line where the statement starts.
	Line int
}

// Split cuts a script into statements the way the mysql client does: at the
// current delimiter (";" until a DELIMITER command changes it), never inside
// quotes, backticks or comments. DELIMITER lines are client commands and
// are consumed here. Empty statements are dropped.
func Split(script string) []Statement {
	var out []Statement
	delim := ";"
	start, line, startLine := 0, 1, 1
	atLineStart := true
	emit := func(end int) {
		text := strings.TrimSpace(script[start:end])
		if text != "" && !onlyComments(text) {
			out = append(out, Statement{Text: text, Line: startLine})
		}
	}
	i := 0
	for i < len(script) {
		c := script[i]
		if atLineStart {
			if d, next, ok := delimiterCommand(script[i:]); ok {
				emit(i)
				delim = d
				i += next
				start = i
				startLine = line + 1
				line++
				continue
			}
		}
		atLineStart = false
		switch {
		case c == '\n':
			line++
			i++
			atLineStart = true
			if strings.TrimSpace(script[start:i]) == "" {
				startLine = line
			}
			continue
		case c == '\'' || c == '"' || c == '`':
			j := skipQuoted(script, i)
			line += strings.Count(script[i:j], "\n")
			i = j
			continue
		case c == '#' || (c == '-' && strings.HasPrefix(script[i:], "--") && (i+2 == len(script) || isSpace(script[i+2]))):
			j := strings.IndexByte(script[i:], '\n')
			if j < 0 {
				i = len(script)
			} else {
				i += j
			}
			continue
		case c == '/' && strings.HasPrefix(script[i:], "/*"):
			j := strings.Index(script[i+2:], "*/")
			end := len(script)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			line += strings.Count(script[i:end], "\n")
			i = end
			continue
		}
		if strings.HasPrefix(script[i:], delim) {
			emit(i)
			i += len(delim)
			start = i
			startLine = line
			continue
		}
		i++
	}
	emit(len(script))
	return out
}

// delimiterCommand recognises "DELIMITER x" at the start of a line
// (leading blanks allowed) and returns the new delimiter and the length of
// the line including its newline.
func delimiterCommand(s string) (string, int, bool) {
	trimmed := strings.TrimLeft(s, " \t")
	if len(trimmed) < 10 || !strings.EqualFold(trimmed[:9], "delimiter") || !isSpace(trimmed[9]) {
		return "", 0, false
	}
	end := strings.IndexByte(s, '\n')
	lineLen := len(s)
	if end >= 0 {
		lineLen = end + 1
	} else {
		end = len(s)
	}
	rest := strings.TrimSpace(s[len(s)-len(trimmed)+9 : end])
	if rest == "" {
		return "", 0, false
	}
	if f := strings.Fields(rest); len(f) > 0 {
		rest = f[0]
	}
	return rest, lineLen, true
}

// skipQuoted returns the index after the quoted token starting at i,
// honouring doubled quotes and (outside backticks) backslash escapes. It
// jumps from quote to quote (IndexByte is vectorised) and looks back at the
// backslashes only there.
func skipQuoted(s string, i int) int {
	q := s[i]
	j := i + 1
	for {
		k := strings.IndexByte(s[j:], q)
		if k < 0 {
			return len(s)
		}
		pos := j + k
		if q != '`' {
			bs := 0
			for p := pos - 1; p > i && s[p] == '\\'; p-- {
				bs++
			}
			if bs%2 == 1 {
				j = pos + 1
				continue
			}
		}
		if pos+1 < len(s) && s[pos+1] == q {
			j = pos + 2
			continue
		}
		return pos + 1
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// onlyComments reports whether text holds nothing but comments and space.
func onlyComments(text string) bool {
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case c == '#' || strings.HasPrefix(text[i:], "-- ") || text[i:] == "--" || strings.HasPrefix(text[i:], "--\t") || strings.HasPrefix(text[i:], "--\n"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				return true
			}
			i += j
		case strings.HasPrefix(text[i:], "/*") && !strings.HasPrefix(text[i:], "/*!") && !strings.HasPrefix(text[i:], "/*M!"):
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return true
			}
			i += j + 4
		default:
			return false
		}
	}
	return true
}
