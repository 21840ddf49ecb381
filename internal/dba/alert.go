package dba

import "time"

// AlertRecord is one alert as the state file keeps it: the time it fired
// and, once over, the time it resolved. Active alerts have no ResolvedAt.
type AlertRecord struct {
	ID       int64  `json:"id"`
	Profile  string `json:"profile"`
	Rule     string `json:"rule"`
	Instance string `json:"instance,omitempty"`
	Series   string `json:"series"`
	// Severity is info, warning or critical.
	Severity  string  `json:"severity"`
	Op        string  `json:"op"`
	Threshold float64 `json:"threshold"`
	// Since is when the condition was first seen; FiredAt when it had
	// held long enough to fire.
	Since      time.Time `json:"since"`
	FiredAt    time.Time `json:"fired_at"`
	FiredValue float64   `json:"fired_value"`
	Message    string    `json:"message"`
	// Detail is the error of a failing collector.
	Detail          string     `json:"detail,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	ResolvedValue   *float64   `json:"resolved_value"`
	ResolvedMessage string     `json:"resolved_message,omitempty"`
}

// Active reports whether the alert is still firing.
func (a AlertRecord) Active() bool { return a.ResolvedAt == nil }

// Duration is how long the alert fired: until it resolved, or until now.
func (a AlertRecord) Duration(now time.Time) time.Duration {
	end := now
	if a.ResolvedAt != nil {
		end = *a.ResolvedAt
	}
	if end.Before(a.FiredAt) {
		return 0
	}
	return end.Sub(a.FiredAt)
}

// AlertFilter selects alert history.
type AlertFilter struct {
	// Profile limits to one connection ("" for all).
	Profile string
	// Since keeps alerts active at or after this time (fired later, or
	// resolved later, or still active); zero for any time.
	Since time.Time
	// Limit caps the rows (0: no limit), newest first.
	Limit int
}
