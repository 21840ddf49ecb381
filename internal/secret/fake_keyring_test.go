package secret

import (
	"errors"
	"sync"
)

// memKeyring is an in-memory stand-in for the OS keyring service.
type memKeyring struct {
	mu sync.Mutex
	m  map[[2]string]string
}

func newMemKeyring() *memKeyring { return &memKeyring{m: map[[2]string]string{}} }

func (k *memKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[[2]string{service, user}] = password
	return nil
}

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.m[[2]string{service, user}]
	if !ok {
		return "", ErrNotFound
	}
	return s, nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[[2]string{service, user}]; !ok {
		return ErrNotFound
	}
	delete(k.m, [2]string{service, user})
	return nil
}

func (k *memKeyring) entries() map[[2]string]string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[[2]string]string{}
	for key, v := range k.m {
		out[key] = v
	}
	return out
}

// failKeyring fails every call, like Secret Service without a D-Bus session.
type failKeyring struct{ err error }

func (k failKeyring) Set(string, string, string) error   { return k.err }
func (k failKeyring) Get(string, string) (string, error) { return "", k.err }
func (k failKeyring) Delete(string, string) error        { return k.err }

// hangKeyring blocks every call until release is closed, like a keyring
// waiting on an unlock prompt nobody answers.
type hangKeyring struct{ release chan struct{} }

func (k hangKeyring) Set(string, string, string) error {
	<-k.release
	return errors.New("released")
}

func (k hangKeyring) Get(string, string) (string, error) {
	<-k.release
	return "", errors.New("released")
}

func (k hangKeyring) Delete(string, string) error {
	<-k.release
	return errors.New("released")
}
