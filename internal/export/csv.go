package export

import (
	"bufio"
	"bytes"

	"github.com/mydba/mydba/internal/dba"
)

// csvWriter writes RFC 4180 CSV: a header row of column names, records
// ended by CRLF, fields quoted when they hold a comma, a double quote, CR
// or LF (quotes doubled inside). NULL and the empty string differ: NULL
// is an empty unquoted field, the empty string is "" — the convention of
// PostgreSQL's COPY ... CSV and of LOAD DATA's reading of an empty
// quoted field as ”.
type csvWriter struct {
	w     *bufio.Writer
	kinds []dba.ValueKind
	buf   []byte
}

func (c *csvWriter) Begin(cols []dba.Column) error {
	c.kinds = kinds(cols)
	c.buf = c.buf[:0]
	for i, col := range cols {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = appendCSVField(c.buf, []byte(col.Name))
	}
	c.buf = append(c.buf, '\r', '\n')
	_, err := c.w.Write(c.buf)
	return err
}

func (c *csvWriter) Row(values [][]byte) error {
	c.buf = c.buf[:0]
	for i, v := range values {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		if v == nil {
			continue
		}
		k := dba.KindText
		if i < len(c.kinds) {
			k = c.kinds[i]
		}
		if k == dba.KindBinary || k == dba.KindBit {
			// Hex and digits never need quoting; an empty binary value is "".
			if len(v) == 0 {
				c.buf = append(c.buf, '"', '"')
				continue
			}
			c.buf = AppendText(c.buf, k, v)
			continue
		}
		c.buf = appendCSVField(c.buf, v)
	}
	c.buf = append(c.buf, '\r', '\n')
	_, err := c.w.Write(c.buf)
	return err
}

func (c *csvWriter) End() error { return c.w.Flush() }

// appendCSVField appends a non-NULL field, quoted when RFC 4180 needs it
// or when it is empty (to tell it from NULL).
func appendCSVField(dst, v []byte) []byte {
	if len(v) > 0 && !needsQuotes(v) {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for {
		i := bytes.IndexByte(v, '"')
		if i < 0 {
			break
		}
		dst = append(dst, v[:i+1]...)
		dst = append(dst, '"')
		v = v[i+1:]
	}
	dst = append(dst, v...)
	return append(dst, '"')
}

// needsQuotes reports a comma, quote, CR or LF; a plain loop is several
// times faster here than bytes.ContainsAny, which builds its set per call.
func needsQuotes(v []byte) bool {
	for _, c := range v {
		if c == ',' || c == '"' || c == '\r' || c == '\n' {
			return true
		}
	}
	return false
}
