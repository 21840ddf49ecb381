package dba

import (
	"net"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSSHAddr(t *testing.T) {
	type addr struct {
		User, Host string
		Port       int
	}
	tests := []struct {
		in      string
		want    addr
		wantErr bool
	}{
		{in: "deploy@bastion", want: addr{"deploy", "bastion", 22}},
		{in: "deploy@bastion:2222", want: addr{"deploy", "bastion", 2222}},
		{in: "ssh://deploy@bastion:2222", want: addr{"deploy", "bastion", 2222}},
		{in: "deploy@10.0.0.1:22", want: addr{"deploy", "10.0.0.1", 22}},
		{in: "root@[::1]:2222", want: addr{"root", "::1", 2222}},
		{in: "root@[::1]", want: addr{"root", "::1", 22}},
		{in: "root@::1", want: addr{"root", "::1", 22}},
		{in: "root@fe80::1%eth0", want: addr{"root", "fe80::1%eth0", 22}},
		{in: "john@corp.example@bastion", want: addr{"john@corp.example", "bastion", 22}},
		{in: "bastion", wantErr: true},
		{in: "@bastion", wantErr: true},
		{in: "deploy@", wantErr: true},
		{in: "deploy@:22", wantErr: true},
		{in: "deploy@bastion:", wantErr: true},
		{in: "deploy@bastion:0", wantErr: true},
		{in: "deploy@bastion:65536", wantErr: true},
		{in: "deploy@bastion:+22", wantErr: true},
		{in: "deploy@bastion:ssh", wantErr: true},
		{in: "deploy@[::1", wantErr: true},
		{in: "deploy@[::1]x", wantErr: true},
		{in: "deploy@[bastion]:22", wantErr: true},
		{in: "deploy@bas tion", wantErr: true},
		{in: "deploy@host/path", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			user, host, port, err := ParseSSHAddr(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, addr{user, host, port}); diff != "" {
				t.Errorf("ParseSSHAddr(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func FuzzParseSSHAddr(f *testing.F) {
	for _, s := range []string{"u@h", "u@h:2222", "u@[::1]:22", "ssh://a@b@c", "u@::1", "u@[::1", "u@h:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		user, host, port, err := ParseSSHAddr(s)
		if err != nil {
			if user != "" || host != "" || port != 0 {
				t.Errorf("error with values %q %q %d", user, host, port)
			}
			return
		}
		if user == "" || host == "" || port < 1 || port > 65535 {
			t.Fatalf("ParseSSHAddr(%q) = %q, %q, %d", s, user, host, port)
		}
		// What was parsed, written back the canonical way, parses the same.
		canon := user + "@" + net.JoinHostPort(host, strconv.Itoa(port))
		u2, h2, p2, err := ParseSSHAddr(canon)
		if err != nil || u2 != user || h2 != host || p2 != port {
			t.Errorf("%q -> %q -> %q %q %d %v", s, canon, u2, h2, p2, err)
		}
	})
}
