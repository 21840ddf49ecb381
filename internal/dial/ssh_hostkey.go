package dial

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// UnknownHostKeyError means known_hosts has no key for the SSH server. The
// caller may show Fingerprint to the user, who compares it with the one the
// server's administrator gives before trusting it.
type UnknownHostKeyError struct {
	Host           string // as dialled, without port
	Port           int
	KeyType        string // e.g. "ssh-ed25519"
	Fingerprint    string // "SHA256:..."
	KnownHostsFile string
}

func (e *UnknownHostKeyError) Error() string {
	return fmt.Sprintf("ssh host %s is not in %s (its %s key is %s); if that fingerprint is the server's, trust it with: ssh-keyscan -p %d %s >> %s",
		net.JoinHostPort(e.Host, strconv.Itoa(e.Port)), e.KnownHostsFile, e.KeyType, e.Fingerprint,
		e.Port, e.Host, e.KnownHostsFile)
}

// HostKeyChangedError means the SSH server presented a key other than the
// one known_hosts holds for it: the server was reinstalled, or someone is in
// the middle. It is never trusted automatically.
type HostKeyChangedError struct {
	Host           string
	Port           int
	KeyType        string
	Fingerprint    string   // what the server sent
	Known          []string // "file:line" of the entries it does not match
	KnownHostsFile string
}

func (e *HostKeyChangedError) Error() string {
	return fmt.Sprintf("ssh host key for %s has CHANGED: the server sent %s key %s, which does not match %s; this may be a man-in-the-middle attack. If the server was really reinstalled, remove the old entry with: ssh-keygen -R %q -f %s",
		net.JoinHostPort(e.Host, strconv.Itoa(e.Port)), e.KeyType, e.Fingerprint,
		strings.Join(e.Known, ", "), knownhosts.Normalize(net.JoinHostPort(e.Host, strconv.Itoa(e.Port))), e.KnownHostsFile)
}

// hostKeyCheck is what connect needs from known_hosts for one server.
type hostKeyCheck struct {
	callback   ssh.HostKeyCallback
	algorithms []string // host key algorithms to offer; nil keeps the defaults
}

// loadHostKeyCheck reads file afresh on each connect, so that a key the
// user has just added with ssh-keyscan is seen without a restart. A missing
// file counts as empty: the user then gets the fingerprint and the command
// that creates it.
func loadHostKeyCheck(file, host string, port int, remote net.Addr) (hostKeyCheck, error) {
	cb, err := knownhosts.New(file)
	if errors.Is(err, fs.ErrNotExist) {
		cb = func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }
	} else if err != nil {
		return hostKeyCheck{}, fmt.Errorf("known hosts file: %w", err)
	}
	hostport := net.JoinHostPort(host, strconv.Itoa(port))
	check := hostKeyCheck{
		callback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := cb(hostname, remote, key)
			var keyErr *knownhosts.KeyError
			var revoked *knownhosts.RevokedError
			switch {
			case err == nil:
				return nil
			case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
				return &UnknownHostKeyError{Host: host, Port: port, KeyType: key.Type(),
					Fingerprint: ssh.FingerprintSHA256(key), KnownHostsFile: file}
			case errors.As(err, &keyErr):
				changed := &HostKeyChangedError{Host: host, Port: port, KeyType: key.Type(),
					Fingerprint: ssh.FingerprintSHA256(key), KnownHostsFile: file}
				for _, k := range keyErr.Want {
					changed.Known = append(changed.Known, fmt.Sprintf("%s:%d", k.Filename, k.Line))
				}
				return changed
			case errors.As(err, &revoked):
				return fmt.Errorf("ssh host key %s of %s is marked @revoked in %s:%d",
					ssh.FingerprintSHA256(key), hostport, revoked.Revoked.Filename, revoked.Revoked.Line)
			}
			return fmt.Errorf("ssh host key of %s: %w", hostport, err)
		},
	}
	// Ask known_hosts which key types it holds for this host by checking a
	// key it cannot hold. Offering only those algorithms makes a server with
	// several host keys present one we know, instead of a "changed" error
	// for an ed25519 key when known_hosts holds its ecdsa key (what OpenSSH
	// does too).
	var keyErr *knownhosts.KeyError
	if errors.As(cb(hostport, remote, probeKey{}), &keyErr) && len(keyErr.Want) > 0 {
		var formats []string
		for _, k := range keyErr.Want {
			formats = append(formats, k.Key.Type())
		}
		for _, algo := range ssh.SupportedAlgorithms().HostKeys {
			if slices.Contains(formats, keyFormat(algo)) {
				check.algorithms = append(check.algorithms, algo)
			}
		}
	}
	return check, nil
}

// keyFormat is the public key type that a host key signature algorithm
// uses; only RSA has algorithms named differently from its key type.
func keyFormat(algo string) string {
	switch algo {
	case ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512:
		return ssh.KeyAlgoRSA
	}
	return algo
}

// probeKey is a public key that matches no known_hosts entry.
type probeKey struct{}

func (probeKey) Type() string                        { return "mydba-probe" }
func (probeKey) Marshal() []byte                     { return []byte("\x00\x00\x00\x0bmydba-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key cannot verify") }
