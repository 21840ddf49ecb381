package workbench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/sqltext"
	"github.com/mydba/mydba/internal/store"
)

// Default history retention: entries beyond this count or age are pruned,
// favourites and tagged entries excepted.
const (
	DefaultHistoryEntries = 10000
	DefaultHistoryAge     = 90 * 24 * time.Hour
)

func (w *Workbench) retention() store.Retention {
	r := store.Retention{MaxEntries: w.opts.HistoryMaxEntries, MaxAge: w.opts.HistoryMaxAge}
	if r.MaxEntries == 0 {
		r.MaxEntries = DefaultHistoryEntries
	}
	if r.MaxAge == 0 {
		r.MaxAge = DefaultHistoryAge
	}
	return r
}

// recordHistory stores one executed statement, passwords redacted. A
// failure to record never fails the user's statement; it is returned for
// the caller to report.
func (w *Workbench) recordHistory(ctx context.Context, e dba.HistoryEntry) error {
	e.Statement = sqltext.NewClassifier().Redact(e.Statement)
	if e.Fingerprint == "" {
		e.Fingerprint = sqltext.Fingerprint(e.Statement)
	}
	if e.Source == "" {
		e.Source = "cli"
	}
	// History must survive the user's cancelled command.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := w.store.AddHistory(ctx, e, w.retention())
	return err
}

// History lists recorded statements, newest first.
func (w *Workbench) History(ctx context.Context, f dba.HistoryFilter) ([]dba.HistoryEntry, error) {
	return w.store.History(ctx, f)
}

// HistoryEntry returns one recorded statement.
func (w *Workbench) HistoryEntry(ctx context.Context, id int64) (dba.HistoryEntry, error) {
	return w.store.HistoryEntry(ctx, id)
}

// MarkHistory sets an entry's favourite flag and tags (tags are trimmed,
// lower-cased and may not contain commas).
func (w *Workbench) MarkHistory(ctx context.Context, id int64, favourite bool, tags []string) error {
	clean := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || seen[t] {
			continue
		}
		if strings.ContainsAny(t, ",\n") {
			return fmt.Errorf("%w: tag %q may not contain a comma or newline", dba.ErrInvalid, t)
		}
		seen[t] = true
		clean = append(clean, t)
	}
	return w.store.MarkHistory(ctx, id, favourite, clean)
}

// DeleteHistory removes entries; if any id is unknown nothing is removed.
func (w *Workbench) DeleteHistory(ctx context.Context, ids []int64) error {
	return w.store.DeleteHistory(ctx, ids)
}

// ClearHistory removes entries older than olderThan (all when zero),
// keeping favourites unless withFavourites.
func (w *Workbench) ClearHistory(ctx context.Context, olderThan time.Duration, withFavourites bool) (int64, error) {
	var before time.Time
	if olderThan > 0 {
		before = w.opts.Now().Add(-olderThan)
	}
	return w.store.ClearHistory(ctx, before, withFavourites)
}
