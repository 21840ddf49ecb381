// Package secret keeps small secrets (database passwords, SSH passphrases,
// API keys) out of the SQLite state file. A secret goes to the OS keyring
// when one answers, otherwise to an age-encrypted file in the state
// directory; the caller stores only the returned reference string.
//
// It imports only the standard library, zalando/go-keyring, filippo.io/age
// and golang.org/x/sys; nothing in mydba may be imported from here.
package secret

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrNotFound is returned (wrapped) by Get when no secret exists for a ref.
var ErrNotFound = errors.New("secret not found")

// Ref prefixes; Get and Delete route by them.
const (
	refKeyring = "keyring:"
	refFile    = "file:"
)

const (
	defaultService        = "mydba"
	defaultKeyringTimeout = 3 * time.Second
	maxNameLen            = 255
)

// Options configures a Vault.
type Options struct {
	// Dir is the state directory holding secrets.age, secrets.key and
	// secrets.lock. It is created with mode 0700 on first file use.
	Dir string
	// Keyring is the OS keyring to try first; nil means file only.
	Keyring Keyring
	// Service is the keyring service name; default "mydba".
	Service string
	// KeyringTimeout bounds every keyring call, because a locked D-Bus
	// keyring can block forever on an unlock prompt; default 3s.
	KeyringTimeout time.Duration
	// Notice is told once per Vault when a Put falls back from the keyring
	// to the encrypted file, with the reason. It is not called when Keyring
	// is nil, since then the file is the configured choice.
	Notice func(msg string)
}

// Vault stores and retrieves secrets. It is safe for concurrent use, and
// several Vaults (also in other processes) may share one Dir.
type Vault struct {
	keyring Keyring
	service string
	timeout time.Duration
	notice  func(string)
	file    fileStore

	mu          sync.Mutex
	keyringDown bool // set by the first failed keyring Set; never cleared
}

// Open returns a Vault for o. It does not touch the disk or the keyring;
// both are used lazily so that a keyring-only user never gets files.
func Open(o Options) (*Vault, error) {
	if o.Dir == "" {
		return nil, errors.New("open secret vault: state directory is required")
	}
	if o.KeyringTimeout < 0 {
		return nil, fmt.Errorf("open secret vault: negative keyring timeout %s", o.KeyringTimeout)
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("open secret vault: %w", err)
	}
	v := &Vault{
		keyring: o.Keyring,
		service: o.Service,
		timeout: o.KeyringTimeout,
		notice:  o.Notice,
		file:    newFileStore(dir),
	}
	if v.service == "" {
		v.service = defaultService
	}
	if v.timeout == 0 {
		v.timeout = defaultKeyringTimeout
	}
	return v, nil
}

// Put stores value under name and returns the ref to keep. It tries the
// keyring first; on any keyring failure it switches this Vault to the
// encrypted file for good and calls Notice once. Values that are not
// NUL-free UTF-8 text go to the file directly, since keyrings store text.
// Putting an existing name in the same backend replaces its value.
func (v *Vault) Put(ctx context.Context, name string, value []byte) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("store secret %q: %w", name, err)
	}
	if v.useKeyring() && keyringSafe(value) {
		err := callWithTimeout(ctx, v.timeout, func() error {
			return v.keyring.Set(v.service, name, string(value))
		})
		if err == nil {
			return refKeyring + name, nil
		}
		// The caller giving up says nothing about the keyring.
		if ctx.Err() != nil {
			return "", fmt.Errorf("store secret %q: %w", name, ctx.Err())
		}
		v.fallBack(redact(err.Error(), value))
	}
	if err := v.file.put(ctx, name, value); err != nil {
		return "", fmt.Errorf("store secret %q: %w", name, err)
	}
	return refFile + name, nil
}

