package main

import (
	"fmt"
	"time"
)

// backup runs `casemgr backup --out FILE`: a consistent online copy of the
// database (the server may keep running). It never overwrites FILE.
func (e env) backup(args []string) error {
	fs, c := newFlags("backup", e.stderr)
	out := fs.String("out", "", "file to write the copy to; must not exist")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if *out == "" {
		return fmt.Errorf("backup: give --out FILE (a new file; the key files are not in the copy, back them up separately)")
	}
	cfg, err := e.load(c)
	if err != nil {
		return err
	}
	a, err := e.open(cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	start := e.now()
	info, err := a.DB.Backup(e.ctx, *out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(e.stdout, "backup written to %s (%d bytes) in %s; back up the key directory %s separately\n",
		info.Path, info.Bytes, e.now().Sub(start).Round(time.Millisecond), cfg.KeyDir())
	return nil
}
