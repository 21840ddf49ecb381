package parse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Plans are read into an ordered JSON tree rather than maps: the order of
// keys is the order the server wrote its steps in, duplicate keys are kept,
// and every number stays as the server printed it.

// MaxPlanBytes bounds the plan text the parsers accept. A real plan is a
// few hundred kilobytes at most; anything larger is not a plan.
const MaxPlanBytes = 16 << 20

// maxPlanDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxPlanDepth = 512

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNum
	jStr
	jObj
	jArr
)

type jmember struct {
	key string
	val *jvalue
}

type jvalue struct {
	kind jkind
	s    string // number text or string
	b    bool
	obj  []jmember
	arr  []*jvalue
}

// get returns the first member called key (nil when absent or v is not an
// object).
func (v *jvalue) get(key string) *jvalue {
	if v == nil || v.kind != jObj {
		return nil
	}
	for _, m := range v.obj {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

func (v *jvalue) has(key string) bool { return v.get(key) != nil }

// str returns a string member's text; numbers and booleans are printed as
// they are, so "key_length": 4 and "key_length": "4" read the same.
func (v *jvalue) str() string {
	if v == nil {
		return ""
	}
	switch v.kind {
	case jStr, jNum:
		return v.s
	case jBool:
		return strconv.FormatBool(v.b)
	}
	return ""
}

// num reads a number, or a string holding one ("100.00", "1.2e+6",
// "16K" is not one). Anything else (MariaDB's test suite writes
// "REPLACED") is unknown: nil, never zero.
func (v *jvalue) num() *float64 {
	if v == nil || (v.kind != jNum && v.kind != jStr) {
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
	if err != nil {
		return nil
	}
	return &f
}

// truthy reads a flag written as true, 1 or "true".
func (v *jvalue) truthy() bool {
	if v == nil {
		return false
	}
	switch v.kind {
	case jBool:
		return v.b
	case jNum:
		return v.s != "0"
	case jStr:
		return v.s == "true" || v.s == "1"
	}
	return false
}

// strs reads an array of strings (or a single string as one item).
func (v *jvalue) strs() []string {
	if v == nil {
		return nil
	}
	if v.kind != jArr {
		if s := v.str(); s != "" {
			return []string{s}
		}
		return nil
	}
	out := make([]string, 0, len(v.arr))
	for _, e := range v.arr {
		if s := e.str(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (v *jvalue) keys() []string {
	if v == nil || v.kind != jObj {
		return nil
	}
	ks := make([]string, len(v.obj))
	for i, m := range v.obj {
		ks[i] = m.key
	}
	return ks
}

// decodePlanJSON reads one JSON document. MySQL's end_markers_in_json
// option writes "/* query_block */" comments after closing brackets,
// which makes the text invalid JSON; they are removed first.
func decodePlanJSON(b []byte) (*jvalue, error) {
	b = stripJSONComments(b)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readJSONValue(dec, 0)
	if err != nil {
		return nil, jsonError(dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("plan JSON: unexpected data after the document at byte %d", dec.InputOffset())
	}
	return v, nil
}

func jsonError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("plan JSON is truncated: it ends at byte %d before the document is complete", dec.InputOffset())
	case errors.As(err, &se):
		return fmt.Errorf("plan JSON is malformed at byte %d: %s", se.Offset, se.Error())
	}
	return fmt.Errorf("plan JSON is malformed at byte %d: %w", dec.InputOffset(), err)
}

var errTooDeep = fmt.Errorf("nested more than %d levels deep", maxPlanDepth)

func readJSONValue(dec *json.Decoder, depth int) (*jvalue, error) {
	if depth > maxPlanDepth {
		return nil, errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jvalue{kind: jObj}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is not a string")
				}
				val, err := readJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.obj = append(v.obj, jmember{key: key, val: val})
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		case '[':
			v := &jvalue{kind: jArr}
			for dec.More() {
				e, err := readJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return v, nil
		}
		return nil, fmt.Errorf("unexpected %q", rune(t))
	case string:
		return &jvalue{kind: jStr, s: t}, nil
	case json.Number:
		return &jvalue{kind: jNum, s: string(t)}, nil
	case bool:
		return &jvalue{kind: jBool, b: t}, nil
	case nil:
		return &jvalue{kind: jNull}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// stripJSONComments removes /* ... */ outside strings. Input without
// comments is returned unchanged.
func stripJSONComments(b []byte) []byte {
	if !bytes.Contains(b, []byte("/*")) {
		return b
	}
	out := make([]byte, 0, len(b))
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(b) {
					i++
					out = append(out, b[i])
				}
			case '"':
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
			out = append(out, c)
			continue
		}
		if c == '/' && i+1 < len(b) && b[i+1] == '*' {
			end := bytes.Index(b[i+2:], []byte("*/"))
			if end < 0 {
				// An unterminated comment: keep it, the decoder reports it.
				return append(out, b[i:]...)
			}
			i += 2 + end + 1
			out = append(out, ' ')
			continue
		}
		out = append(out, c)
	}
	return out
}
