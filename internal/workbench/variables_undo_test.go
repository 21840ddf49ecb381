package workbench

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mydba/mydba/internal/dba"
)

func TestLastVariableChange(t *testing.T) {
	ctx := context.Background()
	w := openWB(t, Options{DisableKeyring: true})
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []dba.VariableChange{
		{Time: at, Profile: "a", Name: "max_connections", Scope: "global", OldValue: "151", NewValue: "200"},
		{Time: at.Add(time.Second), Profile: "a", Name: "max_connect_errors", Scope: "global", OldValue: "100", NewValue: "117"},
		{Time: at, Profile: "b", Name: "long_query_time", Scope: "global", OldValue: "10", NewValue: "1"},
	} {
		if _, err := w.store.AddVariableChange(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		profile string
		want    dba.VariableChange
		err     error
	}{
		{"a", dba.VariableChange{Profile: "a", Name: "max_connect_errors", Scope: "global", OldValue: "100", NewValue: "117"}, nil},
		{"b", dba.VariableChange{Profile: "b", Name: "long_query_time", Scope: "global", OldValue: "10", NewValue: "1"}, nil},
		{"none", dba.VariableChange{}, dba.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			got, err := w.LastVariableChange(ctx, tt.profile)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(dba.VariableChange{}, "ID", "Time")); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
