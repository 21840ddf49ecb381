package export

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// Format is an export format.
type Format string

// Export formats.
const (
	CSV    Format = "csv"
	JSON   Format = "json"
	NDJSON Format = "ndjson"
	SQL    Format = "sql"
)

// Formats lists every format, for help and completion.
var Formats = []Format{CSV, JSON, NDJSON, SQL}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w: export format %q: want csv, json, ndjson or sql", dba.ErrInvalid, s)
}

// Writer writes one result set, row by row, keeping nothing.
type Writer interface {
	// Begin starts the result set with its columns.
	Begin(cols []dba.Column) error
	// Row writes one row; nil values are NULL. The values may be reused
	// by the caller once Row returns.
	Row(values [][]byte) error
	// End finishes the output (closing bracket, SQL footer) and flushes
	// it. It writes a valid empty document when Begin never ran.
	End() error
}

// Options configure New.
type Options struct {
	// Table is the table SQL INSERT statements name (required for SQL).
	Table Table
	// BatchRows and BatchBytes bound one multi-row INSERT: at most this
	// many rows, and no more bytes than this unless a single row is
	// larger. Defaults 1000 rows and 1 MiB, well under the smallest
	// max_allowed_packet servers ship with.
	BatchRows  int
	BatchBytes int
}

// Table names the target of SQL INSERT statements.
type Table struct {
	Schema string
	Name   string
}

// String is the table as written in SQL, backtick-quoted.
func (t Table) String() string {
	if t.Schema == "" {
		return string(appendIdent(nil, t.Name))
	}
	return string(appendIdent(append(appendIdent(nil, t.Schema), '.'), t.Name))
}

// New returns a writer of format f on w. The writer buffers; End flushes.
func New(f Format, w io.Writer, o Options) (Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch f {
	case CSV:
		return &csvWriter{w: bw}, nil
	case JSON:
		return &jsonWriter{w: bw}, nil
	case NDJSON:
		return &jsonWriter{w: bw, lines: true}, nil
	case SQL:
		if o.Table.Name == "" {
			return nil, fmt.Errorf("%w: an SQL export needs a table name", dba.ErrInvalid)
		}
		if o.BatchRows <= 0 {
			o.BatchRows = 1000
		}
		if o.BatchBytes <= 0 {
			o.BatchBytes = 1 << 20
		}
		return &sqlWriter{w: bw, o: o}, nil
	}
	return nil, fmt.Errorf("%w: export format %q: want csv, json, ndjson or sql", dba.ErrInvalid, f)
}

// kinds precomputes each column's value kind.
func kinds(cols []dba.Column) []dba.ValueKind {
	k := make([]dba.ValueKind, len(cols))
	for i, c := range cols {
		k[i] = c.Kind()
	}
	return k
}

// AppendText appends a value as plain text, the way CSV cells and a
// terminal show it: binary data as 0x-hex, BIT as its decimal value,
// everything else as the server sent it. NULL is the caller's business.
func AppendText(dst []byte, k dba.ValueKind, v []byte) []byte {
	switch k {
	case dba.KindBinary:
		if len(v) == 0 {
			return dst
		}
		return dba.AppendHex(dst, v)
	case dba.KindBit:
		return strconv.AppendUint(dst, dba.BitValue(v), 10)
	}
	return append(dst, v...)
}

// appendIdent appends a backtick-quoted identifier.
func appendIdent(dst []byte, s string) []byte {
	dst = append(dst, '`')
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			dst = append(dst, '`')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '`')
}
