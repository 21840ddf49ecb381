package secret

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zalando/go-keyring"
)

// Keyring is the subset of github.com/zalando/go-keyring the Vault uses;
// injectable for tests. Get and Delete report a missing entry with an error
// that matches ErrNotFound (or go-keyring's own ErrNotFound) under errors.Is.
type Keyring interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

// SystemKeyring returns the OS keyring: Secret Service over D-Bus on Linux
// and BSD, Keychain on macOS, Credential Manager on Windows.
func SystemKeyring() Keyring { return systemKeyring{} }

type systemKeyring struct{}

var _ Keyring = systemKeyring{}

func (systemKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}

func (systemKeyring) Get(service, user string) (string, error) {
	s, err := keyring.Get(service, user)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrNotFound
	}
	return s, err
}

func (systemKeyring) Delete(service, user string) error {
	err := keyring.Delete(service, user)
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

func isNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, keyring.ErrNotFound)
}

// callWithTimeout runs call but stops waiting after d or when ctx ends.
// Keyring calls cannot be cancelled, so a hung call is abandoned: its
// goroutine ends whenever the keyring finally answers. The caller tells a
// timeout from its own cancellation by checking ctx.Err().
func callWithTimeout(ctx context.Context, d time.Duration, call func() error) error {
	done := make(chan error, 1) // buffered: an abandoned call must not block forever
	go func() { done <- call() }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("keyring did not answer within %s", d)
	case <-ctx.Done():
		return ctx.Err()
	}
}
