package workbench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/dbtest"
	"github.com/mydba/mydba/internal/mycnf"
)

// memKeyring stands in for the OS keyring service (not a database driver).
type memKeyring struct {
	mu sync.Mutex
	m  map[string]string
}

func (k *memKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[service+"/"+user] = password
	return nil
}

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[service+"/"+user]
	if !ok {
		return "", errors.New("secret not found in keyring")
	}
	return v, nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, service+"/"+user)
	return nil
}

// brokenKeyring is a keyring whose service is down, as on headless Linux.
type brokenKeyring struct{}

func (brokenKeyring) Set(string, string, string) error   { return errors.New("no D-Bus session") }
func (brokenKeyring) Get(string, string) (string, error) { return "", errors.New("no D-Bus session") }
func (brokenKeyring) Delete(string, string) error        { return errors.New("no D-Bus session") }

func openWB(t testing.TB, o Options) *Workbench {
	t.Helper()
	if o.StateDir == "" {
		o.StateDir = t.TempDir()
	}
	w, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func ptr(s string) *string { return &s }

// Profile round trip with a real connection: the stored secret is used to
// connect and never lands in the state file in clear.
func TestProfileRoundTripWithSecret(t *testing.T) {
	for _, backend := range []string{"keyring", "file"} {
		t.Run(backend, func(t *testing.T) {
			d := dbtest.LeastPriv(t)
			ctx := context.Background()
			dir := t.TempDir()
			o := Options{StateDir: dir, DisableKeyring: backend == "file"}
			kr := &memKeyring{m: map[string]string{}}
			if backend == "keyring" {
				o.Keyring = kr
			}
			w := openWB(t, o)
			in := ProfileInput{Profile: dba.Profile{Name: "sandbox", Env: dba.EnvStaging, Target: d.Target}, Password: ptr(d.Password)}
			p, err := w.AddProfile(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.PasswordRef, backend+":") {
				t.Errorf("password ref %q, want backend %s", p.PasswordRef, backend)
			}
			res, err := w.TestConnection(ctx, ConnRequest{Profile: "sandbox"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Report.Server.Flavor != dba.FlavorMariaDB || res.Profile.Env != dba.EnvStaging {
				t.Errorf("report %+v", res.Report)
			}
			w.Close()
			for _, f := range []string{"mydba.db", "mydba.db-wal", "secrets.age", "secrets.key"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					continue
				}
				if bytes.Contains(b, []byte(d.Password)) {
					t.Errorf("%s contains the password in clear", f)
				}
			}
			w2 := openWB(t, o)
			if err := w2.RemoveProfile(ctx, "sandbox"); err != nil {
				t.Fatal(err)
			}
			if backend == "keyring" && len(kr.m) != 0 {
				t.Errorf("keyring still holds %d secrets after rm", len(kr.m))
			}
		})
	}
}

func TestKeyringFallbackNoticeOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var notices []string
	for i := range 2 { // two "processes" on the same state dir
		w := openWB(t, Options{StateDir: dir, Keyring: brokenKeyring{}, Notice: func(m string) { notices = append(notices, m) }})
		for j := range 2 {
			name := []string{"a", "b", "c", "d"}[i*2+j]
			p, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: name, Target: dba.Target{Host: "h"}}, Password: ptr("pw-" + name)})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.PasswordRef, "file:") {
				t.Errorf("ref %q, want file fallback", p.PasswordRef)
			}
		}
		w.Close()
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "keyring unavailable") {
		t.Errorf("notices = %q, want exactly one keyring notice", notices)
	}
}

func TestProfileErrors(t *testing.T) {
	ctx := context.Background()
	w := openWB(t, Options{DisableKeyring: true})
	for _, n := range []string{"prod-eu", "prod-us", "staging"} {
		if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: n, Target: dba.Target{Host: "h"}}}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		err  error
		want string
		call func() error
	}{
		{"unknown with suggestion", dba.ErrNotFound, `did you mean "prod-eu" or "prod-us"?`, func() error { _, err := w.Profile(ctx, "prod-e"); return err }},
		{"unknown without suggestion", dba.ErrNotFound, "mydba conn list", func() error { _, err := w.Profile(ctx, "zzzzzzzz"); return err }},
		{"duplicate", dba.ErrExists, "conn edit", func() error {
			_, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "PROD-EU", Target: dba.Target{Host: "h"}}})
			return err
		}},
		{"bad name", dba.ErrInvalid, "letters, digits", func() error {
			_, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "a b", Target: dba.Target{Host: "h"}}})
			return err
		}},
		{"no address", dba.ErrInvalid, "no host, socket", func() error {
			_, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "x"}})
			return err
		}},
		{"cert without key", dba.ErrInvalid, "both --tls-cert and --tls-key", func() error {
			_, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "x", Target: dba.Target{Host: "h", TLS: dba.TLS{Mode: dba.TLSRequired, Cert: "c.pem"}}}})
			return err
		}},
		{"ssh without auth", dba.ErrInvalid, "--ssh-key FILE or --ssh-agent", func() error {
			_, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "x", Target: dba.Target{Host: "h", SSH: &dba.SSH{User: "u", Host: "b"}}}})
			return err
		}},
		{"rm unknown", dba.ErrNotFound, "not found", func() error { return w.RemoveProfile(ctx, "nope") }},
		{"rename onto existing", dba.ErrExists, "already exists", func() error {
			_, err := w.UpdateProfile(ctx, "staging", ProfileInput{Profile: dba.Profile{Name: "prod-us", Env: dba.EnvDev, Target: dba.Target{Host: "h"}}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %v mentioning %q", err, tt.err, tt.want)
			}
		})
	}
	// Nothing above may have changed the saved profiles.
	ps, _ := w.Profiles(ctx)
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"prod-eu", "prod-us", "staging"}, names); diff != "" {
		t.Errorf("profiles changed by failed calls:\n%s", diff)
	}
}

