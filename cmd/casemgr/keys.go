package main

import (
	"fmt"

	"github.com/casemgr/casemgr/internal/auth"
)

var cmdCase = &Command{
	UsageLine: "case",
	Short:     "case data",
	Commands:  []*Command{cmdCaseErase},
}

var cmdCaseErase = &Command{
	UsageLine: "case erase ID",
	Short:     "destroy a case's identity data (its history stays)",
	Long: `Case erase destroys the identity data of the case with this ID: its wrapped
data key, its encrypted names, alias, date of birth and notes, and its
blind indexes, so the identity cannot be recovered even with the
key-encryption key. Its state, facts, statistical attributes and the audit
chain stay, so the history still verifies and statistics do not change.
The erasure is recorded in the chain (erase_case).`,
	Args:  1,
	Flags: noFlags(func(in *invocation) error { return in.caseErase(in.args[0]) }),
}

// caseErase destroys the case's identity data; its status history and the
// audit chain stay verifiable.
func (in *invocation) caseErase(id string) error {
	a, err := in.App()
	if err != nil {
		return err
	}
	out, err := a.Cases.Erase(in.ctx, auth.System, id)
	if err != nil {
		return fmt.Errorf("case erase: %w", err)
	}
	fmt.Fprintf(in.stdout, "erased the identity data of case %s (%s); its history is kept\n", out.Reference, out.ID)
	if !out.Compacted {
		fmt.Fprintln(in.stdout, "readers held the write-ahead log: the old pages leave it at the next checkpoint (the server runs one daily)")
	}
	return nil
}

var cmdKeys = &Command{
	UsageLine: "keys",
	Short:     "key-encryption keys",
	Commands:  []*Command{cmdKeysRotate},
}

var cmdKeysRotate = &Command{
	UsageLine: "keys rotate",
	Short:     "new key-encryption key; re-wrap every data key; retire the old one",
	Long: `Keys rotate adds a new key-encryption key to kek.keys in the key directory,
re-wraps every case's data key under it, then retires the old key. The
server may keep running: it reads the key ring again when it meets a key id
it does not know. If re-wrapping stops, run the command again.`,
	Flags: noFlags(func(in *invocation) error { return in.keysRotate() }),
}

// keysRotate adds a new key-encryption key, re-wraps every case's data key
// under it, then retires the old keys.
func (in *invocation) keysRotate() error {
	a, err := in.App()
	if err != nil {
		return err
	}
	old := a.Keys.CurrentKEKID()
	id, err := a.Keys.RotateKEK()
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	n, err := a.Cases.RewrapKeys(in.ctx, auth.System)
	if err != nil {
		return fmt.Errorf("keys rotate: new key %s added, but re-wrapping stopped after %d keys (run the command again): %w", id, n, err)
	}
	if err := a.Keys.RetireKEK(old); err != nil {
		return fmt.Errorf("keys rotate: retire %s: %w", old, err)
	}
	fmt.Fprintf(in.stdout, "key-encryption key rotated: %s -> %s, %d data keys re-wrapped, %s retired\n", old, id, n, old)
	return nil
}
