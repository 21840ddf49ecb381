package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

func (a *app) connCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "conn",
		Short: "Manage connection profiles (add, list, show, edit, test, rm)",
	}
	c.AddCommand(a.connAddCommand(), a.connListCommand(), a.connShowCommand(), a.connEditCommand(), a.connTestCommand(), a.connRmCommand())
	return c
}

// profileFlags are the flags that describe a profile, shared by add and edit.
type profileFlags struct {
	host, user, socket, database string
	port                         int
	env, label, color            string
	tlsMode, tlsCA, tlsCert      string
	tlsKey, tlsServerName        string
	ssh, sshKey, sshKnownHosts   string
	sshAgent                     bool
	optionFile, loginPath        string
	passwordCommand              string
	pw                           passwordFlags
	sshPassphraseAsk             bool
	test                         bool
}

func (pf *profileFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&pf.host, "host", "", "server host name or IP")
	fs.IntVar(&pf.port, "port", 0, "server port (default 3306)")
	fs.StringVar(&pf.user, "user", "", "user name")
	fs.StringVar(&pf.socket, "socket", "", "unix socket path (instead of host/port)")
	fs.StringVar(&pf.database, "database", "", "default database")
	fs.StringVar(&pf.env, "env", "dev", "environment: dev, staging or prod (prod asks for the most confirmation)")
	fs.StringVar(&pf.label, "label", "", "free-text label shown next to the name")
	fs.StringVar(&pf.color, "color", "", "colour shown for this connection in the UI")
	fs.StringVar(&pf.tlsMode, "tls", "", "TLS mode: required, verify-ca or verify-full")
	fs.StringVar(&pf.tlsCA, "tls-ca", "", "CA certificate `FILE` (PEM)")
	fs.StringVar(&pf.tlsCert, "tls-cert", "", "client certificate `FILE` (PEM)")
	fs.StringVar(&pf.tlsKey, "tls-key", "", "client key `FILE` (PEM)")
	fs.StringVar(&pf.tlsServerName, "tls-server-name", "", "server name expected in the certificate (default: the host)")
	fs.StringVar(&pf.ssh, "ssh", "", "SSH tunnel through `user@host[:port]`")
	fs.StringVar(&pf.sshKey, "ssh-key", "", "SSH private key `FILE` (may be passphrase-protected)")
	fs.BoolVar(&pf.sshAgent, "ssh-agent", false, "authenticate to SSH with the agent at $SSH_AUTH_SOCK")
	fs.StringVar(&pf.sshKnownHosts, "ssh-known-hosts", "", "known_hosts `FILE` (default ~/.ssh/known_hosts)")
	fs.BoolVar(&pf.sshPassphraseAsk, "ask-ssh-passphrase", false, "prompt for the SSH key passphrase and store it")
	fs.StringVar(&pf.optionFile, "option-file", "", "read host, user, password, TLS from this my.cnf-style `FILE` at connect time")
	fs.StringVar(&pf.loginPath, "login-path", "", "read credentials from this login path of ~/.mylogin.cnf at connect time")
	fs.StringVar(&pf.passwordCommand, "password-command", "", "shell `COMMAND` whose output is the password, run at connect time")
	fs.BoolVar(&pf.pw.stdin, "password-stdin", false, "read the password to store from stdin")
	fs.BoolVar(&pf.pw.ask, "ask-password", false, "prompt for the password to store (no echo)")
	fs.BoolVar(&pf.test, "test", false, "test the connection after saving")
}

