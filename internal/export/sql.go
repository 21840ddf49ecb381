package export

import (
	"bufio"

	"github.com/mydba/mydba/internal/dba"
)

// sqlHeader and sqlFooter set, for the load only, what the literals
// assume — as mysqldump does: utf8mb4 text, TIMESTAMPs in UTC (the runner
// reads them in UTC for an SQL export), and an sql_mode that accepts zero
// dates and keeps 0 in AUTO_INCREMENT columns, without
// NO_BACKSLASH_ESCAPES (string literals use backslash escapes). The
// previous settings are restored at the end.
const (
	sqlHeader = "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n" +
		"/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;\n" +
		"/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;\n" +
		"/*!40101 SET NAMES utf8mb4 */;\n" +
		"/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n" +
		"/*!40103 SET TIME_ZONE='+00:00' */;\n" +
		"/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
	sqlFooter = "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n" +
		"/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n" +
		"/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n" +
		"/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;\n" +
		"/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;\n"
)

// sqlWriter writes batched multi-row INSERT statements, one row per line.
type sqlWriter struct {
	w      *bufio.Writer
	o      Options
	kinds  []dba.ValueKind
	prefix []byte // INSERT INTO `t` (`a`,`b`) VALUES
	row    []byte
	header bool
	// inBatch rows have been written to the open INSERT, taking bytes.
	inBatch int
	bytes   int
}

func (s *sqlWriter) writeHeader() error {
	if s.header {
		return nil
	}
	s.header = true
	_, err := s.w.WriteString("-- INSERT statements for " + s.o.Table.String() + ", written by mydba\n" + sqlHeader)
	return err
}

func (s *sqlWriter) Begin(cols []dba.Column) error {
	if err := s.writeHeader(); err != nil {
		return err
	}
	s.kinds = kinds(cols)
	p := append([]byte("INSERT INTO "), s.o.Table.String()...)
	p = append(p, " ("...)
	for i, c := range cols {
		if i > 0 {
			p = append(p, ',')
		}
		p = appendIdent(p, c.Name)
	}
	p = append(p, ") VALUES\n"...)
	s.prefix = p
	return nil
}

func (s *sqlWriter) Row(values [][]byte) error {
	s.row = append(s.row[:0], '(')
	for i, v := range values {
		if i > 0 {
			s.row = append(s.row, ',')
		}
		k := dba.KindText
		if i < len(s.kinds) {
			k = s.kinds[i]
		}
		s.row = AppendSQLLiteral(s.row, k, v)
	}
	s.row = append(s.row, ')')
	if s.inBatch > 0 && (s.inBatch >= s.o.BatchRows || s.bytes+len(s.row)+2 > s.o.BatchBytes) {
		if _, err := s.w.WriteString(";\n"); err != nil {
			return err
		}
		s.inBatch = 0
	}
	if s.inBatch == 0 {
		if _, err := s.w.Write(s.prefix); err != nil {
			return err
		}
		s.bytes = len(s.prefix)
	} else if _, err := s.w.WriteString(",\n"); err != nil {
		return err
	}
	s.inBatch++
	s.bytes += len(s.row) + 2
	_, err := s.w.Write(s.row)
	return err
}

func (s *sqlWriter) End() error {
	if err := s.writeHeader(); err != nil {
		return err
	}
	if s.inBatch > 0 {
		if _, err := s.w.WriteString(";\n"); err != nil {
			return err
		}
		s.inBatch = 0
	}
	if _, err := s.w.WriteString(sqlFooter); err != nil {
		return err
	}
	return s.w.Flush()
}

// AppendSQLLiteral appends v, a value of kind k as the server sent it, as
// an SQL literal that reads back as the same value (given the export's
// header settings):
//
//   - NULL for nil;
//   - numbers unquoted, exactly as the server wrote them;
//   - BIT as b'1010';
//   - binary data as 0x-hex (” when empty);
//   - everything else — text, JSON, dates, times (zero dates and negative
//     times included) — as a quoted string with the backslash escapes
//     mysqldump uses: \0 \' \\ \n \r \Z.
func AppendSQLLiteral(dst []byte, k dba.ValueKind, v []byte) []byte {
	if v == nil {
		return append(dst, "NULL"...)
	}
	switch k {
	case dba.KindInteger, dba.KindBigInteger, dba.KindDecimal, dba.KindFloat:
		if isSQLNumber(v) {
			return append(dst, v...)
		}
	case dba.KindBit:
		return appendBitLiteral(dst, dba.BitValue(v))
	case dba.KindBinary:
		if len(v) == 0 {
			return append(dst, '\'', '\'')
		}
		return dba.AppendHex(dst, v)
	}
	return appendSQLString(dst, v)
}

// isSQLNumber accepts what servers print for numeric columns: digits with
// an optional sign, point and exponent. Anything else is quoted, so no
// value can end the literal early.
func isSQLNumber(v []byte) bool {
	digits := 0
	for i, c := range v {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == 'e' || c == 'E':
		case (c == '-' || c == '+') && (i == 0 || v[i-1] == 'e' || v[i-1] == 'E'):
		default:
			return false
		}
	}
	return digits > 0
}

func appendBitLiteral(dst []byte, n uint64) []byte {
	dst = append(dst, 'b', '\'')
	if n == 0 {
		dst = append(dst, '0')
	}
	started := false
	for i := 63; i >= 0; i-- {
		bit := n>>uint(i)&1 == 1
		if bit {
			started = true
		}
		if started {
			if bit {
				dst = append(dst, '1')
			} else {
				dst = append(dst, '0')
			}
		}
	}
	return append(dst, '\'')
}

func appendSQLString(dst, v []byte) []byte {
	dst = append(dst, '\'')
	start := 0
	for i, c := range v {
		var esc byte
		switch c {
		case 0:
			esc = '0'
		case '\'':
			esc = '\''
		case '\\':
			esc = '\\'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case 0x1a:
			esc = 'Z'
		default:
			continue
		}
		dst = append(dst, v[start:i]...)
		dst = append(dst, '\\', esc)
		start = i + 1
	}
	dst = append(dst, v[start:]...)
	return append(dst, '\'')
}
