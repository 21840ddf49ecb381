// Command mydba is the DBA workbench for MySQL and MariaDB: CLI verbs over
// the workbench use cases. main only wires signals and the process; all
// behaviour lives behind run, which tests drive in-process.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mydba:", err)
		os.Exit(exitCode(err))
	}
}
