package secret

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		ref, wantBackend, wantName string
		wantErr                    bool
	}{
		{ref: "keyring:prod", wantBackend: "keyring:", wantName: "prod"},
		{ref: "file:prod", wantBackend: "file:", wantName: "prod"},
		{ref: "file:a:b", wantBackend: "file:", wantName: "a:b"},
		{ref: "keyring:file:x", wantBackend: "keyring:", wantName: "file:x"},
		{ref: "", wantErr: true},
		{ref: "keyring:", wantErr: true},
		{ref: "KEYRING:x", wantErr: true},
		{ref: "vault:x", wantErr: true},
		{ref: "file:a\tb", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			backend, name, err := parseRef(tt.ref)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseRef(%q) error = %v, want error %v", tt.ref, err, tt.wantErr)
			}
			if diff := cmp.Diff([2]string{tt.wantBackend, tt.wantName}, [2]string{backend, name}); diff != "" {
				t.Errorf("parseRef(%q) (-want +got):\n%s", tt.ref, diff)
			}
		})
	}
}

// FuzzParseRef checks that every accepted ref is exactly prefix+name with a
// valid name, so a ref always round-trips to the Put that made it.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"keyring:a", "file:b", "file:", "x:y", "file:a\x00", "keyring:\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		backend, name, err := parseRef(ref)
		if err != nil {
			return
		}
		if backend != refKeyring && backend != refFile {
			t.Fatalf("parseRef(%q) backend = %q", ref, backend)
		}
		if backend+name != ref {
			t.Fatalf("parseRef(%q) = %q + %q, does not round-trip", ref, backend, name)
		}
		if err := checkName(name); err != nil {
			t.Fatalf("parseRef(%q) accepted invalid name: %v", ref, err)
		}
		if strings.ContainsRune(name, '\n') {
			t.Fatalf("parseRef(%q) accepted a newline", ref)
		}
	})
}
