package workbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/mydba/mydba/internal/dba"
)

// ProfileInput is a profile as a user describes it, with secrets given in
// the clear (they go to the secret store, never to the state file).
type ProfileInput struct {
	Profile dba.Profile
	// Password, when non-nil, is stored; an empty value removes a stored one.
	Password *string
	// SSHPassphrase, when non-nil, is stored likewise.
	SSHPassphrase *string
}

func validateProfile(p dba.Profile) error {
	if err := dba.ValidateProfileName(p.Name); err != nil {
		return err
	}
	if _, err := dba.ParseEnv(string(p.Env)); err != nil {
		return err
	}
	t := p.Target
	if t.Host == "" && t.Socket == "" && t.OptionFile == "" && t.LoginPath == "" {
		return fmt.Errorf("%w: profile %q has no host, socket, option file or login path", dba.ErrInvalid, p.Name)
	}
	if t.Host != "" && t.Socket != "" {
		return fmt.Errorf("%w: profile %q has both a host and a socket; pick one", dba.ErrInvalid, p.Name)
	}
	if t.Port < 0 || t.Port > 65535 {
		return fmt.Errorf("%w: port %d is not from 1 to 65535", dba.ErrInvalid, t.Port)
	}
	if _, err := dba.ParseTLSMode(t.TLS.Mode); err != nil {
		return err
	}
	if t.TLS.Mode == "" && (t.TLS.CA != "" || t.TLS.Cert != "" || t.TLS.Key != "") {
		return fmt.Errorf("%w: certificate files given but tls mode is off; add --tls required|verify-ca|verify-full", dba.ErrInvalid)
	}
	if (t.TLS.Cert == "") != (t.TLS.Key == "") {
		return fmt.Errorf("%w: a client certificate needs both --tls-cert and --tls-key", dba.ErrInvalid)
	}
	if t.SSH != nil {
		if t.SSH.User == "" || t.SSH.Host == "" {
			return fmt.Errorf("%w: ssh needs user@host[:port]", dba.ErrInvalid)
		}
		if t.SSH.KeyFile == "" && !t.SSH.Agent {
			return fmt.Errorf("%w: ssh needs --ssh-key FILE or --ssh-agent", dba.ErrInvalid)
		}
		if t.Socket != "" {
			return fmt.Errorf("%w: an SSH tunnel reaches a host and port, not a local socket", dba.ErrInvalid)
		}
	}
	if p.PasswordCommand != "" && strings.TrimSpace(p.PasswordCommand) == "" {
		return fmt.Errorf("%w: password command is blank", dba.ErrInvalid)
	}
	return nil
}

// AddProfile validates and saves a new profile, storing its secrets.
func (w *Workbench) AddProfile(ctx context.Context, in ProfileInput) (dba.Profile, error) {
	p := in.Profile
	env, err := dba.ParseEnv(string(p.Env))
	if err != nil {
		return dba.Profile{}, err
	}
	p.Env = env
	if err := validateProfile(p); err != nil {
		return dba.Profile{}, err
	}
	if _, err := w.store.Profile(ctx, p.Name); err == nil {
		return dba.Profile{}, fmt.Errorf("profile %q: %w (use `mydba conn edit`)", p.Name, dba.ErrExists)
	}
	p.PasswordRef, p.SSHPassphraseRef = "", ""
	if err := w.putSecrets(ctx, &p, in); err != nil {
		return dba.Profile{}, err
	}
	saved, err := w.store.CreateProfile(ctx, p)
	if err != nil {
		w.dropSecrets(ctx, p)
		return dba.Profile{}, err
	}
	return saved, nil
}

// UpdateProfile replaces the profile called name with in (a rename when
// in.Profile.Name differs). Secret references are kept unless in carries
// new secrets.
func (w *Workbench) UpdateProfile(ctx context.Context, name string, in ProfileInput) (dba.Profile, error) {
	old, err := w.Profile(ctx, name)
	if err != nil {
		return dba.Profile{}, err
	}
	p := in.Profile
	env, err := dba.ParseEnv(string(p.Env))
	if err != nil {
		return dba.Profile{}, err
	}
	p.Env = env
	if err := validateProfile(p); err != nil {
		return dba.Profile{}, err
	}
	p.PasswordRef, p.SSHPassphraseRef = old.PasswordRef, old.SSHPassphraseRef
	stale := dba.Profile{}
	if in.Password != nil {
		stale.PasswordRef, p.PasswordRef = p.PasswordRef, ""
	}
	if in.SSHPassphrase != nil {
		stale.SSHPassphraseRef, p.SSHPassphraseRef = p.SSHPassphraseRef, ""
	}
	if err := w.putSecrets(ctx, &p, in); err != nil {
		return dba.Profile{}, err
	}
	saved, err := w.store.UpdateProfile(ctx, old.Name, p)
	if err != nil {
		return dba.Profile{}, err
	}
	w.cache.evict(old.Name)
	w.dropSecrets(ctx, stale)
	return saved, nil
}

