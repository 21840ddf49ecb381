package secret

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zalando/go-keyring"
)

func newVault(t *testing.T, o Options) *Vault {
	t.Helper()
	v, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return v
}

// noticeRecorder collects Notice messages from any goroutine.
type noticeRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *noticeRecorder) notice(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
}

func (r *noticeRecorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name        string
		opts        Options
		wantErr     string
		wantBackend string
	}{
		{name: "no dir", opts: Options{}, wantErr: "state directory is required"},
		{name: "negative timeout", opts: Options{Dir: dir, KeyringTimeout: -time.Second}, wantErr: "negative keyring timeout"},
		{name: "file only", opts: Options{Dir: dir}, wantBackend: "encrypted file " + filepath.Join(dir, "secrets.age")},
		{name: "keyring", opts: Options{Dir: dir, Keyring: newMemKeyring()}, wantBackend: "keyring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Open(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if diff := cmp.Diff(tt.wantBackend, v.Backend()); diff != "" {
				t.Errorf("Backend (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenRelativeDir(t *testing.T) {
	t.Chdir(t.TempDir())
	v := newVault(t, Options{Dir: "state"})
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	want := "encrypted file " + filepath.Join(wd, "state", "secrets.age")
	if diff := cmp.Diff(want, v.Backend()); diff != "" {
		t.Errorf("Backend (-want +got):\n%s", diff)
	}
}

func TestKeyringPut(t *testing.T) {
	tests := []struct {
		name        string
		service     string
		secret      string
		value       []byte
		wantRef     string
		wantService string
	}{
		{name: "password", secret: "prod/db", value: []byte("s3cr:et pass"), wantRef: "keyring:prod/db", wantService: "mydba"},
		{name: "unicode", secret: "ключ", value: []byte("пароль ✓"), wantRef: "keyring:ключ", wantService: "mydba"},
		{name: "empty value", secret: "empty", value: []byte{}, wantRef: "keyring:empty", wantService: "mydba"},
		{name: "custom service", service: "mydba-test", secret: "a:b", value: []byte("x"), wantRef: "keyring:a:b", wantService: "mydba-test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			kr := newMemKeyring()
			dir := filepath.Join(t.TempDir(), "state")
			var rec noticeRecorder
			v := newVault(t, Options{Dir: dir, Keyring: kr, Service: tt.service, Notice: rec.notice})
			ref, err := v.Put(ctx, tt.secret, tt.value)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if diff := cmp.Diff(tt.wantRef, ref); diff != "" {
				t.Errorf("ref (-want +got):\n%s", diff)
			}
			got, err := v.Get(ctx, ref)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(tt.value, got); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}
			want := map[[2]string]string{{tt.wantService, tt.secret}: string(tt.value)}
			if diff := cmp.Diff(want, kr.entries()); diff != "" {
				t.Errorf("keyring entries (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("state dir touched by a keyring Put: stat err = %v", err)
			}
			if len(rec.got()) != 0 {
				t.Errorf("Notice called: %q", rec.got())
			}
		})
	}
}

// A value the keyring cannot hold as text goes to the file, and that is
// not a keyring failure.
func TestKeyringBinaryValueGoesToFile(t *testing.T) {
	ctx := t.Context()
	kr := newMemKeyring()
	var rec noticeRecorder
	v := newVault(t, Options{Dir: t.TempDir(), Keyring: kr, Notice: rec.notice})
	for _, value := range [][]byte{{0xff, 0xfe, 0x00}, []byte("nul\x00inside")} {
		ref, err := v.Put(ctx, "bin", value)
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if diff := cmp.Diff("file:bin", ref); diff != "" {
			t.Errorf("ref (-want +got):\n%s", diff)
		}
		got, err := v.Get(ctx, ref)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if diff := cmp.Diff(value, got); diff != "" {
			t.Errorf("Get (-want +got):\n%s", diff)
		}
	}
	if len(kr.entries()) != 0 || len(rec.got()) != 0 || v.Backend() != "keyring" {
		t.Errorf("keyring entries %v, notices %q, backend %q; want none, none, keyring", kr.entries(), rec.got(), v.Backend())
	}
}

func TestKeyringFallback(t *testing.T) {
	const timeout = 50 * time.Millisecond
	tests := []struct {
		name       string
		keyring    func(t *testing.T) Keyring
		wantReason string
		maxPut     time.Duration // bound on the first Put
	}{
		{
			name: "failing keyring",
			keyring: func(*testing.T) Keyring {
				return failKeyring{err: errors.New("The name org.freedesktop.secrets was not provided by any .service files")}
			},
			wantReason: "(The name org.freedesktop.secrets was not provided by any .service files)",
			maxPut:     5 * time.Second,
		},
		{
			name: "hanging keyring",
			keyring: func(t *testing.T) Keyring {
				k := hangKeyring{release: make(chan struct{})}
				t.Cleanup(func() { close(k.release) })
				return k
			},
			wantReason: "(keyring did not answer within 50ms)",
			maxPut:     2 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			dir := t.TempDir()
			var rec noticeRecorder
			v := newVault(t, Options{Dir: dir, Keyring: tt.keyring(t), KeyringTimeout: timeout, Notice: rec.notice})

			start := time.Now()
			ref, err := v.Put(ctx, "first", []byte("one"))
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if elapsed > tt.maxPut {
				t.Errorf("first Put took %s, want at most %s", elapsed, tt.maxPut)
			}
			if diff := cmp.Diff("file:first", ref); diff != "" {
				t.Errorf("ref (-want +got):\n%s", diff)
			}

			// Later Puts, also concurrent ones, go straight to the file.
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Go(func() {
					_, errs[i] = v.Put(ctx, "more", []byte("two"))
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("concurrent Put: %v", err)
			}
			got, err := v.Get(ctx, "file:first")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff([]byte("one"), got); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}

			path := filepath.Join(dir, "secrets.age")
			want := []string{"OS keyring unavailable " + tt.wantReason + "; secrets are stored in the encrypted file " + path}
			if diff := cmp.Diff(want, rec.got()); diff != "" {
				t.Errorf("notices (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff("encrypted file "+path, v.Backend()); diff != "" {
				t.Errorf("Backend (-want +got):\n%s", diff)
			}
		})
	}
}

// Concurrent first Puts all probe the keyring; Notice still fires once.
func TestKeyringFallbackConcurrentProbe(t *testing.T) {
	ctx := t.Context()
	k := hangKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(k.release) })
	var rec noticeRecorder
	v := newVault(t, Options{Dir: t.TempDir(), Keyring: k, KeyringTimeout: 20 * time.Millisecond, Notice: rec.notice})
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = v.Put(ctx, "same", []byte("value"))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if n := len(rec.got()); n != 1 {
		t.Errorf("Notice called %d times, want 1: %q", n, rec.got())
	}
}

