// Command casemgr is the case-management server for shelters that assist
// victims of human trafficking on the Belgian National Referral Mechanism
// path, and its administration commands. See README.md; `casemgr help`
// lists the commands (the table in command.go).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(status(err, os.Stderr))
	}
}