// apply writes the flags the user set onto p; only changed flags count, so
// edit keeps everything else.
func (pf *profileFlags) apply(fs *pflag.FlagSet, p *dba.Profile) error {
	changed := fs.Changed
	t := &p.Target
	if changed("host") {
		t.Host = pf.host
		if pf.host != "" && !changed("socket") {
			t.Socket = ""
		}
	}
	if changed("port") {
		if pf.port < 1 || pf.port > 65535 {
			return fmt.Errorf("%w: --port %d is not from 1 to 65535", dba.ErrInvalid, pf.port)
		}
		t.Port = pf.port
	}
	if changed("user") {
		t.User = pf.user
	}
	if changed("socket") {
		t.Socket = pf.socket
		if pf.socket != "" && !changed("host") {
			t.Host, t.Port = "", 0
		}
	}
	if changed("database") {
		t.Database = pf.database
	}
	if changed("env") || p.Env == "" {
		env, err := dba.ParseEnv(pf.env)
		if err != nil {
			return err
		}
		p.Env = env
	}
	if changed("label") {
		p.Label = pf.label
	}
	if changed("color") {
		p.Color = pf.color
	}
	if changed("tls") {
		mode, err := dba.ParseTLSMode(pf.tlsMode)
		if err != nil {
			return err
		}
		t.TLS.Mode = mode
	}
	if changed("tls-ca") {
		t.TLS.CA = pf.tlsCA
	}
	if changed("tls-cert") {
		t.TLS.Cert = pf.tlsCert
	}
	if changed("tls-key") {
		t.TLS.Key = pf.tlsKey
	}
	if changed("tls-server-name") {
		t.TLS.ServerName = pf.tlsServerName
	}
	if t.TLS.Mode == "" && !changed("tls") && t.TLS.CA != "" {
		t.TLS.Mode = dba.TLSVerifyFull
	}
	if changed("ssh") {
		if pf.ssh == "" {
			t.SSH = nil
		} else {
			user, host, port, err := dba.ParseSSHAddr(pf.ssh)
			if err != nil {
				return fmt.Errorf("--ssh: %w", err)
			}
			if t.SSH == nil {
				t.SSH = &dba.SSH{}
			}
			t.SSH.User, t.SSH.Host, t.SSH.Port = user, host, port
		}
	}
	if changed("ssh-key") || changed("ssh-agent") || changed("ssh-known-hosts") {
		if t.SSH == nil {
			return fmt.Errorf("%w: --ssh-key, --ssh-agent and --ssh-known-hosts need --ssh user@host", dba.ErrInvalid)
		}
		if changed("ssh-key") {
			t.SSH.KeyFile = pf.sshKey
		}
		if changed("ssh-agent") {
			t.SSH.Agent = pf.sshAgent
		}
		if changed("ssh-known-hosts") {
			t.SSH.KnownHosts = pf.sshKnownHosts
		}
	}
	if changed("option-file") {
		t.OptionFile = pf.optionFile
	}
	if changed("login-path") {
		t.LoginPath = pf.loginPath
	}
	if changed("password-command") {
		p.PasswordCommand = pf.passwordCommand
	}
	return nil
}

// secrets reads the secrets the flags ask to store.
func (a *app) secrets(pf *profileFlags) (workbench.ProfileInput, error) {
	var in workbench.ProfileInput
	pw, err := a.password(pf.pw, false)
	if err != nil {
		return in, err
	}
	in.Password = pw
	if pf.sshPassphraseAsk {
		pp, err := a.prompt("SSH key passphrase")
		if err != nil {
			return in, err
		}
		in.SSHPassphrase = &pp
	}
	return in, nil
}

