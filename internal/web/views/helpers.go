// Package views holds the workbench's templ components. Generated
// *_templ.go files are committed; `make generate` rebuilds them and CI
// fails when they are out of date.
package views

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

func pathEscape(s string) string { return url.PathEscape(s) }

func current(on bool) string {
	if on {
		return "page"
	}
	return "false"
}

func envLabel(env string) string {
	if env == "prod" {
		return "PROD"
	}
	return env
}

// join builds a path from escaped segments.
func join(parts ...string) string {
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = url.PathEscape(p)
	}
	return "/" + strings.Join(esc, "/")
}

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func joinStrings(s []string) string { return strings.Join(s, ", ") }

// humanBytes is a size in binary units.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("KMGTPE"[exp]) + "iB"
}

func columnExtra(c dba.TableColumn) string {
	var parts []string
	if c.AutoIncrement {
		parts = append(parts, "auto_increment")
	}
	if c.Generated != "" {
		parts = append(parts, c.Generated+" generated: "+c.Expression)
	}
	if c.OnUpdate != "" {
		parts = append(parts, "on update "+c.OnUpdate)
	}
	if c.Invisible {
		parts = append(parts, "invisible")
	}
	return strings.Join(parts, ", ")
}

func indexParts(ix dba.TableIndex) string {
	parts := make([]string, 0, len(ix.Parts))
	for _, p := range ix.Parts {
		s := p.Column
		if p.Expression != "" {
			s = "(" + p.Expression + ")"
		}
		if p.SubPart != nil {
			s += "(" + strconv.Itoa(*p.SubPart) + ")"
		}
		if p.Order == "D" || strings.EqualFold(p.Order, "desc") {
			s += " DESC"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func indexCardinality(ix dba.TableIndex) string {
	if len(ix.Parts) == 0 || ix.Parts[len(ix.Parts)-1].Cardinality == nil {
		return "–"
	}
	return strconv.FormatInt(*ix.Parts[len(ix.Parts)-1].Cardinality, 10)
}

func withQueryList(base, key string, values []string) string {
	v := url.Values{}
	for _, x := range values {
		v.Add(key, x)
	}
	return base + "?" + v.Encode()
}

func objectName(schema, name string) string {
	if schema == "" {
		return name
	}
	return schema + "." + name
}

func rowsHow(exact bool) string {
	if exact {
		return "(counted)"
	}
	return "(estimated)"
}

func decisionText(v string) string {
	switch v {
	case "allow":
		return "Allowed by the policy of this connection."
	case "confirm":
		return "Needs your confirmation."
	}
	return "Refused by the policy of this connection."
}

func buttonClass(risk string) string {
	if risk == "high" || risk == "critical" {
		return "danger"
	}
	return "primary"
}

func outcomeTitle(status string) string {
	switch status {
	case "executed":
		return "Done"
	case "rolled back":
		return "Rolled back: nothing was changed"
	case "dry run":
		return "Dry run: nothing was sent to the server"
	case "refused":
		return "Refused"
	}
	return "Failed"
}
