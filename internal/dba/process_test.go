package dba

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLockWaitObject(t *testing.T) {
	tests := []struct {
		w    LockWait
		want string
	}{
		{LockWait{Schema: "shop", Table: "orders", Index: "PRIMARY"}, "shop.orders (PRIMARY)"},
		{LockWait{Schema: "t_ps", Table: "we`ird 'é ☃"}, "t_ps.`we``ird 'é ☃`"},
		{LockWait{Schema: "2024", Table: "t", Partition: "p0"}, "`2024`.t partition p0"},
		{LockWait{Table: "t09"}, "t09"},
		{LockWait{}, "``"},
	}
	for _, tt := range tests {
		if got := tt.w.Object(); got != tt.want {
			t.Errorf("Object() = %q, want %q", got, tt.want)
		}
	}
}

func TestParseGroupKeys(t *testing.T) {
	tests := []struct {
		in   string
		want []GroupKey
		err  string
	}{
		{"", nil, ""},
		{"user", []GroupKey{GroupUser}, ""},
		{" User , lock-role ", []GroupKey{GroupUser, GroupLockRole}, ""},
		{"trx,host", []GroupKey{GroupTransaction, GroupHost}, ""},
		{"user,db,host", nil, "one or two keys"},
		{"db,db", nil, "given twice"},
		{"fingerprnt", nil, `did you mean "fingerprint"?`},
	}
	for _, tt := range tests {
		got, err := ParseGroupKeys(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalid) {
				t.Errorf("ParseGroupKeys(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseGroupKeys(%q): %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseGroupKeys(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseSortKey(t *testing.T) {
	for in, want := range map[string]ProcessSortKey{"": SortTime, "TIME": SortTime, "trx-age": SortTrxAge, "rows_locked": SortRowsLocked} {
		if got, err := ParseSortKey(in); err != nil || got != want {
			t.Errorf("ParseSortKey(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseSortKey("tmie"); err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"time"`) {
		t.Errorf("bad key: %v", err)
	}
}

func TestTransactionWaiting(t *testing.T) {
	var none *Transaction
	if none.Waiting() || (&Transaction{State: "RUNNING"}).Waiting() || !(&Transaction{State: "LOCK WAIT"}).Waiting() {
		t.Error("Waiting")
	}
	if (Session{Command: "Sleep"}).Active() || (Session{Command: "Daemon"}).Active() || !(Session{Command: "Query"}).Active() {
		t.Error("Active")
	}
}
