package secret

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
)

func TestFileRoundTrip(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "state")
	values := map[string][]byte{
		"prod/db":   []byte("p@ss word"),
		"ssh:bast":  []byte("passphrase ✓"),
		"binary":    {0x00, 0xff, 0x10, 0x80},
		"empty":     {},
		"overwrite": []byte("first"),
	}
	v := newVault(t, Options{Dir: dir})
	for name, val := range values {
		ref, err := v.Put(ctx, name, val)
		if err != nil {
			t.Fatalf("Put %q: %v", name, err)
		}
		if ref != "file:"+name {
			t.Errorf("Put %q ref = %q", name, ref)
		}
	}
	values["overwrite"] = []byte("second")
	if _, err := v.Put(ctx, "overwrite", values["overwrite"]); err != nil {
		t.Fatalf("Put: %v", err)
	}

	// A second Vault, as after a restart, reads what the first wrote.
	reopened := newVault(t, Options{Dir: dir})
	for name, want := range values {
		t.Run(name, func(t *testing.T) {
			got, err := reopened.Get(ctx, "file:"+name)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Get (-want +got):\n%s", diff)
			}
		})
	}

	// The file is a plain age file: the key file decrypts it to the JSON map.
	m := decryptWithKeyFile(t, dir)
	if diff := cmp.Diff(values, m); diff != "" {
		t.Errorf("decrypted secrets file (-want +got):\n%s", diff)
	}
}

func decryptWithKeyFile(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	kf, err := os.Open(filepath.Join(dir, "secrets.key"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	ids, err := age.ParseIdentities(kf)
	if err != nil {
		t.Fatalf("key file is not an age identity file: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "secrets.age"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.Decrypt(bytes.NewReader(data), ids...)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	var raw map[string]string
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatalf("plaintext is not a JSON object of strings: %v", err)
	}
	m := map[string][]byte{}
	for k, s := range raw {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("value of %q is not base64: %v", k, err)
		}
		m[k] = b
	}
	return m
}

func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	v := newVault(t, Options{Dir: dir})
	if _, err := v.Put(t.Context(), "n", []byte("v")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got := map[string]fs.FileMode{}
	for _, p := range []string{dir, filepath.Join(dir, "secrets.age"), filepath.Join(dir, "secrets.key"), filepath.Join(dir, "secrets.lock")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		got[filepath.Base(p)] = fi.Mode().Perm()
	}
	want := map[string]fs.FileMode{"state": 0o700, "secrets.age": 0o600, "secrets.key": 0o600, "secrets.lock": 0o600}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("modes (-want +got):\n%s", diff)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("state dir holds %d entries, want 3 (no temp files left)", len(entries))
	}
}

func TestRefuseLoosePermissions(t *testing.T) {
	tests := []struct {
		name string
		file string
		mode fs.FileMode
	}{
		{name: "key readable by group", file: "secrets.key", mode: 0o640},
		{name: "key readable by others", file: "secrets.key", mode: 0o604},
		{name: "secrets readable by others", file: "secrets.age", mode: 0o644},
		{name: "secrets writable by group", file: "secrets.age", mode: 0o620},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			dir := t.TempDir()
			v := newVault(t, Options{Dir: dir})
			if _, err := v.Put(ctx, "n", []byte("v")); err != nil {
				t.Fatalf("Put: %v", err)
			}
			path := filepath.Join(dir, tt.file)
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			wantMsg := "chmod 600 " + path
			_, getErr := v.Get(ctx, "file:n")
			_, putErr := v.Put(ctx, "m", []byte("w"))
			delErr := v.Delete(ctx, "file:n")
			for op, err := range map[string]error{"Get": getErr, "Put": putErr, "Delete": delErr} {
				if err == nil || !strings.Contains(err.Error(), wantMsg) {
					t.Errorf("%s error = %v, want it to contain %q", op, err, wantMsg)
				}
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("files changed (-before +after):\n%s", diff)
			}
		})
	}
}