func TestUpdateKeepsAndReplacesSecrets(t *testing.T) {
	ctx := context.Background()
	kr := &memKeyring{m: map[string]string{}}
	w := openWB(t, Options{Keyring: kr})
	p, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "a", Target: dba.Target{Host: "h"}}, Password: ptr("one")})
	if err != nil {
		t.Fatal(err)
	}
	p.Label = "relabelled"
	p2, err := w.UpdateProfile(ctx, "a", ProfileInput{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	if p2.PasswordRef != p.PasswordRef {
		t.Errorf("edit without a password changed the ref: %q -> %q", p.PasswordRef, p2.PasswordRef)
	}
	p3, err := w.UpdateProfile(ctx, "a", ProfileInput{Profile: p2, Password: ptr("two")})
	if err != nil {
		t.Fatal(err)
	}
	if p3.PasswordRef == p2.PasswordRef || len(kr.m) != 1 {
		t.Errorf("new password: ref %q (old %q), keyring has %d entries, want 1", p3.PasswordRef, p2.PasswordRef, len(kr.m))
	}
	p4, err := w.UpdateProfile(ctx, "a", ProfileInput{Profile: p3, Password: ptr("")})
	if err != nil {
		t.Fatal(err)
	}
	if p4.PasswordRef != "" || len(kr.m) != 0 {
		t.Errorf("clearing the password left ref %q and %d keyring entries", p4.PasswordRef, len(kr.m))
	}
}

func TestOptionFileAndLoginPath(t *testing.T) {
	d := dbtest.LeastPriv(t)
	ctx := context.Background()
	home := t.TempDir()
	cnf := filepath.Join(home, "my.cnf")
	os.WriteFile(cnf, []byte("[client]\nhost = "+d.Target.Host+"\nport = "+itoa(d.Target.Port)+"\nuser = \"mydba\"\npassword = \""+d.Password+"\"\n\n[mysqld]\nport=1\n"), 0o600)
	login, err := mycnf.EncodeLogin([]byte("[client]\nuser = \"nobody\"\n[sandbox]\nuser = \"mydba\"\npassword = \""+d.Password+"\"\nhost = \""+d.Target.Host+"\"\nport = "+itoa(d.Target.Port)+"\n"), [20]byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, ".mylogin.cnf"), login, 0o600)
	w := openWB(t, Options{DisableKeyring: true, HomeDir: home})
	tests := []struct {
		name   string
		target dba.Target
	}{
		{"option file", dba.Target{OptionFile: cnf}},
		{"option file via ~", dba.Target{OptionFile: "~/my.cnf"}},
		{"login path", dba.Target{LoginPath: "sandbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := strings.ReplaceAll(strings.ReplaceAll(tt.name, " ", "-"), "~", "home")
			if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: name, Target: tt.target}}); err != nil {
				t.Fatal(err)
			}
			res, err := w.TestConnection(ctx, ConnRequest{Profile: name})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.Report.CurrentUser, "mydba@") {
				t.Errorf("connected as %q", res.Report.CurrentUser)
			}
		})
	}
	t.Run("unknown login path", func(t *testing.T) {
		w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "lp-missing", Target: dba.Target{LoginPath: "nope"}}})
		_, err := w.TestConnection(ctx, ConnRequest{Profile: "lp-missing"})
		if !errors.Is(err, dba.ErrNotFound) || !strings.Contains(err.Error(), "sandbox") {
			t.Errorf("got %v, want not found listing the groups", err)
		}
	})
}

func TestPasswordCommand(t *testing.T) {
	d := dbtest.LeastPriv(t)
	ctx := context.Background()
	w := openWB(t, Options{DisableKeyring: true})
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte(d.Password+"\nsecond line ignored\n"), 0o600)
	if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "cmd", Target: d.Target, PasswordCommand: "cat " + pwFile}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.TestConnection(ctx, ConnRequest{Profile: "cmd"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddProfile(ctx, ProfileInput{Profile: dba.Profile{Name: "cmd-fails", Target: d.Target, PasswordCommand: "echo vault sealed >&2; exit 3"}}); err != nil {
		t.Fatal(err)
	}
	_, err := w.TestConnection(ctx, ConnRequest{Profile: "cmd-fails"})
	if err == nil || !strings.Contains(err.Error(), "password command failed") || !strings.Contains(err.Error(), "vault sealed") {
		t.Errorf("got %v", err)
	}
}

func TestConnRequestErrors(t *testing.T) {
	w := openWB(t, Options{DisableKeyring: true})
	ctx := context.Background()
	for _, tt := range []struct {
		r    ConnRequest
		want string
	}{
		{ConnRequest{}, "no connection"},
		{ConnRequest{Profile: "a", DSN: "mysql://u@h"}, "not both"},
		{ConnRequest{DSN: "mysql://u@h:port"}, "invalid port"},
	} {
		_, err := w.TestConnection(ctx, tt.r)
		if !errors.Is(err, dba.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want %q", tt.r, err, tt.want)
		}
	}
}

func TestDefaultStateDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"MYDBA_HOME": "/x", "XDG_DATA_HOME": "/y", "HOME": "/h"}, "/x"},
		{map[string]string{"XDG_DATA_HOME": "/y", "HOME": "/h"}, "/y/mydba"},
		{map[string]string{"HOME": "/h"}, "/h/.local/share/mydba"},
	}
	for _, tt := range tests {
		got, err := DefaultStateDir(env(tt.env))
		if err != nil || got != tt.want {
			t.Errorf("DefaultStateDir(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
