package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
)

func TestLoadMonitor(t *testing.T) {
	path := write(t, `
[monitor]
profiles = ["prod", "prod-replica"]
interval = "2s"
keep_raw = "30m"
keep_minute = "72h"
keep_hour = "720h"
max_disk_mb = 64

[monitor.collector.digests]
interval = "5m"
timeout = "20s"

[monitor.collector.innodb_metrics]
enabled = false
`)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Monitor{
		Profiles: []string{"prod", "prod-replica"}, Interval: 2 * time.Second,
		KeepRaw: 30 * time.Minute, KeepMinute: 72 * time.Hour, KeepHour: 720 * time.Hour, MaxBytes: 64 << 20,
		Collectors: map[string]CollectorConfig{
			"digests":        {Interval: 5 * time.Minute, Timeout: 20 * time.Second},
			"innodb_metrics": {Disabled: true},
		},
	}
	if diff := cmp.Diff(want, c.Monitor); diff != "" {
		t.Errorf("monitor (-want +got):\n%s", diff)
	}
	// No section: every field zero, the defaults apply downstream.
	c, err = Load(write(t, "[history]\nmax_entries = 10\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Monitor{}, c.Monitor); diff != "" {
		t.Errorf("absent [monitor] (-want +got):\n%s", diff)
	}
}

func TestLoadMonitorErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"unknown key", "[monitor]\nintervall = \"1s\"\n", "intervall"},
		{"interval too short", "[monitor]\ninterval = \"10ms\"\n", "monitor.interval \"10ms\": want a duration from 100ms to 1m0s"},
		{"not a duration", "[monitor]\nkeep_raw = \"an hour\"\n", "monitor.keep_raw"},
		{"disk too small", "[monitor]\nmax_disk_mb = 1\n", "max_disk_mb 1: want at least 16"},
		{"duplicate profile", "[monitor]\nprofiles = [\"a\", \"a\"]\n", "listed twice"},
		{"empty profile", "[monitor]\nprofiles = [\" \"]\n", "empty connection name"},
		{"unknown collector", "[monitor.collector.digest]\ninterval = \"1m\"\n", `no such collector (did you mean "digests"?)`},
		{"unknown collector key", "[monitor.collector.digests]\nperiod = \"1m\"\n", "period"},
		{"collector timeout", "[monitor.collector.digests]\ntimeout = \"1h\"\n", "collector.digests.timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(write(t, tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !errors.Is(err, dba.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
		})
	}
}
