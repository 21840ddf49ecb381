package dba

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Env is the environment a connection belongs to. It decides how much
// confirmation a write needs and how loudly the UI labels the connection.
type Env string

// Environments, from least to most guarded.
const (
	EnvDev     Env = "dev"
	EnvStaging Env = "staging"
	EnvProd    Env = "prod"
)

// ParseEnv accepts dev, staging or prod (and the spellings people type).
func ParseEnv(s string) (Env, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "dev", "development":
		return EnvDev, nil
	case "staging", "stage":
		return EnvStaging, nil
	case "prod", "production":
		return EnvProd, nil
	}
	return "", fmt.Errorf("%w: environment %q: want dev, staging or prod", ErrInvalid, s)
}

// TLS modes. Empty means no TLS.
const (
	TLSRequired   = "required"
	TLSVerifyCA   = "verify-ca"
	TLSVerifyFull = "verify-full"
)

// TLS names the certificate files of a connection; mydba reads files, it
// never stores certificate material itself.
type TLS struct {
	Mode       string `json:"mode,omitempty"`
	CA         string `json:"ca,omitempty"`
	Cert       string `json:"cert,omitempty"`
	Key        string `json:"key,omitempty"`
	ServerName string `json:"server_name,omitempty"`
}

// SSH describes a tunnel to reach the server through a bastion.
type SSH struct {
	User       string `json:"user"`
	Host       string `json:"host"`
	Port       int    `json:"port,omitempty"`
	KeyFile    string `json:"key_file,omitempty"`
	Agent      bool   `json:"agent,omitempty"`
	KnownHosts string `json:"known_hosts,omitempty"`
}

// Addr is host:port of the bastion.
func (s SSH) Addr() string {
	p := s.Port
	if p == 0 {
		p = 22
	}
	return net.JoinHostPort(s.Host, strconv.Itoa(p))
}

// Target is how to reach one server, without any secret.
type Target struct {
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	Socket   string `json:"socket,omitempty"`
	User     string `json:"user,omitempty"`
	Database string `json:"database,omitempty"`
	TLS      TLS    `json:"tls,omitzero"`
	SSH      *SSH   `json:"ssh,omitempty"`
	// OptionFile and LoginPath are read at connect time, like the mysql
	// client does; explicit fields above win over what they say.
	OptionFile string `json:"option_file,omitempty"`
	LoginPath  string `json:"login_path,omitempty"`
}

// Address is what to show a human: host:port or the socket path.
func (t Target) Address() string {
	if t.Socket != "" {
		return "unix:" + t.Socket
	}
	host := t.Host
	if host == "" {
		host = "127.0.0.1"
	}
	port := t.Port
	if port == 0 {
		port = 3306
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// dsnParams are the query parameters a DSN may carry, each with the field it
// sets. Unknown parameters are an error: a typo must not silently drop TLS.
var dsnParams = []string{"tls", "ssl-ca", "ssl-cert", "ssl-key", "tls-server-name", "socket", "user", "db", "database", "ssh", "ssh-key", "ssh-agent", "ssh-known-hosts"}

// DSN is a parsed connection URL.
type DSN struct {
	Target Target
	// Password is set when the URL carried one. Callers decide whether that
	// is acceptable (profiles refuse it: passwords never travel in flags).
	Password    string
	HasPassword bool
	Scheme      string
}

// ParseDSN reads mysql://user[:pass]@host[:port]/db?tls=..., mariadb://...
// and unix:///path/to.sock?user=...&db=.... Errors name the part that is
// wrong and never contain the password.
func ParseDSN(s string) (DSN, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DSN{}, fmt.Errorf("%w: dsn is empty", ErrInvalid)
	}
	scheme, _, ok := strings.Cut(s, "://")
	if !ok {
		return DSN{}, fmt.Errorf("%w: dsn has no scheme: want mysql://, mariadb:// or unix://", ErrInvalid)
	}
	scheme = strings.ToLower(scheme)
	if scheme != "mysql" && scheme != "mariadb" && scheme != "unix" {
		return DSN{}, fmt.Errorf("%w: dsn scheme %q: want mysql://, mariadb:// or unix://", ErrInvalid, scheme)
	}
	u, err := url.Parse(s)
	if err != nil {
		return DSN{}, fmt.Errorf("%w: dsn: %s", ErrInvalid, redactURLError(err))
	}
	d := DSN{Scheme: scheme}
	t := &d.Target
	if u.User != nil {
		t.User = u.User.Username()
		d.Password, d.HasPassword = u.User.Password()
	}
	if scheme == "unix" {
		if u.Host != "" {
			return DSN{}, fmt.Errorf("%w: dsn: unix socket URL must be unix:///absolute/path.sock (got host %q)", ErrInvalid, u.Host)
		}
		if u.Path == "" || u.Path == "/" {
			return DSN{}, fmt.Errorf("%w: dsn: unix socket URL has no socket path", ErrInvalid)
		}
		t.Socket = u.Path
	} else {
		t.Host = u.Hostname()
		if t.Host == "" {
			return DSN{}, fmt.Errorf("%w: dsn: host is missing", ErrInvalid)
		}
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return DSN{}, fmt.Errorf("%w: dsn: port %q is not a number from 1 to 65535", ErrInvalid, p)
			}
			t.Port = n
		}
		db := strings.TrimPrefix(u.Path, "/")
		if strings.Contains(db, "/") {
			return DSN{}, fmt.Errorf("%w: dsn: database %q contains '/'", ErrInvalid, db)
		}
		t.Database = db
	}
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := q.Get(k)
		switch k {
		case "tls":
			mode, err := ParseTLSMode(v)
			if err != nil {
				return DSN{}, fmt.Errorf("dsn: %w", err)
			}
			t.TLS.Mode = mode
		case "ssl-ca":
			t.TLS.CA = v
		case "ssl-cert":
			t.TLS.Cert = v
		case "ssl-key":
			t.TLS.Key = v
		case "tls-server-name":
			t.TLS.ServerName = v
		case "socket":
			t.Socket = v
		case "user":
			if t.User != "" && t.User != v {
				return DSN{}, fmt.Errorf("%w: dsn: user given twice (%q and %q)", ErrInvalid, t.User, v)
			}
			t.User = v
		case "db", "database":
			t.Database = v
		case "ssh":
			user, host, port, err := ParseSSHAddr(v)
			if err != nil {
				return DSN{}, fmt.Errorf("dsn: ssh: %w", err)
			}
			if t.SSH == nil {
				t.SSH = &SSH{}
			}
			t.SSH.User, t.SSH.Host, t.SSH.Port = user, host, port
		case "ssh-key", "ssh-agent", "ssh-known-hosts":
			// applied below, once the ssh address is known
		default:
			return DSN{}, fmt.Errorf("%w: dsn: unknown parameter %q%s", ErrInvalid, k, suggestSuffix(k, dsnParams))
		}
	}
	for _, k := range []string{"ssh-key", "ssh-agent", "ssh-known-hosts"} {
		if !q.Has(k) {
			continue
		}
		if t.SSH == nil {
			return DSN{}, fmt.Errorf("%w: dsn: %s needs ssh=user@host[:port]", ErrInvalid, k)
		}
		switch k {
		case "ssh-key":
			t.SSH.KeyFile = q.Get(k)
		case "ssh-agent":
			b, err := strconv.ParseBool(q.Get(k))
			if err != nil {
				return DSN{}, fmt.Errorf("%w: dsn: ssh-agent %q: want true or false", ErrInvalid, q.Get(k))
			}
			t.SSH.Agent = b
		case "ssh-known-hosts":
			t.SSH.KnownHosts = q.Get(k)
		}
	}
	if t.TLS.Mode == "" && (t.TLS.CA != "" || t.TLS.Cert != "" || t.TLS.Key != "") {
		t.TLS.Mode = TLSVerifyFull
		if t.TLS.CA == "" {
			t.TLS.Mode = TLSRequired
		}
	}
	return d, nil
}

