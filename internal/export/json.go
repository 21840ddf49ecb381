package export

import (
	"bufio"
	"strconv"

	"github.com/mydba/mydba/internal/dba"
)

// jsonWriter writes a JSON array of objects, one object per line, or
// NDJSON (one object per line, no array). Values are typed by
// dba.AppendJSON: numbers only where a JSON number is exact. Duplicate
// column names (SELECT a.id, b.id) get a suffix, id and id_2, so no
// object has two equal keys.
type jsonWriter struct {
	w     *bufio.Writer
	lines bool
	kinds []dba.ValueKind
	keys  [][]byte
	buf   []byte
	rows  int64
}

func (j *jsonWriter) Begin(cols []dba.Column) error {
	j.kinds = kinds(cols)
	j.keys = make([][]byte, len(cols))
	seen := make(map[string]bool, len(cols))
	for i, c := range cols {
		name := c.Name
		for n := 2; seen[name]; n++ {
			name = c.Name + "_" + strconv.Itoa(n)
		}
		seen[name] = true
		key := dba.AppendJSONString(nil, []byte(name))
		j.keys[i] = append(key, ':')
	}
	return nil
}

func (j *jsonWriter) Row(values [][]byte) error {
	j.buf = j.buf[:0]
	if !j.lines {
		if j.rows == 0 {
			j.buf = append(j.buf, "[\n"...)
		} else {
			j.buf = append(j.buf, ",\n"...)
		}
	}
	j.buf = append(j.buf, '{')
	for i, v := range values {
		if i > 0 {
			j.buf = append(j.buf, ',')
		}
		k := dba.KindText
		if i < len(j.kinds) {
			k = j.kinds[i]
			j.buf = append(j.buf, j.keys[i]...)
		} else {
			j.buf = append(j.buf, `"":`...)
		}
		j.buf = dba.AppendJSON(j.buf, k, v)
	}
	j.buf = append(j.buf, '}')
	if j.lines {
		j.buf = append(j.buf, '\n')
	}
	j.rows++
	_, err := j.w.Write(j.buf)
	return err
}

func (j *jsonWriter) End() error {
	if !j.lines {
		end := "\n]\n"
		if j.rows == 0 {
			end = "[]\n"
		}
		if _, err := j.w.WriteString(end); err != nil {
			return err
		}
	}
	return j.w.Flush()
}
