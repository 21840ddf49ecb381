package dba

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in   string
		want Severity
		err  bool
	}{
		{"info", SeverityInfo, false},
		{" Warning ", SeverityWarning, false},
		{"warn", SeverityWarning, false},
		{"ERROR", SeverityError, false},
		{"err", SeverityError, false},
		{"fatal", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if got != tt.want || (err != nil) != tt.err || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("ParseSeverity(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestSeverityOrder(t *testing.T) {
	if !SeverityError.AtLeast(SeverityWarning) || !SeverityWarning.AtLeast(SeverityWarning) || SeverityInfo.AtLeast(SeverityWarning) {
		t.Error("AtLeast does not order info < warning < error")
	}
	if Severity("bogus").AtLeast(SeverityInfo) {
		t.Error("an unknown severity counts as info or above")
	}
	fs := []Finding{{Code: "A", Severity: SeverityInfo}, {Code: "B", Severity: SeverityError}}
	if got := MaxSeverity(fs); got != SeverityError {
		t.Errorf("MaxSeverity = %q", got)
	}
	if got := MaxSeverity(nil); got != "" {
		t.Errorf("MaxSeverity(nil) = %q", got)
	}
}

func TestSortFindings(t *testing.T) {
	fs := []Finding{
		{Code: "Z", Severity: SeverityWarning},
		{Code: "B", Severity: SeverityWarning, Line: 2, Column: 1},
		{Code: "A", Severity: SeverityWarning, Line: 2, Column: 1},
		{Code: "C", Severity: SeverityInfo, Line: 1, Column: 1},
		{Code: "D", Severity: SeverityWarning, Line: 1, Column: 9},
		{Code: "E", Severity: SeverityError, Line: 3, Column: 1},
	}
	SortFindings(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Code)
	}
	// Most severe first; then by line and column, unknown positions last;
	// then by code.
	if diff := cmp.Diff([]string{"E", "D", "A", "B", "Z", "C"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