// A key file with loose permissions is refused even before any secret
// exists, rather than used to encrypt the first one.
func TestRefuseLooseKeyBeforeFirstSecret(t *testing.T) {
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "secrets.key")
	if err := os.WriteFile(path, []byte(id.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := newVault(t, Options{Dir: dir})
	_, err = v.Put(t.Context(), "n", []byte("v"))
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
		t.Fatalf("Put error = %v, want chmod advice", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secrets.age")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("secrets file written with a loose key: stat err = %v", err)
	}
}

func TestKeyProblemsLeaveSecretsUntouched(t *testing.T) {
	otherKey := func(t *testing.T, path string) {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(id.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		breakIt func(t *testing.T, keyPath string)
		wantErr string
	}{
		{
			name: "key missing",
			breakIt: func(t *testing.T, p string) {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: "its key file %[1]s is missing",
		},
		{name: "wrong key", breakIt: otherKey, wantErr: "key file %[1]s does not decrypt secrets file"},
		{
			name: "garbled key",
			breakIt: func(t *testing.T, p string) {
				if err := os.WriteFile(p, []byte("AGE-SECRET-KEY-1NOTAKEY\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: "key file %[1]s does not hold a valid age X25519 key",
		},
		{
			name: "empty key",
			breakIt: func(t *testing.T, p string) {
				if err := os.WriteFile(p, []byte("# nothing\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: "key file %[1]s holds no key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			dir := t.TempDir()
			v := newVault(t, Options{Dir: dir})
			if _, err := v.Put(ctx, "n", []byte("v")); err != nil {
				t.Fatalf("Put: %v", err)
			}
			keyPath := filepath.Join(dir, "secrets.key")
			tt.breakIt(t, keyPath)
			before := snapshot(t, dir)
			want := fmt.Sprintf(tt.wantErr, keyPath)

			_, getErr := v.Get(ctx, "file:n")
			_, putErr := v.Put(ctx, "m", []byte("w"))
			delErr := v.Delete(ctx, "file:n")
			for op, err := range map[string]error{"Get": getErr, "Put": putErr, "Delete": delErr} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s error = %v, want it to contain %q", op, err, want)
				}
				if errors.Is(err, ErrNotFound) {
					t.Errorf("%s error %v is ErrNotFound; a broken key must not read as a missing secret", op, err)
				}
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("files changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestCorruptSecretsFile(t *testing.T) {
	encryptTo := func(t *testing.T, dir string, plain string) []byte {
		kf, err := os.Open(filepath.Join(dir, "secrets.key"))
		if err != nil {
			t.Fatal(err)
		}
		defer kf.Close()
		ids, err := age.ParseIdentities(kf)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, ids[0].(*age.X25519Identity).Recipient())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(plain)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	tests := []struct {
		name    string
		content func(t *testing.T, dir string, good []byte) []byte
	}{
		{name: "garbage", content: func(*testing.T, string, []byte) []byte { return []byte("not an age file\n") }},
		{name: "empty", content: func(*testing.T, string, []byte) []byte { return nil }},
		{name: "truncated", content: func(_ *testing.T, _ string, good []byte) []byte { return good[:len(good)-10] }},
		{name: "bit flip", content: func(_ *testing.T, _ string, good []byte) []byte {
			b := bytes.Clone(good)
			b[len(b)-1] ^= 1
			return b
		}},
		{name: "not json", content: func(t *testing.T, dir string, _ []byte) []byte { return encryptTo(t, dir, "hunter2") }},
		{name: "json null", content: func(t *testing.T, dir string, _ []byte) []byte { return encryptTo(t, dir, "null") }},
		{name: "not base64", content: func(t *testing.T, dir string, _ []byte) []byte { return encryptTo(t, dir, `{"n":"!!"}`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			dir := t.TempDir()
			v := newVault(t, Options{Dir: dir})
			if _, err := v.Put(ctx, "n", []byte("v")); err != nil {
				t.Fatalf("Put: %v", err)
			}
			path := filepath.Join(dir, "secrets.age")
			good, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tt.content(t, dir, good), 0o600); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			want := "secrets file " + path + " is corrupt"

			_, getErr := v.Get(ctx, "file:n")
			_, putErr := v.Put(ctx, "m", []byte("w"))
			delErr := v.Delete(ctx, "file:n")
			for op, err := range map[string]error{"Get": getErr, "Put": putErr, "Delete": delErr} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("%s error = %v, want it to contain %q", op, err, want)
				}
				if err != nil && strings.Contains(err.Error(), "hunter2") {
					t.Errorf("%s error %q quotes decrypted content", op, err)
				}
			}
			if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
				t.Errorf("files changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestNoPlaintextOnDisk(t *testing.T) {
	values := [][]byte{
		[]byte("correct horse battery staple"),
		[]byte("sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"),
		{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04},
	}
	ctx := t.Context()
	dir := t.TempDir()
	v := newVault(t, Options{Dir: dir})
	for i, val := range values {
		if _, err := v.Put(ctx, fmt.Sprintf("s%d", i), val); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	files := snapshot(t, dir)
	if len(files) != 3 {
		t.Fatalf("state dir holds %v, want secrets.age, secrets.key, secrets.lock", files)
	}
	for name, content := range files {
		for _, val := range values {
			for _, form := range [][]byte{val, []byte(base64.StdEncoding.EncodeToString(val))} {
				if bytes.Contains([]byte(content), form) {
					t.Errorf("%s contains the secret %q in clear", name, form)
				}
			}
		}
	}
}

// Two Vaults on one directory, written from many goroutines at once, must
// not lose each other's updates: the flock serialises read-modify-write.
func TestConcurrentVaults(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	vaults := []*Vault{newVault(t, Options{Dir: dir}), newVault(t, Options{Dir: dir})}
	const goroutines, perGoroutine = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, len(vaults)*goroutines*perGoroutine)
	want := map[string][]byte{}
	for vi, v := range vaults {
		for g := range goroutines {
			for i := range perGoroutine {
				want[fmt.Sprintf("v%d-g%d-%d", vi, g, i)] = fmt.Appendf(nil, "value %d/%d/%d", vi, g, i)
			}
			wg.Go(func() {
				for i := range perGoroutine {
					name := fmt.Sprintf("v%d-g%d-%d", vi, g, i)
					if _, err := v.Put(ctx, name, fmt.Appendf(nil, "value %d/%d/%d", vi, g, i)); err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Put: %v", err)
	}
	if diff := cmp.Diff(want, decryptWithKeyFile(t, dir)); diff != "" {
		t.Errorf("stored secrets (-want +got):\n%s", diff)
	}
}

const childDirEnv = "MYDBA_SECRET_TEST_CHILD_DIR"

const perProcess = 40

// TestConcurrentProcesses re-executes the test binary as a second writer.
// In the child (childDirEnv set) it writes its names and returns; the
// parent writes its own at the same time and then checks that all exist.
func TestConcurrentProcesses(t *testing.T) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		// Wait for the parent's go, so both processes write at once.
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			t.Fatalf("child: read go: %v", err)
		}
		writeNames(t, dir, "child")
		return
	}

	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestConcurrentProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatal(err)
	}
	writeNames(t, dir, "parent")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child process: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "PASS") {
		t.Fatalf("child process did not run the writer:\n%s", out.String())
	}

	want := map[string][]byte{}
	for _, who := range []string{"parent", "child"} {
		for i := range perProcess {
			want[fmt.Sprintf("%s-%d", who, i)] = fmt.Appendf(nil, "%s secret %d", who, i)
		}
	}
	if diff := cmp.Diff(want, decryptWithKeyFile(t, dir)); diff != "" {
		t.Errorf("stored secrets (-want +got):\n%s", diff)
	}
}

func writeNames(t *testing.T, dir, who string) {
	t.Helper()
	v := newVault(t, Options{Dir: dir})
	for i := range perProcess {
		if _, err := v.Put(t.Context(), fmt.Sprintf("%s-%d", who, i), fmt.Appendf(nil, "%s secret %d", who, i)); err != nil {
			t.Fatalf("%s Put: %v", who, err)
		}
	}
}

// A writer waiting for the lock gives up when its context ends.
func TestLockWaitHonoursContext(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockFileExclusive(t.Context(), filepath.Join(dir, "secrets.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	v := newVault(t, Options{Dir: dir})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = v.Put(ctx, "n", []byte("v"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Put while locked: error = %v, want context.DeadlineExceeded", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secrets.age")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("secrets file written without the lock: stat err = %v", err)
	}
}

// snapshot returns every file in dir with its content and mode.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("%v\n%s", fi.Mode(), b)
	}
	return out
}
