package cases

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Erasure is the answer of an erasure.
type Erasure struct {
	ID        string    `json:"id"`
	Reference string    `json:"reference"`
	Erased    bool      `json:"erased"`
	ErasedAt  time.Time `json:"erased_at"`
	// Compacted is true when the old pages were also removed from the
	// SQLite write-ahead log at once; false when readers held the log,
	// and the server's next daily checkpoint removes them.
	Compacted bool `json:"compacted"`
}

// Erase destroys a case's identity data (admins only, or the system for
// the CLI): the wrapped data key, the encrypted names, alias and date of
// birth, the blind indexes and the encrypted notes are removed, so the
// identity cannot be recovered even with the key-encryption key. The state,
// the facts, the statistical attributes (gender, nationality, age band at
// identification, exploitation types) and the audit chain stay, so the
// history still verifies and statistics do not change. The act is recorded
// in the chain as erase_case.
func (s *Service) Erase(ctx context.Context, a auth.Actor, id string) (Erasure, error) {
	if !a.Is(auth.RoleAdmin, auth.RoleSystem) {
		return Erasure{}, apperr.Forbiddenf("only admins erase identity data")
	}
	var out Erasure
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		r, _, err := loadForUpdate(tx, a, id)
		if err != nil {
			return err
		}
		if r.DataKey == nil {
			return apperr.Conflictf("the identity data of case %s was already erased", r.Reference)
		}
		now := s.now().UTC()
		res := tx.Model(&row{}).Where("id = ? AND version = ?", r.ID, r.Version).Updates(map[string]any{
			"data_key": nil, "given_name_enc": nil, "family_name_enc": nil, "alias_enc": nil,
			"date_of_birth_enc": nil, "name_index": "", "name_index_rev": "", "identity_fingerprint": "", "majority_month": "", "erased_at": now,
			"version": r.Version + 1, "updated_at": now,
		})
		if res.Error != nil {
			return fmt.Errorf("cases: erase %s: %w", r.ID, res.Error)
		}
		if res.RowsAffected != 1 {
			return staleVersion(r.Version + 1)
		}
		if err := tx.Exec("DELETE FROM case_notes WHERE case_id = ?", r.ID).Error; err != nil {
			return fmt.Errorf("cases: erase notes of %s: %w", r.ID, err)
		}
		if err := eraseCasework(tx, r.ID); err != nil {
			return err
		}
		st := nrmCase{State: State(r.State), Proceedings: Proceedings(r.Proceedings)}
		data := map[string]any{"fields": []string{"alias", "date_of_birth", "family_name", "given_name", "notes", "casework"}}
		if _, err := appendRecord(tx, a, r, "erase_case", eligibility.Today(now), st, st, data, "", now); err != nil {
			return err
		}
		out = Erasure{ID: r.ID, Reference: r.Reference, Erased: true, ErasedAt: now}
		return nil
	})
	if err != nil {
		return Erasure{}, err
	}
	s.views().forget(out.ID) // the decrypted identity leaves this process's memory too
	// Deleted pages are zeroed (secure_delete); a checkpoint also moves the
	// change out of the write-ahead log, where the old pages would remain.
	// The erasure itself is committed whatever the checkpoint does.
	done, err := s.db.Checkpoint(ctx)
	if err != nil {
		return out, fmt.Errorf("cases: checkpoint after erasure: %w", err)
	}
	out.Compacted = done
	return out, nil
}

// RewrapKeys re-wraps every case's data key under the current
// key-encryption key, in batches of one transaction each, while the server
// keeps running. It returns how many keys it re-wrapped.
func (s *Service) RewrapKeys(ctx context.Context, a auth.Actor) (int, error) {
	if !a.Is(auth.RoleAdmin, auth.RoleSystem) {
		return 0, apperr.Forbiddenf("only admins rotate keys")
	}
	var ids []string
	if err := s.db.Read.WithContext(ctx).Model(&row{}).Where("data_key IS NOT NULL").Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("cases: list data keys: %w", err)
	}
	n := 0
	for start := 0; start < len(ids); start += 500 {
		end := min(start+500, len(ids))
		done := 0
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			done = 0 // Tx may run this again after a deadlock
			var rows []struct {
				ID      string
				DataKey []byte
			}
			// In id order, the order in which changes lock several cases.
			if err := tx.Table("cases").Select("id, data_key").Where("id IN ? AND data_key IS NOT NULL", ids[start:end]).Order("id").Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				wrapped, changed, err := s.keys.Rewrap(r.ID, r.DataKey)
				if err != nil {
					return fmt.Errorf("rewrap %s: %w", r.ID, err)
				}
				if !changed {
					continue
				}
				if err := tx.Exec("UPDATE cases SET data_key = ? WHERE id = ? AND data_key IS NOT NULL", wrapped, r.ID).Error; err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("cases: rewrap keys: %w", err)
		}
		n += done
	}
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		_, err := audit.AppendAct(tx, s.now().UTC(), a.Username, string(a.Role), "rotate_keys", "", eligibility.Version,
			map[string]any{"kek": s.keys.CurrentKEKID(), "rewrapped": n})
		return err
	})
	if err != nil {
		return n, fmt.Errorf("cases: audit rotate_keys: %w", err)
	}
	return n, nil
}
