package dba

import (
	"fmt"
	"time"
	"unicode"
)

// Profile is a saved connection: where the server is, which environment it
// belongs to, and references to its secrets (never the secrets themselves).
type Profile struct {
	Name   string `json:"name"`
	Env    Env    `json:"env"`
	Label  string `json:"label,omitempty"`
	Color  string `json:"color,omitempty"`
	Target Target `json:"target"`
	// PasswordRef points into the secret store ("keyring:..." or "file:...").
	PasswordRef string `json:"password_ref,omitempty"`
	// PasswordCommand is run at connect time; its stdout is the password.
	PasswordCommand string `json:"password_command,omitempty"`
	// SSHPassphraseRef points at the passphrase of the SSH key, if stored.
	SSHPassphraseRef string    `json:"ssh_passphrase_ref,omitempty"`
	Created          time.Time `json:"created"`
	Updated          time.Time `json:"updated"`
}

// ValidateProfileName accepts names people can type in a shell without
// quoting: letters, digits, '-', '_', '.', at most 64 characters.
func ValidateProfileName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: profile name is empty", ErrInvalid)
	}
	if len(name) > 64 {
		return fmt.Errorf("%w: profile name is longer than 64 characters", ErrInvalid)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return fmt.Errorf("%w: profile name %q: use letters, digits, '-', '_' or '.'", ErrInvalid, name)
		}
	}
	return nil
}