// ParseTLSMode accepts the modes mydba supports, plus the MySQL client's
// --ssl-mode spellings, and "" / disabled for no TLS.
func ParseTLSMode(s string) (string, error) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-")) {
	case "", "false", "disabled", "off":
		return "", nil
	case "required", "true", "on":
		return TLSRequired, nil
	case "verify-ca":
		return TLSVerifyCA, nil
	case "verify-full", "verify-identity":
		return TLSVerifyFull, nil
	}
	return "", fmt.Errorf("%w: tls mode %q: want required, verify-ca or verify-full", ErrInvalid, s)
}

// ParseSSHAddr splits an SSH destination as users write it for ssh(1):
// "user@host", "user@host:port", "user@[::1]:2222", optionally prefixed
// with "ssh://". The user is required (it is the login on the bastion, not
// the database user) and may itself contain "@". A missing port is 22.
func ParseSSHAddr(s string) (user, host string, port int, err error) {
	bad := func(why string) (string, string, int, error) {
		return "", "", 0, fmt.Errorf("%w: ssh address %q: %s (want user@host[:port])", ErrInvalid, s, why)
	}
	rest := strings.TrimPrefix(s, "ssh://")
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return bad("no user")
	}
	user, rest = rest[:at], rest[at+1:]
	if user == "" {
		return bad("empty user")
	}
	port = 22
	portText := ""
	switch {
	case strings.HasPrefix(rest, "["):
		end := strings.Index(rest, "]")
		if end < 0 {
			return bad("missing ]")
		}
		host, rest = rest[1:end], rest[end+1:]
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return bad("unexpected text after ]")
			}
			portText = rest[1:]
		}
		if !strings.Contains(host, ":") {
			return bad("brackets are for IPv6 addresses")
		}
	case strings.Count(rest, ":") == 1:
		host, portText, _ = strings.Cut(rest, ":")
	default:
		// No colon, or a bare IPv6 address whose colons cannot be a port.
		host = rest
	}
	if host == "" {
		return bad("empty host")
	}
	if strings.ContainsAny(host, "[]/@ \t\r\n") || strings.ContainsAny(user, " \t\r\n") {
		return bad("invalid character")
	}
	if portText != "" || strings.HasSuffix(rest, ":") {
		port, err = strconv.Atoi(portText)
		if err != nil || port < 1 || port > 65535 || portText[0] == '+' {
			return bad(fmt.Sprintf("port %q is not a number from 1 to 65535", portText))
		}
	}
	return user, host, port, nil
}

// redactURLError keeps url.Parse's reason but drops the URL, which may hold
// a password.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "malformed URL"
}

// suggestSuffix returns ` (did you mean "x"?)` when a close candidate exists.
func suggestSuffix(word string, candidates []string) string {
	if s := Suggest(word, candidates); len(s) > 0 {
		return fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return ""
}