func TestKeyringFallbackRedactsValue(t *testing.T) {
	const value = "Tr0ub4dor&3"
	var rec noticeRecorder
	v := newVault(t, Options{
		Dir:     t.TempDir(),
		Keyring: failKeyring{err: errors.New("cannot store " + value + " for user")},
		Notice:  rec.notice,
	})
	if _, err := v.Put(t.Context(), "n", []byte(value)); err != nil {
		t.Fatalf("Put: %v", err)
	}
	msgs := rec.got()
	if len(msgs) != 1 {
		t.Fatalf("notices = %q, want one", msgs)
	}
	if strings.Contains(msgs[0], value) || !strings.Contains(msgs[0], "cannot store [redacted] for user") {
		t.Errorf("notice = %q, want the value redacted", msgs[0])
	}
}

// A caller giving up while the keyring hangs is not a keyring failure.
func TestKeyringCallerCancel(t *testing.T) {
	k := hangKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(k.release) })
	var rec noticeRecorder
	dir := t.TempDir()
	v := newVault(t, Options{Dir: dir, Keyring: k, KeyringTimeout: time.Minute, Notice: rec.notice})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	_, err := v.Put(ctx, "n", []byte("v"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Put error = %v, want context.DeadlineExceeded", err)
	}
	if len(rec.got()) != 0 || v.Backend() != "keyring" {
		t.Errorf("notices %q, backend %q; want none and keyring", rec.got(), v.Backend())
	}
	if _, err := os.Stat(filepath.Join(dir, "secrets.age")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("secrets file written after cancel: stat err = %v", err)
	}
}

func TestKeyringGetAndDeleteTimeout(t *testing.T) {
	k := hangKeyring{release: make(chan struct{})}
	t.Cleanup(func() { close(k.release) })
	v := newVault(t, Options{Dir: t.TempDir(), Keyring: k, KeyringTimeout: 20 * time.Millisecond})
	tests := []struct {
		name string
		call func() error
	}{
		{name: "get", call: func() error { _, err := v.Get(t.Context(), "keyring:n"); return err }},
		{name: "delete", call: func() error { return v.Delete(t.Context(), "keyring:n") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), "keyring did not answer within 20ms") {
				t.Errorf("error = %v, want a keyring timeout", err)
			}
		})
	}
}

func TestNilKeyringNoNotice(t *testing.T) {
	var rec noticeRecorder
	v := newVault(t, Options{Dir: t.TempDir(), Notice: rec.notice})
	ref, err := v.Put(t.Context(), "n", []byte("v"))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if ref != "file:n" || len(rec.got()) != 0 {
		t.Errorf("ref %q, notices %q; want file:n and none", ref, rec.got())
	}
}