func (a *app) connAddCommand() *cobra.Command {
	var pf profileFlags
	c := &cobra.Command{
		Use:   "add NAME [DSN]",
		Short: "Save a connection profile",
		Long: `Save a connection profile. The server is given as a DSN URL
(mysql://user@host:port/db?tls=verify-full&ssl-ca=FILE, mariadb://..., unix:///path.sock?user=U)
and/or with --host/--port/--user/--socket flags, which win over the DSN.

Passwords are never flag values: use --password-stdin, --ask-password, or
--password-command; or give MYDBA_PASSWORD when connecting. Stored passwords
go to the OS keyring, or to an encrypted file when no keyring is available.`,
		Example: `  mydba conn add local mysql://root@127.0.0.1:3306/shop --ask-password
  printf '%s\n' "$PW" | mydba conn add prod-eu mysql://mydba@db1:3306 --env prod --tls verify-full --tls-ca ca.pem --password-stdin
  mydba conn add via-bastion --host 10.0.0.5 --user mydba --ssh ops@bastion:22 --ssh-key ~/.ssh/id_ed25519
  mydba conn add cnf --option-file ~/.my.cnf
  mydba conn add lp --login-path prod`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p := dba.Profile{Name: args[0]}
			if len(args) == 2 {
				d, err := dba.ParseDSN(args[1])
				if err != nil {
					return err
				}
				if d.HasPassword {
					return fmt.Errorf("%w: the DSN contains a password; remove it and use --password-stdin or --ask-password", dba.ErrInvalid)
				}
				p.Target = d.Target
			}
			if err := pf.apply(cmd.Flags(), &p); err != nil {
				return err
			}
			in, err := a.secrets(&pf)
			if err != nil {
				return err
			}
			in.Profile = p
			wb, err := a.workbench(ctx)
			if err != nil {
				return err
			}
			saved, err := wb.AddProfile(ctx, in)
			if err != nil {
				return err
			}
			if a.output == "table" {
				fmt.Fprintf(a.stdout, "saved profile %s (%s) %s\n", saved.Name, a.envBadge(saved.Env), saved.Target.Address())
			} else if !pf.test {
				if err := a.render(a.profileView(wb, saved)); err != nil {
					return err
				}
			}
			if pf.test {
				return a.testAndShow(cmd, workbench.ConnRequest{Profile: saved.Name})
			}
			return nil
		},
	}
	pf.register(c.Flags())
	return c
}

func (a *app) connEditCommand() *cobra.Command {
	var pf profileFlags
	var rename string
	var noPassword bool
	c := &cobra.Command{
		Use:               "edit NAME",
		Short:             "Change a connection profile (only the flags given change)",
		Example:           "  mydba conn edit prod-eu --env prod --tls verify-full --tls-ca ca.pem\n  mydba conn edit local --rename sandbox\n  printf '%s\\n' \"$PW\" | mydba conn edit local --password-stdin",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			wb, err := a.workbench(ctx)
			if err != nil {
				return err
			}
			p, err := wb.Profile(ctx, args[0])
			if err != nil {
				return err
			}
			oldName := p.Name
			if err := pf.apply(cmd.Flags(), &p); err != nil {
				return err
			}
			if rename != "" {
				p.Name = rename
			}
			in, err := a.secrets(&pf)
			if err != nil {
				return err
			}
			if noPassword {
				if in.Password != nil {
					return fmt.Errorf("%w: --no-password and a new password are exclusive", dba.ErrInvalid)
				}
				empty := ""
				in.Password = &empty
			}
			in.Profile = p
			saved, err := wb.UpdateProfile(ctx, oldName, in)
			if err != nil {
				return err
			}
			if a.output == "table" {
				fmt.Fprintf(a.stdout, "updated profile %s (%s) %s\n", saved.Name, a.envBadge(saved.Env), saved.Target.Address())
			} else if !pf.test {
				if err := a.render(a.profileView(wb, saved)); err != nil {
					return err
				}
			}
			if pf.test {
				return a.testAndShow(cmd, workbench.ConnRequest{Profile: saved.Name})
			}
			return nil
		},
	}
	pf.register(c.Flags())
	c.Flags().StringVar(&rename, "rename", "", "new profile `NAME`")
	c.Flags().BoolVar(&noPassword, "no-password", false, "forget the stored password")
	return c
}

func (a *app) connListCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List connection profiles",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			ps, err := wb.Profiles(cmd.Context())
			if err != nil {
				return err
			}
			data := make([]profileJSON, 0, len(ps))
			for _, p := range ps {
				data = append(data, maskedProfile(wb, p))
			}
			t := table{headers: []string{"NAME", "ENV", "ADDRESS", "USER", "DATABASE", "TLS", "SSH", "LABEL"}}
			for _, p := range ps {
				ssh := ""
				if p.Target.SSH != nil {
					ssh = p.Target.SSH.User + "@" + p.Target.SSH.Addr()
				}
				t.rows = append(t.rows, []string{p.Name, a.envBadge(p.Env), addressOf(p.Target), p.Target.User, p.Target.Database, dash(p.Target.TLS.Mode), dash(ssh), p.Label})
			}
			if len(ps) == 0 && a.output == "table" {
				fmt.Fprintln(a.stdout, "no profiles yet: add one with `mydba conn add NAME mysql://user@host:3306`")
				return nil
			}
			return a.render(view{data: data, tables: []table{t}})
		},
	}
}

