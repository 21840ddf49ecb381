package dba

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		in   string
		want DSN
	}{
		{"mysql://app@db.example.com:3307/shop?tls=verify-full&ssl-ca=/etc/ca.pem", DSN{Scheme: "mysql", Target: Target{Host: "db.example.com", Port: 3307, User: "app", Database: "shop", TLS: TLS{Mode: TLSVerifyFull, CA: "/etc/ca.pem"}}}},
		{"mariadb://root:s%40cret@127.0.0.1:13306/", DSN{Scheme: "mariadb", Password: "s@cret", HasPassword: true, Target: Target{Host: "127.0.0.1", Port: 13306, User: "root"}}},
		{"mysql://u@[::1]:3306/d", DSN{Scheme: "mysql", Target: Target{Host: "::1", Port: 3306, User: "u", Database: "d"}}},
		{"unix:///run/mysqld/mysqld.sock?user=mydba&db=shop", DSN{Scheme: "unix", Target: Target{Socket: "/run/mysqld/mysqld.sock", User: "mydba", Database: "shop"}}},
		{"mysql://u@10.0.0.5/shop?ssh=ops@bastion:2222&ssh-key=/home/me/.ssh/id_ed25519", DSN{Scheme: "mysql", Target: Target{Host: "10.0.0.5", User: "u", Database: "shop", SSH: &SSH{User: "ops", Host: "bastion", Port: 2222, KeyFile: "/home/me/.ssh/id_ed25519"}}}},
		{"mysql://u@h?ssl-ca=/ca.pem", DSN{Scheme: "mysql", Target: Target{Host: "h", User: "u", TLS: TLS{Mode: TLSVerifyFull, CA: "/ca.pem"}}}},
		{"mysql://u@h?tls=VERIFY_IDENTITY", DSN{Scheme: "mysql", Target: Target{Host: "h", User: "u", TLS: TLS{Mode: TLSVerifyFull}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDSN(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDSN (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDSNErrors(t *testing.T) {
	tests := []struct {
		in, wantMsg string
	}{
		{"", "empty"},
		{"db.example.com:3306", "no scheme"},
		{"postgres://u@h/db", `scheme "postgres"`},
		{"mysql://u@h:abc/db", "invalid port"},
		{"mysql://u@h:99999/db", `port "99999"`},
		{"mysql://u@/db", "host is missing"},
		{"mysql://u@h/db?tsl=required", `unknown parameter "tsl" (did you mean "tls"?)`},
		{"mysql://u@h/db?tls=maybe", `tls mode "maybe"`},
		{"unix://host/sock", "unix:///absolute/path.sock"},
		{"unix://", "no socket path"},
		{"mysql://u@h/a/b", `contains '/'`},
		{"mysql://u@h/db?ssh-key=/k", "needs ssh="},
		{"mysql://u@h/db?ssh=bastion", "want user@host"},
		{"mysql://u:hunter2@h:xx/db", "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseDSN(tt.in)
			if err == nil {
				t.Fatal("want error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"prod-eu", "prod-us", "staging", "local"}
	if diff := cmp.Diff([]string{"prod-us", "prod-eu"}, Suggest("prod-ue", names)); diff != "" {
		t.Error(diff)
	}
	if got := Suggest("zzzzzz", names); len(got) != 0 {
		t.Errorf("Suggest(zzzzzz) = %v, want none", got)
	}
	if diff := cmp.Diff([]string{"staging"}, Suggest("stagin", names)); diff != "" {
		t.Error(diff)
	}
}

func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{"mysql://u:p@h:1/d?tls=required", "unix:///s?user=u", "mariadb://[::1]:3306", "mysql://u@h/db?ssh=a@b:22&ssh-agent=true"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDSN(s)
		if err != nil {
			if d.HasPassword && strings.Contains(err.Error(), d.Password) && d.Password != "" {
				t.Fatalf("error leaks password")
			}
			return
		}
		if d.Target.Port < 0 || d.Target.Port > 65535 {
			t.Fatalf("port out of range: %d", d.Target.Port)
		}
	})
}
