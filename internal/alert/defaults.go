package alert

import (
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
)

func ptr(v float64) *float64 { return &v }

// DefaultRules are the rules in force when the configuration says nothing:
// one per condition a DBA is paged for. Thresholds are deliberately
// conservative for a general-purpose server; docs/alerts.md explains each
// and how to change it. A fresh slice on every call.
func DefaultRules() []Rule {
	return []Rule{
		{
			Name: "connection_usage", Series: "connection_usage_pct", Op: OpGE, Threshold: 85, For: 2 * time.Minute, Clear: ptr(75),
			Severity: SeverityCritical, Enabled: true,
			Description: "Threads_connected near max_connections: new clients will soon be refused (Too many connections).",
		},
		{
			Name: "buffer_pool_hit_rate", Series: "buffer_pool_hit_pct", Op: OpLT, Threshold: 95, For: 5 * time.Minute, Clear: ptr(97),
			Severity: SeverityWarning, Enabled: true,
			Description: "InnoDB reads going to disk: the working set no longer fits the buffer pool, or a scan is flushing it.",
		},
		{
			Name: "threads_running", Series: "threads_running", Op: OpGT, Threshold: 32, For: 2 * time.Minute, Clear: ptr(24),
			Severity: SeverityWarning, Enabled: true,
			Description: "More statements executing at once than a typical server has cores: queries are queueing for CPU or locks.",
		},
		{
			Name: "long_transaction", Series: "longest_trx_seconds", Op: OpGT, Threshold: 300,
			Severity: SeverityWarning, Enabled: true,
			Description: "A transaction open for over 5 minutes holds locks and stops purge, so undo history grows.",
		},
		{
			Name: "lock_waits", Series: "lock_waits", Op: OpGE, Threshold: 3, For: time.Minute, Clear: ptr(1),
			Severity: SeverityWarning, Enabled: true,
			Description: "Sessions keep waiting for row locks: look for the blocking transaction (mydba locks).",
		},
		{
			Name: "deadlocks", Series: "deadlocks_per_s", Op: OpGT, Threshold: 0, ClearFor: 5 * time.Minute,
			Severity: SeverityWarning, Enabled: true,
			Description: "InnoDB rolled back a transaction to break a deadlock; clears after 5 minutes without one.",
		},
		{
			Name: "tmp_disk_ratio", Series: "tmp_disk_ratio", Op: OpGT, Threshold: 0.25, For: 10 * time.Minute, Clear: ptr(0.15),
			Severity: SeverityInfo, Enabled: true,
			Description: "Over a quarter of implicit temporary tables go to disk: large GROUP BY/ORDER BY/UNION, or tmp_table_size too small.",
		},
		{
			Name: "slow_queries", Series: "slow_queries_per_s", Op: OpGT, Threshold: 1, For: 5 * time.Minute, Clear: ptr(0.5),
			Severity: SeverityWarning, Enabled: true,
			Description: "More than one query a second exceeds long_query_time.",
		},
		{
			Name: "replication_lag", Series: "replication_lag_seconds", Op: OpGT, Threshold: 30, For: time.Minute, Clear: ptr(10),
			Severity: SeverityCritical, Enabled: true,
			Description: "The replica applies changes more than 30 s behind its primary (Seconds_Behind_Master).",
		},
		{
			Name: "collector_failure", Series: CollectorFailed, Op: OpGE, Threshold: 1, For: time.Minute,
			Severity: SeverityWarning, Enabled: true,
			Description: "A monitor collector keeps failing (privileges, timeouts, server down): its series are missing.",
		},
	}
}

func defaultNames() []string {
	var names []string
	for _, r := range DefaultRules() {
		names = append(names, r.Name)
	}
	return names
}

// Rules applies specs to the default rules in order: a spec named like a
// default changes it, any other defines a new rule (appended in spec
// order). Two specs with the same name are an error, so a rule is never
// half-overridden by accident.
func Rules(specs []Spec) ([]Rule, error) {
	rules := DefaultRules()
	index := map[string]int{}
	for i, r := range rules {
		index[r.Name] = i
	}
	seen := map[string]bool{}
	for _, s := range specs {
		name := strings.TrimSpace(s.Name)
		if seen[name] && name != "" {
			return nil, fmt.Errorf("%w: alert rule %q is defined twice", dba.ErrInvalid, name)
		}
		seen[name] = true
		base := Rule{}
		i, isDefault := index[name]
		if isDefault {
			base = rules[i]
		}
		r, err := ParseRule(base, s)
		if err != nil {
			return nil, err
		}
		if isDefault {
			rules[i] = r
			continue
		}
		index[r.Name] = len(rules)
		rules = append(rules, r)
	}
	return rules, nil
}