func addressOf(t dba.Target) string {
	if t.Host == "" && t.Socket == "" {
		switch {
		case t.LoginPath != "":
			return "login-path:" + t.LoginPath
		case t.OptionFile != "":
			return "option-file:" + t.OptionFile
		}
	}
	return t.Address()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// profileJSON is a profile as shown: secret references are replaced by
// where the secret lives (the embedded fields are shadowed and omitted).
type profileJSON struct {
	dba.Profile
	PasswordRef      string `json:"password_ref,omitempty"`
	SSHPassphraseRef string `json:"ssh_passphrase_ref,omitempty"`
	Password         string `json:"password"`
	SSHPassphrase    string `json:"ssh_passphrase,omitempty"`
}

func (a *app) profileView(wb *workbench.Workbench, p dba.Profile) view {
	t := p.Target
	rec := []field{
		{"name", p.Name},
		{"env", a.envBadge(p.Env)},
	}
	if p.Label != "" {
		rec = append(rec, field{"label", p.Label})
	}
	rec = append(rec, field{"address", addressOf(t)}, field{"user", dash(t.User)}, field{"database", dash(t.Database)},
		field{"password", wb.SecretStatus(p)})
	if t.TLS.Mode != "" {
		tls := t.TLS.Mode
		for _, f := range []struct{ k, v string }{{"ca", t.TLS.CA}, {"cert", t.TLS.Cert}, {"key", t.TLS.Key}, {"server-name", t.TLS.ServerName}} {
			if f.v != "" {
				tls += " " + f.k + "=" + f.v
			}
		}
		rec = append(rec, field{"tls", tls})
	} else {
		rec = append(rec, field{"tls", "off"})
	}
	if t.SSH != nil {
		auth := []string{}
		if t.SSH.KeyFile != "" {
			auth = append(auth, "key "+t.SSH.KeyFile)
		}
		if t.SSH.Agent {
			auth = append(auth, "agent")
		}
		if p.SSHPassphraseRef != "" {
			auth = append(auth, "passphrase ********")
		}
		rec = append(rec, field{"ssh", t.SSH.User + "@" + t.SSH.Addr() + " (" + strings.Join(auth, ", ") + ")"})
	}
	if t.OptionFile != "" {
		rec = append(rec, field{"option file", t.OptionFile})
	}
	if t.LoginPath != "" {
		rec = append(rec, field{"login path", t.LoginPath})
	}
	rec = append(rec, field{"created", p.Created.Local().Format(time.DateTime)}, field{"updated", p.Updated.Local().Format(time.DateTime)})
	return view{data: maskedProfile(wb, p), record: rec}
}

func maskedProfile(wb *workbench.Workbench, p dba.Profile) profileJSON {
	pj := profileJSON{Profile: p, Password: wb.SecretStatus(p)}
	if p.SSHPassphraseRef != "" {
		pj.SSHPassphrase = "********"
	}
	return pj
}

func (a *app) connShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:               "show NAME",
		Short:             "Show a connection profile (secrets masked)",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			p, err := wb.Profile(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.render(a.profileView(wb, p))
		},
	}
}

func (a *app) connRmCommand() *cobra.Command {
	return &cobra.Command{
		Use:               "rm NAME...",
		Aliases:           []string{"remove", "delete"},
		Short:             "Delete connection profiles and their stored secrets",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			wb, err := a.workbench(cmd.Context())
			if err != nil {
				return err
			}
			for _, name := range args {
				if err := wb.RemoveProfile(cmd.Context(), name); err != nil {
					return err
				}
				if a.output == "table" {
					fmt.Fprintf(a.stdout, "removed profile %s\n", name)
				}
			}
			return nil
		},
	}
}

