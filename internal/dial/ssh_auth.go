package dial

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// ErrWrongPassphrase is wrapped by the error DialContext returns when the
// passphrase does not decrypt SSHOptions.KeyFile, so a caller can ask again.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// loadKeyFile parses a private key file, asking for the passphrase only when
// the key is encrypted.
func loadKeyFile(path string, passphrase func() ([]byte, error)) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ssh key file %q: %w", path, err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == nil {
			return nil, fmt.Errorf("ssh key file %q is passphrase-protected and no passphrase prompt is configured", path)
		}
		pw, perr := passphrase()
		if perr != nil {
			return nil, fmt.Errorf("ssh key file %q: reading passphrase: %w", path, perr)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(data, pw)
		clear(pw)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("ssh key file %q: %w", path, ErrWrongPassphrase)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("ssh key file %q: %w", path, err)
	}
	return signer, nil
}

// auth is the public key authentication for one connect: the key file's
// signer first (the user chose it, and servers cap the number of tries),
// then the agent's keys.
type auth struct {
	key      ssh.Signer
	agent    agent.ExtendedAgent
	agentErr error // why the agent is not used, when a key file carries on without it
	close    func()
}

// newAuth opens the agent (if asked for) for the length of one handshake.
// An unreachable agent is an error only when there is no key file to use.
func newAuth(ctx context.Context, key ssh.Signer, useAgent bool, socket string) (*auth, error) {
	a := &auth{key: key, close: func() {}}
	if !useAgent {
		return a, nil
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		err = fmt.Errorf("ssh agent at %q: %w", socket, err)
		if key == nil {
			return nil, err
		}
		a.agentErr = err
		return a, nil
	}
	a.agent = agent.NewClient(conn)
	a.close = func() { conn.Close() }
	return a, nil
}

func (a *auth) signers() ([]ssh.Signer, error) {
	var list []ssh.Signer
	if a.key != nil {
		list = append(list, a.key)
	}
	if a.agent != nil {
		more, err := a.agent.Signers()
		if err != nil && len(list) == 0 {
			return nil, fmt.Errorf("ssh agent: %w", err)
		}
		list = append(list, more...)
	}
	return list, nil
}

// methods returns one publickey method: x/crypto/ssh tries each method name
// once, so key file and agent must share it for both to be tried.
func (a *auth) methods() []ssh.AuthMethod {
	return []ssh.AuthMethod{ssh.PublicKeysCallback(a.signers)}
}
