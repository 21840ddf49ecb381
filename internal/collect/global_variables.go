package collect

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

// VariablesReader reads SHOW GLOBAL VARIABLES.
type VariablesReader interface {
	MonitorVariables(ctx context.Context) (dba.Reading, error)
}

// GlobalVariables reads the server's global variables on a slow interval
// (1 minute): the scale of some series (max_connections) and, compared
// with the previous reading by VariableChanges, the "variable changed"
// annotations.
type GlobalVariables struct{}

var _ Collector = GlobalVariables{}

// Name implements Collector.
func (GlobalVariables) Name() string { return "global_variables" }

// Supports implements Collector.
func (GlobalVariables) Supports(s dba.Server) (bool, string) { return known(s) }

// Interval implements Collector.
func (GlobalVariables) Interval() time.Duration { return time.Minute }

// Timeout implements Collector.
func (GlobalVariables) Timeout() time.Duration { return 10 * time.Second }

// Collect implements Collector.
func (GlobalVariables) Collect(ctx context.Context, src Source) (dba.Reading, error) {
	r, ok := src.(VariablesReader)
	if !ok {
		return dba.Reading{}, missing("global variables")
	}
	return r.MonitorVariables(ctx)
}

// VariableChange is one global variable whose value changed between two
// readings. Old is "" for a variable that appeared, New "" for one that
// vanished (a plugin loaded or unloaded).
type VariableChange struct {
	Name string `json:"name"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// volatile reports variables that change by themselves as the server
// works (replication positions): a change is not a configuration change.
func volatile(name string) bool {
	switch name {
	case "gtid_binlog_pos", "gtid_binlog_state", "gtid_current_pos", "gtid_slave_pos",
		"gtid_executed", "gtid_purged", "gtid_owned",
		"timestamp", "rand_seed1", "rand_seed2", "pseudo_thread_id", "last_insert_id", "insert_id", "identity":
		return true
	}
	return false
}

// VariableChanges lists, by name, the variables whose value differs
// between two readings of the global variables (name → value, names in any
// case). Volatile variables (GTID positions) are left out. A nil prev (no
// earlier reading) gives no changes.
func VariableChanges(prev, cur map[string]string) []VariableChange {
	if prev == nil {
		return nil
	}
	lower := func(m map[string]string) map[string]string {
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[strings.ToLower(k)] = v
		}
		return out
	}
	p, c := lower(prev), lower(cur)
	var out []VariableChange
	for k, v := range c {
		if volatile(k) {
			continue
		}
		if old, ok := p[k]; !ok || old != v {
			out = append(out, VariableChange{Name: k, Old: old, New: v})
		}
	}
	for k, v := range p {
		if _, ok := c[k]; !ok && !volatile(k) {
			out = append(out, VariableChange{Name: k, Old: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
