package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/mydba/mydba/internal/dba"
)

// readLineStdin reads one line (the password) from stdin, like
// `docker login --password-stdin`. A trailing newline is dropped.
func (a *app) readLineStdin(what string) (string, error) {
	r := bufio.NewReader(io.LimitReader(a.stdin, 64<<10))
	line, err := r.ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read %s from stdin: %w", what, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" && err == io.EOF {
		return "", fmt.Errorf("%w: --%s-stdin given but stdin is empty", dba.ErrInvalid, strings.ReplaceAll(what, " ", "-"))
	}
	return line, nil
}

// prompt asks on the terminal without echo. It refuses when stdin is not a
// terminal, rather than reading a password from a pipe by surprise.
func (a *app) prompt(label string) (string, error) {
	f, ok := a.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("%w: cannot prompt for %s: stdin is not a terminal (use --password-stdin or MYDBA_PASSWORD)", dba.ErrInvalid, label)
	}
	fmt.Fprintf(a.stderr, "%s: ", label)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", label, err)
	}
	return string(b), nil
}

// passwordFlags are the ways a command can be given a password for this
// invocation.
type passwordFlags struct {
	stdin bool
	ask   bool
}

// password returns the password given to this invocation, or nil: from
// stdin, a prompt, or MYDBA_PASSWORD, in that order.
func (a *app) password(pf passwordFlags, useEnv bool) (*string, error) {
	if pf.stdin && pf.ask {
		return nil, fmt.Errorf("%w: --password-stdin and --ask-password are exclusive", dba.ErrInvalid)
	}
	switch {
	case pf.stdin:
		pw, err := a.readLineStdin("password")
		return &pw, err
	case pf.ask:
		pw, err := a.prompt("Password")
		return &pw, err
	}
	if useEnv {
		if pw, ok := lookupEnv(a.getenv, "MYDBA_PASSWORD"); ok {
			return &pw, nil
		}
	}
	return nil, nil
}

func lookupEnv(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}
