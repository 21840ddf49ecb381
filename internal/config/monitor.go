package config

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/collect"
	"github.com/mydba/mydba/internal/dba"
)

// Monitor is the [monitor] section: which connections `mydba serve`
// monitors from the start, how often the fast collectors sample, how long
// each tier of history is kept, and per-collector overrides. Zero values
// mean the defaults (see docs/monitoring.md).
type Monitor struct {
	// Profiles are monitored as soon as serve starts (others start when
	// their dashboard is opened).
	Profiles []string
	// Interval is the sampling interval of global status, the raw tier's
	// resolution (default 1s).
	Interval time.Duration
	// KeepRaw, KeepMinute and KeepHour are the retention of each tier
	// (defaults 1h, 7 days, 90 days).
	KeepRaw, KeepMinute, KeepHour time.Duration
	// MaxBytes bounds the history's size (default 512 MiB).
	MaxBytes int64
	// Collectors override a collector's schedule by name.
	Collectors map[string]CollectorConfig
}

// CollectorConfig overrides one collector.
type CollectorConfig struct {
	Interval, Timeout time.Duration
	Disabled          bool
}

type monitorFile struct {
	Profiles   []string                       `toml:"profiles"`
	Interval   *string                        `toml:"interval"`
	KeepRaw    *string                        `toml:"keep_raw"`
	KeepMinute *string                        `toml:"keep_minute"`
	KeepHour   *string                        `toml:"keep_hour"`
	MaxDiskMB  *int64                         `toml:"max_disk_mb"`
	Collector  map[string]collectorConfigFile `toml:"collector"`
}

type collectorConfigFile struct {
	Interval *string `toml:"interval"`
	Timeout  *string `toml:"timeout"`
	Enabled  *bool   `toml:"enabled"`
}

// Limits of [monitor] values: below them sampling would cost the server
// more than it tells, above them the history would be too coarse.
const (
	minMonitorInterval = 100 * time.Millisecond
	maxMonitorInterval = time.Minute
)

func loadMonitor(path string, f monitorFile) (Monitor, error) {
	var m Monitor
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: config %s: monitor.%s", dba.ErrInvalid, path, fmt.Sprintf(format, args...))
	}
	dur := func(key string, v *string, lo, hi time.Duration) (time.Duration, error) {
		if v == nil {
			return 0, nil
		}
		d, err := time.ParseDuration(*v)
		if err != nil || d < lo || d > hi {
			return 0, bad("%s %q: want a duration from %s to %s", key, *v, lo, hi)
		}
		return d, nil
	}
	seen := map[string]bool{}
	for _, p := range f.Profiles {
		if strings.TrimSpace(p) == "" {
			return m, bad("profiles: an empty connection name")
		}
		if seen[p] {
			return m, bad("profiles: %q listed twice", p)
		}
		seen[p] = true
		m.Profiles = append(m.Profiles, p)
	}
	var err error
	if m.Interval, err = dur("interval", f.Interval, minMonitorInterval, maxMonitorInterval); err != nil {
		return m, err
	}
	if m.KeepRaw, err = dur("keep_raw", f.KeepRaw, 2*time.Minute, 7*24*time.Hour); err != nil {
		return m, err
	}
	if m.KeepMinute, err = dur("keep_minute", f.KeepMinute, 2*time.Hour, 90*24*time.Hour); err != nil {
		return m, err
	}
	if m.KeepHour, err = dur("keep_hour", f.KeepHour, 2*24*time.Hour, 5*366*24*time.Hour); err != nil {
		return m, err
	}
	if f.MaxDiskMB != nil {
		if *f.MaxDiskMB < 16 {
			return m, bad("max_disk_mb %d: want at least 16", *f.MaxDiskMB)
		}
		m.MaxBytes = *f.MaxDiskMB << 20
	}
	if len(f.Collector) > 0 {
		reg := collect.NewRegistry(collect.Builtin()...)
		names := make([]string, 0, len(f.Collector))
		for n := range f.Collector {
			names = append(names, n)
		}
		sort.Strings(names)
		m.Collectors = map[string]CollectorConfig{}
		for _, n := range names {
			cf := f.Collector[n]
			if _, ok := reg.Get(n); !ok {
				hint := ""
				if s := dba.Suggest(n, reg.Names()); len(s) > 0 {
					hint = fmt.Sprintf(" (did you mean %q?)", s[0])
				}
				return m, bad("collector.%s: no such collector%s; collectors: %s", n, hint, strings.Join(reg.Names(), ", "))
			}
			var cc CollectorConfig
			if cc.Interval, err = dur("collector."+n+".interval", cf.Interval, minMonitorInterval, 24*time.Hour); err != nil {
				return m, err
			}
			if cc.Timeout, err = dur("collector."+n+".timeout", cf.Timeout, 100*time.Millisecond, 5*time.Minute); err != nil {
				return m, err
			}
			cc.Disabled = cf.Enabled != nil && !*cf.Enabled
			m.Collectors[n] = cc
		}
	}
	return m, nil
}