func (a *app) connTestCommand() *cobra.Command {
	var pw passwordFlags
	c := &cobra.Command{
		Use:   "test [NAME]",
		Short: "Connect, detect the server, and report what mydba can do with these privileges",
		Long: `Connect with a timeout (--timeout, default 5s), detect flavour and version,
and report server_id, read_only, role, uptime, performance_schema, the sys
schema, TLS, and each mydba feature the user's privileges do not allow with
the GRANT that fixes it. NAME defaults to --conn; --dsn tests an ad-hoc URL.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			r := workbench.ConnRequest{Profile: a.conn, DSN: a.dsn}
			if len(args) == 1 {
				r.Profile, r.DSN = args[0], ""
			}
			p, err := a.password(pw, true)
			if err != nil {
				return err
			}
			r.Password = p
			return a.testAndShow(cmd, r)
		},
	}
	c.Flags().BoolVar(&pw.stdin, "password-stdin", false, "read the password from stdin for this test")
	c.Flags().BoolVar(&pw.ask, "ask-password", false, "prompt for the password for this test (no echo)")
	return c
}

func (a *app) testAndShow(cmd *cobra.Command, r workbench.ConnRequest) error {
	wb, err := a.workbench(cmd.Context())
	if err != nil {
		return err
	}
	a.fillRequest(&r)
	res, err := wb.TestConnection(cmd.Context(), r)
	if err != nil {
		return err
	}
	return a.render(a.reportView(res))
}

// fillRequest adds what the environment and global flags say about a
// connection: MYDBA_PASSWORD, MYDBA_SSH_PASSPHRASE and --timeout.
func (a *app) fillRequest(r *workbench.ConnRequest) {
	if r.Password == nil {
		if pw, ok := lookupEnv(a.getenv, "MYDBA_PASSWORD"); ok {
			r.Password = &pw
		}
	}
	if r.SSHPassphrase == nil {
		if pp, ok := lookupEnv(a.getenv, "MYDBA_SSH_PASSPHRASE"); ok {
			r.SSHPassphrase = &pp
		}
	}
	if r.Timeout == 0 {
		r.Timeout = a.timeout
	}
}

// connRequest is the connection named by the global flags (--conn or
// --dsn), with the environment's password and the global timeout.
func (a *app) connRequest() workbench.ConnRequest {
	r := workbench.ConnRequest{Profile: a.conn, DSN: a.dsn}
	a.fillRequest(&r)
	return r
}

func (a *app) reportView(res workbench.TestResult) view {
	r := res.Report
	name := res.Profile.Name
	yesNo := func(b bool) string {
		if b {
			return "ON"
		}
		return "OFF"
	}
	rec := []field{
		{"profile", name + " (" + a.envBadge(res.Profile.Env) + ")"},
		{"address", r.Address},
		{"server", fmt.Sprintf("%s %s (%s)", r.Server.Flavor, r.Server.Version, r.Server.Raw)},
		{"series", r.Series},
		{"user", r.CurrentUser},
		{"server_id", strconv.FormatInt(r.ServerID, 10)},
		{"hostname", r.Hostname},
		{"role", r.Role},
		{"read_only", yesNo(r.ReadOnly)},
		{"uptime", formatUptime(r.Uptime)},
		{"performance_schema", yesNo(r.PerformanceSchema)},
		{"sys schema", map[bool]string{true: "present", false: "absent"}[r.SysSchema]},
		{"tls", dash(r.TLS)},
		{"connect time", r.ConnectTime.Round(time.Millisecond).String()},
	}
	for _, w := range r.Warnings {
		rec = append(rec, field{"warning", w})
	}
	t := table{title: "Privileges: all mydba features are allowed.", headers: []string{"KIND", "FEATURE", "FIX"}}
	if len(r.Missing) > 0 {
		t.title = "Features these privileges do not allow:"
	}
	for _, g := range r.Missing {
		fix := g.Grant
		if g.Note != "" {
			fix += "  -- " + g.Note
		}
		t.rows = append(t.rows, []string{g.Kind, g.Feature, fix})
	}
	return view{data: res, record: rec, tables: []table{t}}
}

func formatUptime(d time.Duration) string {
	days := int(d.Hours()) / 24
	rest := d - time.Duration(days)*24*time.Hour
	if days > 0 {
		return fmt.Sprintf("%dd %s", days, rest.Round(time.Second))
	}
	return d.Round(time.Second).String()
}
