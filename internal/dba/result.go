package dba

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrRefused is a statement mydba will not run on the path it was given
// to: a write on the read-only query runner, for example. Nothing was sent
// to the server. It is also ErrInvalid: what the user asked for cannot be
// done as asked.
var ErrRefused error = refusedError{}

type refusedError struct{}

func (refusedError) Error() string { return "refused" }

// Is makes a refusal match ErrInvalid too.
func (refusedError) Is(target error) bool { return target == ErrInvalid }

// Column describes one column of a result set as the server sent it.
type Column struct {
	Name string `json:"name"`
	// Type is the server's type name as the driver reports it: "VARCHAR",
	// "DECIMAL", "UNSIGNED BIGINT", "VARBINARY", "JSON" (MySQL only: a
	// MariaDB JSON column arrives as "LONGTEXT").
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	// Precision and Scale are set for DECIMAL; Scale alone is the number
	// of fractional second digits of DATETIME, TIMESTAMP and TIME.
	Precision int64 `json:"precision,omitempty"`
	Scale     int64 `json:"scale,omitempty"`
}

// ValueKind groups server types by how their values are written outside
// the server (JSON, CSV, SQL literals, a terminal).
type ValueKind int

// Value kinds.
const (
	// KindText is character data, ENUM and SET: a string.
	KindText ValueKind = iota
	// KindInteger is an integer type no wider than 32 bits, or YEAR:
	// always exact as a JSON number.
	KindInteger
	// KindBigInteger is BIGINT: exact in SQL, but past 2^53 a JSON number
	// loses digits in most readers, so JSON carries it as a string.
	KindBigInteger
	// KindDecimal is DECIMAL: exact digits, a string in JSON.
	KindDecimal
	// KindFloat is FLOAT and DOUBLE: already binary floating point, so a
	// JSON number loses nothing.
	KindFloat
	// KindBit is BIT(n): big-endian bytes.
	KindBit
	// KindBinary is BINARY, VARBINARY, BLOB, GEOMETRY and VECTOR: bytes
	// with no character set.
	KindBinary
	// KindJSON is a MySQL JSON column: a JSON document.
	KindJSON
	// KindTemporal is DATE, DATETIME, TIMESTAMP and TIME, as the server's
	// text (zero dates and negative times included).
	KindTemporal
	// KindNull is a column whose type is NULL (SELECT NULL).
	KindNull
)

// Kind classifies the column's type.
func (c Column) Kind() ValueKind {
	switch strings.TrimPrefix(c.Type, "UNSIGNED ") {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "YEAR":
		return KindInteger
	case "BIGINT":
		return KindBigInteger
	case "DECIMAL":
		return KindDecimal
	case "FLOAT", "DOUBLE":
		return KindFloat
	case "BIT":
		return KindBit
	case "BINARY", "VARBINARY", "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB", "GEOMETRY", "VECTOR":
		return KindBinary
	case "JSON":
		return KindJSON
	case "DATE", "DATETIME", "TIMESTAMP", "TIME":
		return KindTemporal
	case "NULL":
		return KindNull
	}
	return KindText
}

// ResultSet is one result set of a statement: its columns, what was read
// and whether a cap cut it short.
type ResultSet struct {
	Columns []Column `json:"columns"`
	// Rows are the values read, nil for NULL. Only buffered results carry
	// them (exports stream rows and keep none).
	Rows [][][]byte `json:"-"`
	// RowCount is the number of rows read and kept (or exported).
	RowCount int64 `json:"row_count"`
	// Bytes is the size of those values as sent by the server.
	Bytes int64 `json:"bytes"`
	// Truncated is true only when the server had more rows than were
	// kept: reading stopped at a cap and the statement was stopped.
	Truncated bool `json:"truncated"`
	// Cap names the cap that truncated: "max_rows" or "max_bytes".
	Cap string `json:"cap,omitempty"`
}

// Caps that truncate a result set.
const (
	CapRows  = "max_rows"
	CapBytes = "max_bytes"
)

// MarshalJSON writes the result set with its rows as arrays of JSON values
// typed by AppendJSON.
func (r ResultSet) MarshalJSON() ([]byte, error) {
	type plain ResultSet
	head, err := json.Marshal(plain(r))
	if err != nil {
		return nil, err
	}
	kinds := make([]ValueKind, len(r.Columns))
	for i, c := range r.Columns {
		kinds[i] = c.Kind()
	}
	out := make([]byte, 0, len(head)+int(r.Bytes)+len(r.Rows)*(2+3*len(kinds))+16)
	out = append(out, head[:len(head)-1]...)
	out = append(out, `,"rows":[`...)
	for i, row := range r.Rows {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '[')
		for j, v := range row {
			if j > 0 {
				out = append(out, ',')
			}
			k := KindText
			if j < len(kinds) {
				k = kinds[j]
			}
			out = AppendJSON(out, k, v)
		}
		out = append(out, ']')
	}
	out = append(out, "]}"...)
	return out, nil
}