// putSecrets stores in's secrets under fresh random names, so a deleted
// and re-created profile never inherits or clobbers another's secret.
func (w *Workbench) putSecrets(ctx context.Context, p *dba.Profile, in ProfileInput) error {
	id := make([]byte, 8)
	rand.Read(id)
	base := "profile-" + hex.EncodeToString(id)
	if in.Password != nil && *in.Password != "" {
		ref, err := w.vault.Put(ctx, base+"/password", []byte(*in.Password))
		if err != nil {
			return fmt.Errorf("store password: %w", err)
		}
		p.PasswordRef = ref
	}
	if in.SSHPassphrase != nil && *in.SSHPassphrase != "" {
		ref, err := w.vault.Put(ctx, base+"/ssh-passphrase", []byte(*in.SSHPassphrase))
		if err != nil {
			w.dropSecrets(ctx, *p)
			return fmt.Errorf("store ssh passphrase: %w", err)
		}
		p.SSHPassphraseRef = ref
	}
	return nil
}

func (w *Workbench) dropSecrets(ctx context.Context, p dba.Profile) {
	for _, ref := range []string{p.PasswordRef, p.SSHPassphraseRef} {
		if ref != "" {
			// Best effort: a leftover secret is unreachable without its ref.
			_ = w.vault.Delete(ctx, ref)
		}
	}
}

// Profile returns a profile by name; an unknown name suggests close ones.
func (w *Workbench) Profile(ctx context.Context, name string) (dba.Profile, error) {
	p, err := w.store.Profile(ctx, name)
	if err == nil || !errors.Is(err, dba.ErrNotFound) {
		return p, err
	}
	all, lerr := w.store.Profiles(ctx)
	if lerr != nil {
		return p, err
	}
	names := make([]string, len(all))
	for i, q := range all {
		names[i] = q.Name
	}
	if s := dba.Suggest(name, names); len(s) > 0 {
		return p, fmt.Errorf("profile %q: %w (did you mean %s?)", name, dba.ErrNotFound, quoteList(s, 3))
	}
	if len(names) == 0 {
		return p, fmt.Errorf("profile %q: %w (no profiles yet: add one with `mydba conn add`)", name, dba.ErrNotFound)
	}
	return p, fmt.Errorf("profile %q: %w (see `mydba conn list`)", name, dba.ErrNotFound)
}

func quoteList(s []string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, " or ")
}

// Profiles lists every profile.
func (w *Workbench) Profiles(ctx context.Context) ([]dba.Profile, error) {
	return w.store.Profiles(ctx)
}

// RemoveProfile deletes a profile and its stored secrets.
func (w *Workbench) RemoveProfile(ctx context.Context, name string) error {
	p, err := w.Profile(ctx, name)
	if err != nil {
		return err
	}
	if err := w.store.DeleteProfile(ctx, p.Name); err != nil {
		return err
	}
	w.cache.evict(p.Name)
	w.dropSecrets(ctx, p)
	// Nothing will ever resolve the alerts of a removed connection: close
	// them now, so no badge counts them. A monitor still sampling it
	// stops on its next flush and calls AlertsRemoved.
	if err := w.closeAlertsOf(ctx, p.Name); err != nil {
		return fmt.Errorf("connection %s removed, but its active alerts were not closed: %w", p.Name, err)
	}
	return nil
}

// SecretStatus describes, without revealing it, where a profile's password
// comes from: for `conn show`.
func (w *Workbench) SecretStatus(p dba.Profile) string {
	switch {
	case p.PasswordRef != "":
		backend, _, _ := strings.Cut(p.PasswordRef, ":")
		if backend == "keyring" {
			return "******** (OS keyring)"
		}
		return "******** (encrypted file)"
	case p.PasswordCommand != "":
		return "from command: " + p.PasswordCommand
	case p.Target.LoginPath != "":
		return "from login path " + p.Target.LoginPath
	case p.Target.OptionFile != "":
		return "from option file, if it sets one"
	}
	return "none stored (MYDBA_PASSWORD, --password-stdin or a prompt at connect)"
}
