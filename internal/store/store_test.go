package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mydba/mydba/internal/dba"
)

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Path: path, BusyTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestProfileRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state", "mydba.db")
	fixed := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: path, Now: func() time.Time { return fixed }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := dba.Profile{
		Name: "prod-eu", Env: dba.EnvProd, Label: "EU primary", Color: "red",
		Target: dba.Target{Host: "db1.example.com", Port: 3306, User: "mydba", Database: "shop",
			TLS: dba.TLS{Mode: dba.TLSVerifyFull, CA: "/etc/ca.pem"},
			SSH: &dba.SSH{User: "ops", Host: "bastion", Port: 22, KeyFile: "/k"}},
		PasswordRef: "keyring:profile/prod-eu", PasswordCommand: "pass show db",
	}
	if _, err := s.CreateProfile(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Profile(ctx, "PROD-EU") // names are case-insensitive
	if err != nil {
		t.Fatal(err)
	}
	p.Created, p.Updated = fixed, fixed
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	if _, err := s.CreateProfile(ctx, dba.Profile{Name: "Prod-EU", Env: dba.EnvDev}); !errors.Is(err, dba.ErrExists) {
		t.Errorf("duplicate create: got %v, want ErrExists", err)
	}
	p.Name, p.Env = "prod-eu-1", dba.EnvStaging
	if _, err := s.UpdateProfile(ctx, "prod-eu", p); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Profile(ctx, "prod-eu"); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("old name after rename: got %v, want ErrNotFound", err)
	}
	list, err := s.Profiles(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "prod-eu-1" || list[0].Env != dba.EnvStaging {
		t.Fatalf("Profiles() = %+v, %v", list, err)
	}
	if err := s.DeleteProfile(ctx, "prod-eu-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProfile(ctx, "prod-eu-1"); !errors.Is(err, dba.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mydba.db")
	s := openTest(t, path)
	if _, err := s.CreateProfile(ctx, dba.Profile{Name: "a", Env: dba.EnvDev}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := openTest(t, path)
	if _, err := s2.Profile(ctx, "a"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "mydba.db"))
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CreateProfile(ctx, dba.Profile{Name: fmt.Sprintf("p%d", i), Env: dba.EnvDev})
			if err == nil {
				_, err = s.Profiles(ctx)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	list, _ := s.Profiles(ctx)
	if len(list) != 40 {
		t.Errorf("got %d profiles, want 40", len(list))
	}
}

// TestTwoProcesses runs this test binary as a second process writing to the
// same file at the same time, the way two mydba commands would.
func TestTwoProcesses(t *testing.T) {
	if path := os.Getenv("MYDBA_STORE_CHILD"); path != "" {
		s, err := Open(context.Background(), Options{Path: path, BusyTimeout: 20 * time.Second})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		for i := range 50 {
			if _, err := s.CreateProfile(context.Background(), dba.Profile{Name: "child" + strconv.Itoa(i), Env: dba.EnvDev}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
		}
		s.Close()
		os.Exit(0)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mydba.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestTwoProcesses$")
	cmd.Env = append(os.Environ(), "MYDBA_STORE_CHILD="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, Options{Path: path, BusyTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 50 {
		if _, err := s.CreateProfile(ctx, dba.Profile{Name: "parent" + strconv.Itoa(i), Env: dba.EnvDev}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
	list, err := s.Profiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 100 {
		t.Errorf("got %d profiles, want 100", len(list))
	}
}

func TestCorruptFileLeftUntouched(t *testing.T) {
	tests := []struct {
		name    string
		content func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			os.WriteFile(path, bytes.Repeat([]byte("not a database at all\n"), 500), 0o600)
		}},
		{"other program's sqlite", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE recipes(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO recipes(name) VALUES ('soup')"); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated mydba file", func(t *testing.T, path string) {
			s, err := Open(context.Background(), Options{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 200 {
				s.CreateProfile(context.Background(), dba.Profile{Name: fmt.Sprintf("p%d", i), Env: dba.EnvDev, Label: string(bytes.Repeat([]byte("x"), 500))})
			}
			s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
			s.Close()
			b, _ := os.ReadFile(path)
			// Keep the header, scribble over the b-tree pages.
			for i := 4096; i < len(b); i++ {
				b[i] = 0xA5
			}
			os.WriteFile(path, b, 0o600)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "mydba.db")
			tt.content(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Open(context.Background(), Options{Path: path})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a corrupt file")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("error %v is not ErrCorrupt", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the corrupt file was modified")
			}
		})
	}
}

func TestLockedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mydba.db")
	s := openTest(t, path)
	if _, err := s.CreateProfile(ctx, dba.Profile{Name: "keep", Env: dba.EnvDev}); err != nil {
		t.Fatal(err)
	}
	// Another "process" holds the write lock.
	holder, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	short, err := Open(ctx, Options{Path: path, BusyTimeout: 300 * time.Millisecond})
	if err == nil {
		start := time.Now()
		_, err = short.CreateProfile(ctx, dba.Profile{Name: "blocked", Env: dba.EnvDev})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("write waited %v, want about the busy timeout", d)
		}
		short.Close()
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
	conn.ExecContext(ctx, "ROLLBACK")
	if _, err := s.Profile(ctx, "keep"); err != nil {
		t.Errorf("data lost after lock: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mydba.db")
	s := openTest(t, path)
	s.db.Exec("PRAGMA user_version = 999")
	s.Close()
	_, err := Open(context.Background(), Options{Path: path})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("newer mydba")) {
		t.Fatalf("got %v, want a 'newer mydba' error", err)
	}
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, filepath.Join(t.TempDir(), "mydba.db"))
	if _, ok, err := s.Setting(ctx, "k"); ok || err != nil {
		t.Fatalf("missing setting: ok=%v err=%v", ok, err)
	}
	for _, v := range []string{"1", "2"} {
		if err := s.SetSetting(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
		if got, ok, _ := s.Setting(ctx, "k"); !ok || got != v {
			t.Errorf("Setting = %q, %v; want %q", got, ok, v)
		}
	}
}
