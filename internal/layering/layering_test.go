// Package layering checks the dependency rules of DESIGN.md: imports point
// downward, presenters never reach adapters, the store or the safety gate,
// and the vocabulary and pure packages stay free of connections.
package layering

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mydba/mydba/"

// forbidden maps a package prefix to what it must never import directly.
// (Presenters do reach the adapter through the workbench; that is the
// point: they go through the use cases.)
var forbidden = map[string][]string{
	"cmd/mydba":          {"internal/adapter", "internal/store", "internal/safety", "internal/secret", "internal/dial"},
	"internal/web":       {"internal/adapter", "internal/store", "internal/safety", "internal/secret", "internal/dial"},
	"internal/mcp":       {"internal/adapter", "internal/store", "internal/safety", "internal/secret", "internal/dial"},
	"internal/ai":        {"internal/adapter", "internal/safety", "internal/workbench"},
	"internal/dba":       {"internal/"},
	"internal/parse":     {"internal/adapter", "internal/store", "internal/workbench", "internal/safety"},
	"internal/advise":    {"internal/adapter", "internal/store", "internal/workbench", "internal/safety"},
	"internal/sqltext":   {"internal/adapter", "internal/store", "internal/workbench", "internal/safety"},
	"internal/adapter":   {"internal/workbench", "internal/store", "internal/safety"},
	"internal/store":     {"internal/adapter", "internal/workbench"},
	"internal/secret":    {"internal/"},
	"internal/mycnf":     {"internal/"},
	"internal/dial":      {"internal/"},
	"internal/workbench": {"internal/web", "internal/mcp", "cmd/"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-json", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, module)
		for prefix, bans := range forbidden {
			if rel != prefix && !strings.HasPrefix(rel, prefix+"/") {
				continue
			}
			seen++
			for _, dep := range p.Imports {
				if !strings.HasPrefix(dep, module) {
					continue
				}
				d := strings.TrimPrefix(dep, module)
				for _, ban := range bans {
					if strings.HasPrefix(d, ban) && !strings.HasPrefix(d, prefix) {
						t.Errorf("%s imports %s (rule: %s must not depend on %s)", rel, d, prefix, ban)
					}
				}
			}
		}
	}
	if seen < 8 {
		t.Errorf("checked only %d packages; is the module path right?", seen)
	}
}
