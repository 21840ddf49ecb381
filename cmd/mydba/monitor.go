package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/mydba/mydba/internal/config"
	"github.com/mydba/mydba/internal/workbench"
)

// monitorOptions turns [monitor] into the monitor's options.
func monitorOptions(c config.Monitor) workbench.MonitorOptions {
	o := workbench.MonitorOptions{Interval: c.Interval, KeepRaw: c.KeepRaw, KeepMinute: c.KeepMinute, KeepHour: c.KeepHour, MaxBytes: c.MaxBytes}
	if len(c.Collectors) > 0 {
		o.Collectors = map[string]workbench.MonitorCollector{}
		for name, cc := range c.Collectors {
			o.Collectors[name] = workbench.MonitorCollector{Interval: cc.Interval, Timeout: cc.Timeout, Disabled: cc.Disabled}
		}
	}
	return o
}

// serveMonitor is the monitor of `mydba serve`: configured from [monitor],
// with the alert rules evaluated on every sample, and the connections of
// [monitor] profiles started at once (others start when their dashboard
// is opened). The caller closes it.
func (a *app) serveMonitor(ctx context.Context, wb *workbench.Workbench, log *slog.Logger) (*workbench.Monitor, error) {
	_, cfg, err := a.stateConfig()
	if err != nil {
		return nil, err
	}
	o := monitorOptions(cfg.Monitor)
	o.Log = log
	observe, eng, err := wb.AlertObserver(ctx, log)
	if err != nil {
		// Alerts stored before the restart could not be restored; the
		// rules still run.
		fmt.Fprintln(a.stderr, "mydba: warning: alerts:", err)
	}
	o.Observe, o.Removed = observe, wb.AlertsRemoved(eng, log)
	m, err := wb.NewMonitor(o)
	if err != nil {
		return nil, err
	}
	for _, p := range cfg.Monitor.Profiles {
		if err := m.Start(ctx, p); err != nil {
			m.Close()
			return nil, fmt.Errorf("[monitor] profiles: %w", err)
		}
	}
	return m, nil
}
