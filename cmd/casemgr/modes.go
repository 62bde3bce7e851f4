package main

import (
	"path/filepath"

	"github.com/casemgr/casemgr/internal/auditor"
	"github.com/casemgr/casemgr/internal/config"
	"github.com/casemgr/casemgr/internal/vault"
)

// checkPrivate refuses to serve from a data or key directory that group or
// others may access, or with a checkpoint key they may read: the server
// reads that key only when it first signs, so without this it would start
// and serve with it (docs/security.md). The other key files are checked by
// vault.Open at every start.
func checkPrivate(cfg config.Config) error {
	for _, dir := range []string{cfg.Server.DataDir, cfg.KeyDir()} {
		if err := vault.CheckPrivateDir(dir); err != nil {
			return err
		}
	}
	return vault.CheckPrivateFile(filepath.Join(cfg.KeyDir(), auditor.KeyFile))
}
