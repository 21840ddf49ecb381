package dba

import "time"

// HistoryEntry is one statement mydba ran for a user.
type HistoryEntry struct {
	ID        int64  `json:"id"`
	Profile   string `json:"profile"`
	Database  string `json:"database,omitempty"`
	Statement string `json:"statement"`
	// Fingerprint groups statements that differ only in literals.
	Fingerprint string        `json:"fingerprint"`
	Source      string        `json:"source"`
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration_ns"`
	Rows        int64         `json:"rows"`
	Error       string        `json:"error,omitempty"`
	Favourite   bool          `json:"favourite"`
	Tags        []string      `json:"tags,omitempty"`
}

// HistoryFilter selects history entries. Zero fields match everything.
type HistoryFilter struct {
	// Text is searched in statements and tags: full-text (trigram) for three
	// characters or more, a substring match below that.
	Text       string
	Profile    string
	Favourites bool
	Tag        string
	ErrorsOnly bool
	Since      time.Time
	Limit      int
}
