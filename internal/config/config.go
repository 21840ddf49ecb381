// Package config reads mydba's configuration file (TOML): the safety
// gate's policy per environment and the retention of local history. Every
// key is optional; a missing file means the defaults. Unknown keys are an
// error, so a typo never silently leaves a default in force.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/mydba/mydba/internal/ai"
	"github.com/mydba/mydba/internal/alert"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/safety"
)

// Config is the effective configuration.
type Config struct {
	// Path is the file read ("" when none existed).
	Path    string
	Policy  safety.Policy
	History Retention
	// Alerts are the alert rules and webhook ([[alert]], [alerts]).
	Alerts Alerts
	// Monitor is the monitoring schedule and history ([monitor]).
	Monitor Monitor
	// AI is the AI providers section ([ai], see ai.go).
	AI ai.Config
}

// Retention bounds the query history.
type Retention struct {
	MaxEntries int
	MaxAge     time.Duration
}

// file is the TOML shape; pointers tell set keys from absent ones.
type file struct {
	Policy  map[string]envPolicy `toml:"policy"`
	History struct {
		MaxEntries *int    `toml:"max_entries"`
		MaxAge     *string `toml:"max_age"`
	} `toml:"history"`
	Alert   []alertRuleFile `toml:"alert"`
	Alerts  alertsFile      `toml:"alerts"`
	Monitor monitorFile     `toml:"monitor"`
	AI      aiFile          `toml:"ai"`
}

type envPolicy struct {
	ConfirmWrites      *bool  `toml:"confirm_writes"`
	ConfirmDestructive *bool  `toml:"confirm_destructive"`
	TypeName           *bool  `toml:"type_name"`
	RequireReason      *bool  `toml:"require_reason"`
	MaxRows            *int64 `toml:"max_rows"`
	AllowCritical      *bool  `toml:"allow_critical"`
	Blocked            *bool  `toml:"blocked"`
}

// DefaultPath is config.toml in the state directory.
func DefaultPath(stateDir string) string { return filepath.Join(stateDir, "config.toml") }

// Load reads path; a file that does not exist gives the defaults.
func Load(path string) (Config, error) {
	c := Config{Policy: safety.DefaultPolicy(), Alerts: Alerts{Rules: alert.DefaultRules()}, AI: defaultAI()}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	c.Path = path
	var f file
	md, err := toml.Decode(string(b), &f)
	if err != nil {
		return c, fmt.Errorf("%w: config %s: %w", dba.ErrInvalid, path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return c, fmt.Errorf("%w: config %s: unknown key %s", dba.ErrInvalid, path, strings.Join(keys, ", "))
	}
	for name, ep := range f.Policy {
		env, err := dba.ParseEnv(name)
		if err != nil || string(env) != name {
			return c, fmt.Errorf("%w: config %s: [policy.%s]: want policy.dev, policy.staging or policy.prod", dba.ErrInvalid, path, name)
		}
		p := c.Policy.For(env)
		set := func(dst *bool, v *bool) {
			if v != nil {
				*dst = *v
			}
		}
		set(&p.ConfirmWrites, ep.ConfirmWrites)
		set(&p.ConfirmDestructive, ep.ConfirmDestructive)
		set(&p.TypeName, ep.TypeName)
		set(&p.RequireReason, ep.RequireReason)
		set(&p.AllowCritical, ep.AllowCritical)
		set(&p.Blocked, ep.Blocked)
		if ep.MaxRows != nil {
			if *ep.MaxRows < 0 {
				return c, fmt.Errorf("%w: config %s: policy.%s.max_rows must be 0 (no limit) or more", dba.ErrInvalid, path, name)
			}
			p.MaxRows = *ep.MaxRows
		}
		c.Policy[env] = p
	}
	if v := f.History.MaxEntries; v != nil {
		if *v < 1 {
			return c, fmt.Errorf("%w: config %s: history.max_entries must be at least 1", dba.ErrInvalid, path)
		}
		c.History.MaxEntries = *v
	}
	if v := f.History.MaxAge; v != nil {
		d, err := time.ParseDuration(*v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%w: config %s: history.max_age %q: want a duration such as \"2160h\"", dba.ErrInvalid, path, *v)
		}
		c.History.MaxAge = d
	}
	alerts, err := loadAlerts(path, f.Alert, f.Alerts)
	if err != nil {
		return c, err
	}
	c.Alerts = alerts
	if c.Monitor, err = loadMonitor(path, f.Monitor); err != nil {
		return c, err
	}
	if c.AI, err = loadAI(path, f.AI); err != nil {
		return c, err
	}
	return c, nil
}
