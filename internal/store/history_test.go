package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mydba/mydba/internal/dba"
)

func ids(es []dba.HistoryEntry) []int64 {
	out := []int64{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func TestHistorySearch(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	s := openClocked(t, &now)
	stmts := []dba.HistoryEntry{
		{Profile: "prod", Statement: "SELECT * FROM orders WHERE status = 'new'"},                  // 1
		{Profile: "prod", Statement: "SELECT id FROM order_items WHERE qty > 3"},                   // 2
		{Profile: "dev", Statement: "SHOW ENGINE INNODB STATUS", Error: "access denied"},           // 3
		{Profile: "dev", Statement: `SELECT "a*b" AS x, 'it''s' FROM t`},                           // 4
		{Profile: "dev", Statement: "select 1", Started: now.Add(-48 * time.Hour)},                 // 5
		{Profile: "dev", Statement: "SELECT name FROM customers WHERE email LIKE '%@example.com'"}, // 6
	}
	for _, e := range stmts {
		if _, err := s.AddHistory(ctx, e, Retention{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkHistory(ctx, 2, true, []string{"slow", "orders"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    dba.HistoryFilter
		want []int64
	}{
		{"all newest first", dba.HistoryFilter{}, []int64{6, 5, 4, 3, 2, 1}},
		{"trigram fragment", dba.HistoryFilter{Text: "order_it"}, []int64{2}},
		{"case-insensitive words", dba.HistoryFilter{Text: "innodb status"}, []int64{3}},
		{"FTS syntax is literal", dba.HistoryFilter{Text: `"a*b"`}, []int64{4}},
		{"quote inside", dba.HistoryFilter{Text: "it''s"}, []int64{4}},
		{"short text uses LIKE", dba.HistoryFilter{Text: "1"}, []int64{5}},
		{"LIKE wildcards are literal", dba.HistoryFilter{Text: "%@"}, []int64{6}},
		{"profile", dba.HistoryFilter{Profile: "prod"}, []int64{2, 1}},
		{"favourites", dba.HistoryFilter{Favourites: true}, []int64{2}},
		{"tag", dba.HistoryFilter{Tag: "slow"}, []int64{2}},
		{"tag is exact", dba.HistoryFilter{Tag: "slo"}, []int64{}},
		{"tag matches tags text too", dba.HistoryFilter{Text: "slow"}, []int64{2}},
		{"errors", dba.HistoryFilter{ErrorsOnly: true}, []int64{3}},
		{"since", dba.HistoryFilter{Since: now.Add(-time.Hour), Profile: "dev"}, []int64{6, 4, 3}},
		{"limit", dba.HistoryFilter{Limit: 2}, []int64{6, 5}},
		{"no match", dba.HistoryFilter{Text: "zzzzzz"}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.History(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	e, err := s.HistoryEntry(ctx, 2)
	if err != nil || !e.Favourite || !cmp.Equal(e.Tags, []string{"slow", "orders"}) {
		t.Errorf("entry 2 = %+v, %v", e, err)
	}
	if _, err := s.HistoryEntry(ctx, 99); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("missing entry: %v", err)
	}
	// Deleting a batch with one unknown id deletes nothing.
	if err := s.DeleteHistory(ctx, []int64{1, 99}); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("delete with unknown id: %v", err)
	}
	if _, err := s.HistoryEntry(ctx, 1); err != nil {
		t.Errorf("entry 1 gone after a failed batch delete: %v", err)
	}
	if err := s.DeleteHistory(ctx, []int64{1}); err != nil {
		t.Fatal(err)
	}
	// The FTS index follows deletes.
	if got, _ := s.History(ctx, dba.HistoryFilter{Text: "status = 'new'"}); len(got) != 0 {
		t.Errorf("deleted entry still found: %v", ids(got))
	}
}

func TestHistoryRetention(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	s := openClocked(t, &now)
	keep := Retention{MaxEntries: 5, MaxAge: 24 * time.Hour}
	old, _ := s.AddHistory(ctx, dba.HistoryEntry{Profile: "p", Statement: "old", Started: now.Add(-72 * time.Hour)}, Retention{})
	oldFav, _ := s.AddHistory(ctx, dba.HistoryEntry{Profile: "p", Statement: "old favourite", Started: now.Add(-72 * time.Hour)}, Retention{})
	if err := s.MarkHistory(ctx, oldFav, true, nil); err != nil {
		t.Fatal(err)
	}
	var last int64
	var err error
	for i := range 12 {
		last, err = s.AddHistory(ctx, dba.HistoryEntry{Profile: "p", Statement: fmt.Sprintf("SELECT %d", i)}, keep)
		if err != nil {
			t.Fatal(err)
		}
	}
	all, _ := s.History(ctx, dba.HistoryFilter{Limit: 100})
	want := []int64{last, last - 1, last - 2, last - 3, last - 4, oldFav}
	if diff := cmp.Diff(want, ids(all)); diff != "" {
		t.Errorf("after retention (-want +got):\n%s", diff)
	}
	_ = old
	n, err := s.ClearHistory(ctx, time.Time{}, false)
	if err != nil || n != 5 {
		t.Errorf("clear: %d, %v", n, err)
	}
	if all, _ := s.History(ctx, dba.HistoryFilter{}); len(all) != 1 {
		t.Errorf("favourite did not survive clear: %v", ids(all))
	}
}

func BenchmarkHistorySearch(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: filepath.Join(b.TempDir(), "h.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tables := []string{"orders", "order_items", "customers", "products", "payments"}
	for i := range 10000 {
		q := fmt.Sprintf("SELECT * FROM %s WHERE id = %d AND note LIKE '%%x%d%%'", tables[i%5], i, i)
		if _, err := s.AddHistory(ctx, dba.HistoryEntry{Profile: "p", Statement: q}, Retention{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := s.History(ctx, dba.HistoryFilter{Text: "order_items WHERE id = 42"}); err != nil {
			b.Fatal(err)
		}
	}
}