// StatementResult is what running one statement of a script gave.
type StatementResult struct {
	// Index is the statement's 1-based position in the script; Line the
	// line where it starts.
	Index int    `json:"index"`
	Line  int    `json:"line"`
	SQL   string `json:"sql"`
	// Class and Kind are the classification that let it run ("read",
	// "SELECT"; "session", "USE").
	Class      string        `json:"class"`
	Kind       string        `json:"kind"`
	Started    time.Time     `json:"started"`
	Duration   time.Duration `json:"duration_ns"`
	ResultSets []ResultSet   `json:"result_sets"`
	// RowsExamined is what the server reports it examined (from
	// performance_schema's statement history); null when the server does
	// not say (performance_schema off, not readable, or not instrumented).
	RowsExamined *int64 `json:"rows_examined"`
	// Warnings is the number of warnings and notes the statement raised
	// (@@warning_count); WarningList holds them as SHOW WARNINGS lists them
	// (at most max_error_count). A runner's own stop at a cap is not one.
	Warnings    int64     `json:"warnings"`
	WarningList []Warning `json:"warning_list,omitempty"`
	Error       string    `json:"error,omitempty"`
}

// Warning is one row of SHOW WARNINGS.
type Warning struct {
	Level   string `json:"level"`
	Code    int64  `json:"code"`
	Message string `json:"message"`
}

// Rows is the number of rows read over all result sets.
func (r StatementResult) Rows() int64 {
	var n int64
	for _, rs := range r.ResultSets {
		n += rs.RowCount
	}
	return n
}

// Truncated reports whether any result set was cut short by a cap.
func (r StatementResult) Truncated() bool {
	for _, rs := range r.ResultSets {
		if rs.Truncated {
			return true
		}
	}
	return false
}

// AppendJSON appends v, a value of kind k as the server sent it (nil is
// NULL), as a JSON value:
//
//   - integers up to 32 bits, YEAR, FLOAT and DOUBLE: numbers;
//   - BIGINT and DECIMAL: strings, so no reader rounds them through a
//     float64;
//   - BIT: a number up to 48 bits, a decimal string above;
//   - binary data: a string "0x" + upper-case hex ("" when empty);
//   - MySQL JSON columns: the document itself;
//   - everything else (text, dates and times): a string. Bytes that are
//     not UTF-8 become U+FFFD.
func AppendJSON(dst []byte, k ValueKind, v []byte) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	switch k {
	case KindInteger, KindFloat:
		if n, ok := jsonNumber(v); ok {
			return append(dst, n...)
		}
	case KindBit:
		if len(v) <= 6 {
			return strconv.AppendUint(dst, BitValue(v), 10)
		}
		dst = append(dst, '"')
		dst = strconv.AppendUint(dst, BitValue(v), 10)
		return append(dst, '"')
	case KindBinary:
		if len(v) == 0 {
			return append(dst, `""`...)
		}
		dst = append(dst, '"')
		dst = AppendHex(dst, v)
		return append(dst, '"')
	case KindJSON:
		if json.Valid(v) {
			return appendCompactJSON(dst, v)
		}
	}
	return AppendJSONString(dst, v)
}

// BitValue is the unsigned value of a BIT column's big-endian bytes (BIT
// is at most 64 bits wide).
func BitValue(v []byte) uint64 {
	var n uint64
	for _, b := range v {
		n = n<<8 | uint64(b)
	}
	return n
}

// AppendHex appends "0x" and v in upper-case hex, as the mysql client's
// --binary-as-hex shows binary data.
func AppendHex(dst, v []byte) []byte {
	const digits = "0123456789ABCDEF"
	dst = append(dst, '0', 'x')
	for _, b := range v {
		dst = append(dst, digits[b>>4], digits[b&15])
	}
	return dst
}

// appendCompactJSON copies a valid JSON document, dropping insignificant
// white space so a document stays on one line (NDJSON needs that).
func appendCompactJSON(dst, v []byte) []byte {
	inString, escaped := false, false
	for _, c := range v {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// jsonNumber returns v as a JSON number if it is one, after dropping the
// leading zeros ZEROFILL columns carry ("00042" is 42).
func jsonNumber(v []byte) ([]byte, bool) {
	if isJSONNumber(v) {
		return v, true
	}
	neg := len(v) > 0 && v[0] == '-'
	digits := v
	if neg {
		digits = v[1:]
	}
	i := 0
	for i < len(digits)-1 && digits[i] == '0' && digits[i+1] >= '0' && digits[i+1] <= '9' {
		i++
	}
	if i == 0 {
		return nil, false
	}
	out := digits[i:]
	if neg {
		out = append([]byte{'-'}, out...)
	}
	return out, isJSONNumber(out)
}

// isJSONNumber checks the RFC 8259 number grammar.
func isJSONNumber(v []byte) bool {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case i < len(v) && v[i] >= '1' && v[i] <= '9':
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(v)
}

// AppendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does; U+2028 and U+2029 are escaped so the
// output is also valid JavaScript.
func AppendJSONString(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
