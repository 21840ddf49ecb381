package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mydba/mydba/internal/config"
	"github.com/mydba/mydba/internal/dba"
	"github.com/mydba/mydba/internal/workbench"
)

// Exit codes, documented in docs/cli.md.
const (
	exitError       = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitAuth        = 4
	exitUnreachable = 5
)

func exitCode(err error) int {
	switch {
	case errors.Is(err, dba.ErrInvalid), errors.Is(err, errUsage):
		return exitUsage
	case errors.Is(err, dba.ErrNotFound):
		return exitNotFound
	case errors.Is(err, dba.ErrAuth):
		return exitAuth
	case errors.Is(err, dba.ErrUnreachable), errors.Is(err, dba.ErrTimeout):
		return exitUnreachable
	}
	return exitError
}

var errUsage = errors.New("usage")

// app is one invocation: its streams, environment and global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	conn    string
	dsn     string
	output  string
	state   string
	config  string
	timeout time.Duration

	wb *workbench.Workbench
	// keepConnections: a long-running verb (serve) keeps pools open.
	keepConnections bool
}

// run executes one mydba command line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if err := refusePasswordFlags(args); err != nil {
		return err
	}
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	defer a.close()
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	_, err := root.ExecuteContextC(ctx)
	if err != nil && isCobraUsageError(err) {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return err
}

// refusePasswordFlags stops a password given as a flag value before any
// parsing, so it never reaches an error message or a shell history
// suggestion. Only the flag name is echoed.
func refusePasswordFlags(args []string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(a, "=")
		flag := ""
		switch {
		case name == "--password" || name == "--pass" || name == "--passwd":
			flag = name
		case strings.HasPrefix(a, "-p") && !strings.HasPrefix(a, "--"):
			flag = "-p"
		}
		if flag != "" {
			return fmt.Errorf("%w: passwords are never taken as flag values (%s); use --password-stdin, --ask-password, MYDBA_PASSWORD or --password-command", errUsage, flag)
		}
	}
	return nil
}

func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command", "invalid argument", "flag needs an argument", "accepts ", "requires at least", "requires at most", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "mydba",
		Short:         "DBA workbench for MySQL and MariaDB",
		Long:          "mydba is a DBA workbench for MySQL and MariaDB: connection profiles, server inspection and, as it grows, a web UI, advisors and an MCP server.\n\nDocumentation: docs/ in the source tree.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVarP(&a.conn, "conn", "c", "", "connection profile `NAME`")
	f.StringVar(&a.dsn, "dsn", "", "ad-hoc connection `URL` (mysql://user@host:port/db); passwords come from MYDBA_PASSWORD or --password-stdin")
	f.StringVarP(&a.output, "output", "o", "table", "output format: table, json or csv")
	f.StringVar(&a.state, "state", "", "state `DIR` (default $MYDBA_HOME, else $XDG_DATA_HOME/mydba)")
	f.StringVar(&a.config, "config", "", "configuration `FILE` (default $MYDBA_CONFIG, else config.toml in the state dir)")
	f.DurationVar(&a.timeout, "timeout", 5*time.Second, "timeout for connecting and for each server call")
	// Registration fails only for a flag that does not exist, defined just above.
	_ = root.RegisterFlagCompletionFunc("conn", a.completeProfiles)
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json", "csv"}, cobra.ShellCompDirectiveNoFileComp))
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		switch a.output {
		case "table", "json", "csv":
		default:
			return fmt.Errorf("%w: output format %q: want table, json or csv", dba.ErrInvalid, a.output)
		}
		if a.timeout <= 0 {
			return fmt.Errorf("%w: --timeout must be positive", dba.ErrInvalid)
		}
		return nil
	}
	root.AddCommand(a.versionCommand(), a.connCommand(), a.historyCommand(), a.fingerprintCommand(), a.queryCommand(), a.varsCommand(), a.withStatusWatch(a.statusCommand()), a.psCommand(), a.locksCommand(),
		a.schemasCommand(), a.tablesCommand(), a.describeCommand(), a.previewCommand(), a.objectsCommand(), a.showCreateCommand(), a.execCommand(), a.killCommand(), a.setCommand(), a.auditCommand(), a.configCommand(), a.serveCommand(), a.analyzeCommand(), a.profileCommand(), a.topCommand(), a.digestCommand(), a.explainCommand(), a.planDiffCommand(), a.mcpCommand(), a.alertsCommand(), a.aiCommand(), a.askCommand(), a.optimizeCommand())
	return root
}

// workbench opens the state directory on first use.
func (a *app) workbench(ctx context.Context) (*workbench.Workbench, error) {
	if a.wb != nil {
		return a.wb, nil
	}
	dir, cfg, err := a.stateConfig()
	if err != nil {
		return nil, err
	}
	wb, err := workbench.Open(ctx, workbench.Options{
		StateDir:          dir,
		Policy:            cfg.Policy,
		HistoryMaxEntries: cfg.History.MaxEntries,
		HistoryMaxAge:     cfg.History.MaxAge,
		KeepConnections:   a.keepConnections,
		Alerts:            alertOptions(cfg),
		AI:                workbench.AIOptions{Config: cfg.AI, Getenv: a.getenv},
		DisableKeyring:    strings.EqualFold(a.getenv("MYDBA_KEYRING"), "off"),
		Notice:            func(msg string) { fmt.Fprintln(a.stderr, "mydba: note:", msg) },
		HomeDir:           a.getenv("HOME"),
		LoginFile:         a.getenv("MYSQL_TEST_LOGIN_FILE"),
	})
	if err != nil {
		return nil, err
	}
	a.wb = wb
	return wb, nil
}

// stateConfig resolves the state directory (--state, else the default)
// and loads the configuration that goes with it.
func (a *app) stateConfig() (string, config.Config, error) {
	dir := a.state
	if dir == "" {
		var err error
		if dir, err = workbench.DefaultStateDir(a.getenv); err != nil {
			return "", config.Config{}, err
		}
	}
	cfg, err := a.loadConfig(dir)
	return dir, cfg, err
}

// loadConfig reads --config, $MYDBA_CONFIG or config.toml in the state dir.
func (a *app) loadConfig(stateDir string) (config.Config, error) {
	path := a.config
	if path == "" {
		path = a.getenv("MYDBA_CONFIG")
	}
	explicit := path != ""
	if path == "" {
		path = config.DefaultPath(stateDir)
	}
	cfg, err := config.Load(path)
	if err == nil && explicit && cfg.Path == "" {
		return cfg, fmt.Errorf("%w: config file %s does not exist", dba.ErrNotFound, path)
	}
	return cfg, err
}

func (a *app) close() {
	if a.wb != nil {
		a.wb.Close()
	}
}

func (a *app) completeProfiles(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	wb, err := a.workbench(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ps, err := wb.Profiles(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	for _, p := range ps {
		if strings.HasPrefix(strings.ToLower(p.Name), strings.ToLower(toComplete)) {
			names = append(names, p.Name+"\t"+string(p.Env)+" "+p.Target.Address())
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
