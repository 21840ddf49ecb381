package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dbtest"
)

func TestStatusWatchFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"count without watch", []string{"status", "--dsn", "mysql://u@127.0.0.1:1/", "--count", "2"}, "--count needs --watch"},
		{"negative count", []string{"status", "--dsn", "mysql://u@127.0.0.1:1/", "--watch", "--count", "-1"}, "negative"},
		{"csv", []string{"status", "--dsn", "mysql://u@127.0.0.1:1/", "--watch", "-o", "csv"}, "not csv"},
		{"interval too short", []string{"status", "--dsn", "mysql://u@127.0.0.1:1/", "--watch", "--interval", "1ms"}, "want from 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newCLI(t).run("", tt.args...)
			if r.code == 0 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q, want an error containing %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// TestStatusWatchSandbox refreshes three screens: piped output has no
// escape sequences (NO_COLOR is set, stdout is not a terminal), and JSON
// is one object per line.
func TestStatusWatchSandbox(t *testing.T) {
	d := dbtest.Primary(t)
	c := newCLI(t)
	c.ok(d.Password+"\n", "conn", "add", "w", "mysql://"+d.Target.User+"@"+d.Target.Address()+"/", "--password-stdin")
	out := c.ok("", "status", "-c", "w", "--watch", "--count", "3", "--interval", "200ms")
	if got := strings.Count(out, "mydba status --watch"); got != 3 {
		t.Errorf("%d screens, want 3:\n%s", got, out)
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("escape sequences in piped output:\n%q", out)
	}
	if !strings.Contains(out, "queries/s:") {
		t.Errorf("no rates in:\n%s", out)
	}
	js := c.ok("", "status", "-c", "w", "--watch", "--count", "2", "--interval", "200ms", "-o", "json")
	lines := strings.Split(strings.TrimSpace(js), "\n")
	var kinds []string
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		_, ok := v["connections"]
		kinds = append(kinds, map[bool]string{true: "status", false: "other"}[ok])
	}
	if diff := cmp.Diff([]string{"status", "status"}, kinds); diff != "" {
		t.Errorf("json lines (-want +got):\n%s", diff)
	}
}
