package main

import (
	"fmt"

	"github.com/casemgr/casemgr/internal/auth"
)

// caseErase runs `casemgr case erase ID`: destroys the case's identity
// data; its status history and the audit chain stay verifiable.
func (e env) caseErase(args []string) error {
	fs, c := newFlags("case erase", e.stderr)
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: casemgr case erase ID")
	}
	a, err := e.openApp(c)
	if err != nil {
		return err
	}
	defer a.Close()
	out, err := a.Cases.Erase(e.ctx, auth.System, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("case erase: %w", err)
	}
	fmt.Fprintf(e.stdout, "erased the identity data of case %s (%s); its history is kept\n", out.Reference, out.ID)
	if !out.Compacted {
		fmt.Fprintln(e.stdout, "readers held the write-ahead log: the old pages leave it at the next checkpoint (the server runs one daily)")
	}
	return nil
}

// keysRotate runs `casemgr keys rotate`: adds a new key-encryption key,
// re-wraps every case's data key under it, then retires the old keys. The
// server may keep running: it reads the key ring again when it meets a
// key id it does not know.
func (e env) keysRotate(args []string) error {
	fs, c := newFlags("keys rotate", e.stderr)
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	a, err := e.openApp(c)
	if err != nil {
		return err
	}
	defer a.Close()
	old := a.Keys.CurrentKEKID()
	id, err := a.Keys.RotateKEK()
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	n, err := a.Cases.RewrapKeys(e.ctx, auth.System)
	if err != nil {
		return fmt.Errorf("keys rotate: new key %s added, but re-wrapping stopped after %d keys (run the command again): %w", id, n, err)
	}
	if err := a.Keys.RetireKEK(old); err != nil {
		return fmt.Errorf("keys rotate: retire %s: %w", old, err)
	}
	fmt.Fprintf(e.stdout, "key-encryption key rotated: %s -> %s, %d data keys re-wrapped, %s retired\n", old, id, n, old)
	return nil
}
