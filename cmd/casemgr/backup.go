package main

import (
	"flag"
	"fmt"
	"time"
)

var cmdBackup = &Command{
	UsageLine: "backup --out FILE",
	Short:     "consistent online copy of the database (VACUUM INTO); never overwrites",
	Long: `Backup writes a consistent copy of the SQLite database to a new file while
the server may keep running (VACUUM INTO). It never overwrites FILE. The key
files are not in the copy: back up the key directory separately, and keep
the two apart. PostgreSQL databases are backed up with their own tools
(pg_dump).`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		out := fs.String("out", "", "`FILE` to write the copy to; must not exist")
		return func(in *invocation) error { return in.backup(*out) }
	},
}

func (in *invocation) backup(out string) error {
	if out == "" {
		return fmt.Errorf("backup: give --out FILE (a new file; the key files are not in the copy, back them up separately)")
	}
	a, err := in.App()
	if err != nil {
		return err
	}
	start := in.now()
	info, err := a.DB.Backup(in.ctx, out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(in.stdout, "backup written to %s (%d bytes) in %s; back up the key directory %s separately\n",
		info.Path, info.Bytes, in.now().Sub(start).Round(time.Millisecond), in.cfg.KeyDir())
	return nil
}
