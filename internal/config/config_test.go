package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/safety"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "absent.toml"))
	if err != nil || c.Path != "" || !cmp.Equal(c.Policy, safety.DefaultPolicy()) {
		t.Fatalf("absent file: %+v %v", c, err)
	}
	c, err = Load(write(t, `
# stricter prod, relaxed dev
[policy.prod]
max_rows = 100
[policy.dev]
confirm_destructive = false
[history]
max_entries = 500
max_age = "720h"
`))
	if err != nil {
		t.Fatal(err)
	}
	prod := safety.DefaultPolicy()[dba.EnvProd]
	prod.MaxRows = 100
	want := safety.DefaultPolicy()
	want[dba.EnvProd] = prod
	want[dba.EnvDev] = safety.EnvPolicy{AllowCritical: true}
	if diff := cmp.Diff(want, c.Policy); diff != "" {
		t.Errorf("policy (-want +got):\n%s", diff)
	}
	if c.History != (Retention{MaxEntries: 500, MaxAge: 720 * time.Hour}) {
		t.Errorf("history %+v", c.History)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ body, msg string }{
		{"[policy.prod]\nmax_row = 5\n", "unknown key policy.prod.max_row"},
		{"[policy.production]\nmax_rows = 5\n", "policy.production"},
		{"[policy.prod]\nmax_rows = -1\n", "max_rows must be 0"},
		{"[policy.prod]\nmax_rows = \"many\"\n", "max_rows"},
		{"[history]\nmax_age = \"forever\"\n", "max_age"},
		{"not toml at all [", "config"},
	}
	for _, tt := range tests {
		_, err := Load(write(t, tt.body))
		if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: %v", tt.body, err)
		}
	}
}