func TestGetErrors(t *testing.T) {
	ctx := t.Context()
	kr := newMemKeyring()
	withKeyring := newVault(t, Options{Dir: t.TempDir(), Keyring: kr})
	fileOnly := newVault(t, Options{Dir: t.TempDir()})
	stored := newVault(t, Options{Dir: t.TempDir()})
	if _, err := stored.Put(ctx, "other", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := kr.Set("other-service", "n", "x"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		v            *Vault
		ref          string
		wantNotFound bool
		wantErr      string
	}{
		{name: "unknown prefix", v: withKeyring, ref: "vault:n", wantErr: `invalid secret ref "vault:n"`},
		{name: "no prefix", v: withKeyring, ref: "n", wantErr: `invalid secret ref "n"`},
		{name: "empty name", v: withKeyring, ref: "file:", wantErr: "secret name is empty"},
		{name: "keyring ref without keyring", v: fileOnly, ref: "keyring:n", wantErr: "no keyring is configured"},
		{name: "missing in keyring", v: withKeyring, ref: "keyring:n", wantNotFound: true},
		{name: "no secrets file", v: fileOnly, ref: "file:n", wantNotFound: true},
		{name: "missing in file", v: stored, ref: "file:n", wantNotFound: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Get(ctx, tt.ref)
			if err == nil {
				t.Fatal("Get succeeded, want an error")
			}
			if got := errors.Is(err, ErrNotFound); got != tt.wantNotFound {
				t.Errorf("errors.Is(%v, ErrNotFound) = %v, want %v", err, got, tt.wantNotFound)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestPutInvalidName(t *testing.T) {
	v := newVault(t, Options{Dir: t.TempDir(), Keyring: newMemKeyring()})
	tests := []struct {
		name, secret, wantErr string
	}{
		{name: "empty", secret: "", wantErr: "secret name is empty"},
		{name: "too long", secret: strings.Repeat("n", 256), wantErr: "longer than 255 bytes"},
		{name: "invalid utf-8", secret: "a\xffb", wantErr: "not valid UTF-8"},
		{name: "newline", secret: "a\nb", wantErr: "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Put(t.Context(), tt.secret, []byte("v"))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Put error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestDeleteIdempotent(t *testing.T) {
	tests := []struct {
		name    string
		keyring Keyring
		wantRef string
	}{
		{name: "keyring", keyring: newMemKeyring(), wantRef: "keyring:n"},
		{name: "file", wantRef: "file:n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			v := newVault(t, Options{Dir: t.TempDir(), Keyring: tt.keyring})
			ref, err := v.Put(ctx, "n", []byte("v"))
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if _, err := v.Put(ctx, "keep", []byte("k")); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if ref != tt.wantRef {
				t.Fatalf("ref = %q, want %q", ref, tt.wantRef)
			}
			for i := range 2 {
				if err := v.Delete(ctx, ref); err != nil {
					t.Fatalf("Delete #%d: %v", i+1, err)
				}
			}
			if _, err := v.Get(ctx, ref); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get after Delete: error = %v, want ErrNotFound", err)
			}
			if err := v.Delete(ctx, strings.Replace(ref, ":n", ":never", 1)); err != nil {
				t.Errorf("Delete of a never stored name: %v", err)
			}
			keep := strings.Replace(ref, ":n", ":keep", 1)
			got, err := v.Get(ctx, keep)
			if err != nil {
				t.Fatalf("Get %s: %v", keep, err)
			}
			if diff := cmp.Diff([]byte("k"), got); diff != "" {
				t.Errorf("other secret after Delete (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeleteNothingStoredTouchesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	v := newVault(t, Options{Dir: dir})
	if err := v.Delete(t.Context(), "file:n"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Delete created the state dir: stat err = %v", err)
	}
}

func TestDeleteErrors(t *testing.T) {
	tests := []struct {
		name, ref, wantErr string
		keyring            Keyring
	}{
		{name: "unknown prefix", ref: "x:n", wantErr: `invalid secret ref "x:n"`},
		{name: "keyring ref without keyring", ref: "keyring:n", wantErr: "no keyring is configured"},
		{name: "keyring failure", ref: "keyring:n", keyring: failKeyring{err: errors.New("dbus down")}, wantErr: "dbus down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVault(t, Options{Dir: t.TempDir(), Keyring: tt.keyring})
			err := v.Delete(t.Context(), tt.ref)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Delete error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// SystemKeyring must translate go-keyring's not-found error. go-keyring's
// mock provider replaces its process-wide backend, so this test is not
// parallel and is the only one that uses SystemKeyring.
func TestSystemKeyring(t *testing.T) {
	keyring.MockInit()
	v := newVault(t, Options{Dir: t.TempDir(), Keyring: SystemKeyring(), Service: "mydba-test"})
	ctx := t.Context()
	ref, err := v.Put(ctx, "n", []byte("v"))
	if err != nil || ref != "keyring:n" {
		t.Fatalf("Put = %q, %v; want keyring:n", ref, err)
	}
	got, err := v.Get(ctx, ref)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff([]byte("v"), got); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	for i := range 2 {
		if err := v.Delete(ctx, ref); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if _, err := SystemKeyring().Get("mydba-test", "n"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SystemKeyring Get of a missing entry: error = %v, want ErrNotFound", err)
	}
	if err := SystemKeyring().Delete("mydba-test", "n"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SystemKeyring Delete of a missing entry: error = %v, want ErrNotFound", err)
	}
}