// Get returns the secret behind ref. A missing secret is ErrNotFound.
func (v *Vault) Get(ctx context.Context, ref string) ([]byte, error) {
	backend, name, err := parseRef(ref)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read secret %q: %w", ref, err)
	}
	switch backend {
	case refKeyring:
		if v.keyring == nil {
			return nil, fmt.Errorf("read secret %q: it is in the OS keyring, but no keyring is configured", ref)
		}
		var s string
		err := callWithTimeout(ctx, v.timeout, func() error {
			var err error
			s, err = v.keyring.Get(v.service, name)
			return err
		})
		if err != nil {
			if isNotFound(err) {
				return nil, fmt.Errorf("read secret %q: %w", ref, ErrNotFound)
			}
			return nil, fmt.Errorf("read secret %q from keyring: %w", ref, err)
		}
		return []byte(s), nil
	default:
		val, err := v.file.get(name)
		if err != nil {
			return nil, fmt.Errorf("read secret %q: %w", ref, err)
		}
		return val, nil
	}
}

// Delete removes the secret behind ref. A missing secret is not an error.
func (v *Vault) Delete(ctx context.Context, ref string) error {
	backend, name, err := parseRef(ref)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete secret %q: %w", ref, err)
	}
	switch backend {
	case refKeyring:
		if v.keyring == nil {
			return fmt.Errorf("delete secret %q: it is in the OS keyring, but no keyring is configured", ref)
		}
		err := callWithTimeout(ctx, v.timeout, func() error {
			return v.keyring.Delete(v.service, name)
		})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("delete secret %q from keyring: %w", ref, err)
		}
		return nil
	default:
		if err := v.file.delete(ctx, name); err != nil {
			return fmt.Errorf("delete secret %q: %w", ref, err)
		}
		return nil
	}
}

// Backend says where new secrets go, for display: "keyring" or
// "encrypted file <path>".
func (v *Vault) Backend() string {
	if v.useKeyring() {
		return "keyring"
	}
	return "encrypted file " + v.file.dataPath
}

func (v *Vault) useKeyring() bool {
	if v.keyring == nil {
		return false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return !v.keyringDown
}

// fallBack marks the keyring unavailable and tells Notice the first time.
// Notice runs outside the lock so that it may call back into the Vault.
func (v *Vault) fallBack(reason string) {
	v.mu.Lock()
	first := !v.keyringDown
	v.keyringDown = true
	v.mu.Unlock()
	if first && v.notice != nil {
		v.notice(fmt.Sprintf("OS keyring unavailable (%s); secrets are stored in the encrypted file %s",
			reason, v.file.dataPath))
	}
}

// parseRef splits "keyring:<name>" or "file:<name>" into backend prefix and name.
func parseRef(ref string) (backend, name string, err error) {
	for _, p := range []string{refKeyring, refFile} {
		if n, ok := strings.CutPrefix(ref, p); ok {
			if err := checkName(n); err != nil {
				return "", "", fmt.Errorf("invalid secret ref %q: %w", ref, err)
			}
			return p, n, nil
		}
	}
	return "", "", fmt.Errorf("invalid secret ref %q: want keyring:<name> or file:<name>", ref)
}

// checkName keeps names printable so that they read well in refs, keyring
// managers and error messages, and survive as JSON object keys.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("secret name is empty")
	case len(name) > maxNameLen:
		return fmt.Errorf("secret name is longer than %d bytes", maxNameLen)
	case !utf8.ValidString(name):
		return errors.New("secret name is not valid UTF-8")
	case strings.ContainsFunc(name, unicode.IsControl):
		return errors.New("secret name contains a control character")
	}
	return nil
}

// keyringSafe reports whether value survives a keyring, which stores text.
func keyringSafe(value []byte) bool {
	return utf8.Valid(value) && !strings.ContainsRune(string(value), 0)
}

// redact removes the value from a keyring error before it is shown, in case
// a backend echoes its input.
func redact(msg string, value []byte) string {
	if len(value) == 0 {
		return msg
	}
	return strings.ReplaceAll(msg, string(value), "[redacted]")
}
