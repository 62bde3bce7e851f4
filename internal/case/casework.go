package cases

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/vault"
)

// What the casework package (tasks, services, notes, documents; see
// docs/casework.md) needs of a case: its visibility, its data key and a
// way to append to the audit chain in the same transaction. Kept here so
// that the case row, its key and loadRow stay private to this package.

// The actions of the read-access log for the casework reads.
const (
	AccessNotes     = "notes"     // GET /cases/{id}/notes
	AccessTasks     = "tasks"     // GET /cases/{id}/tasks
	AccessServices  = "services"  // GET /cases/{id}/services
	AccessDocuments = "documents" // GET /cases/{id}/documents
	AccessDocument  = "document"  // GET /cases/{id}/documents/{document_id}: one download
)

// CaseFile is a case as the casework package sees it: no identity, and the
// data key that seals its free texts and files (the zero key once erased).
type CaseFile struct {
	ID          string
	Reference   string
	Shelter     string
	State       State
	Proceedings Proceedings
	Erased      bool
	Key         vault.DataKey
}

// AppendFunc appends one record about the case to the audit chain, inside
// the change's transaction, and returns its seq. data must hold no free
// text and no identity; noteDigest is Keys.NoteDigest of the free text, or "".
type AppendFunc func(event string, occurred Date, data map[string]any, noteDigest string) (int64, error)

func (s *Service) caseFile(r *row) (CaseFile, error) {
	cf := CaseFile{ID: r.ID, Reference: r.Reference, Shelter: r.ShelterID,
		State: State(r.State), Proceedings: Proceedings(r.Proceedings), Erased: r.DataKey == nil}
	if r.DataKey != nil {
		dk, err := s.keys.UnwrapDataKey(r.ID, r.DataKey)
		if err != nil {
			return CaseFile{}, fmt.Errorf("cases: unwrap data key: %w", err)
		}
		cf.Key = dk
	}
	return cf, nil
}

// ChangeCasework runs fn in one transaction on a case the actor may work
// on (403 for other roles, 404 for a case of another shelter), with the
// case row locked as every change of the case locks it, and gives fn the
// means to append to the audit chain. The case itself (version, state) is
// not changed.
func (s *Service) ChangeCasework(ctx context.Context, a auth.Actor, caseID string, fn func(tx *gorm.DB, cf CaseFile, add AppendFunc) error) error {
	if err := forbidCaseFiles(a); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		r, _, err := loadForUpdate(tx, a, caseID)
		if err != nil {
			return err
		}
		cf, err := s.caseFile(r)
		if err != nil {
			return err
		}
		st := nrmCase{State: State(r.State), Proceedings: Proceedings(r.Proceedings)}
		add := func(event string, occurred Date, data map[string]any, digest string) (int64, error) {
			return appendRecord(tx, a, r, event, occurred, st, st, data, digest, s.now().UTC())
		}
		return fn(tx, cf, add)
	})
}

// ReadCasework returns a case the actor may work on, with its data key and
// the read handle, and records the read under action (one of the Access*
// constants) in the read-access log.
func (s *Service) ReadCasework(ctx context.Context, a auth.Actor, caseID, action string) (CaseFile, *gorm.DB, error) {
	if err := forbidCaseFiles(a); err != nil {
		return CaseFile{}, nil, err
	}
	db := s.db.Read.WithContext(ctx)
	r, _, err := load(db, a, caseID)
	if err != nil {
		return CaseFile{}, nil, err
	}
	cf, err := s.caseFile(r)
	if err != nil {
		return CaseFile{}, nil, err
	}
	s.recordAccess(ctx, a, r.ID, r.ShelterID, action)
	return cf, db, nil
}

// ReadDB is the read handle for queries over a whole shelter (the work
// list); the caller filters by the actor's shelter.
func (s *Service) ReadDB(ctx context.Context) *gorm.DB { return s.db.Read.WithContext(ctx) }

// NoteDigest is the keyed digest the audit chain keeps of a free text.
func (s *Service) NoteDigest(text string) string { return s.keys.NoteDigest(text) }

// eraseCasework destroys the free texts and files of a case's casework
// along with its data key (Erase): the ciphertexts would no longer open,
// and removing them zeroes their pages (secure_delete). What is left is
// dates and kinds, which hold no identity.
func eraseCasework(tx *gorm.DB, caseID string) error {
	for _, q := range []string{
		"UPDATE case_tasks SET title_enc = NULL, snooze_reason_enc = NULL WHERE case_id = ?",
		"UPDATE case_services SET outcome_enc = NULL WHERE case_id = ?",
		"UPDATE case_contact_notes SET text_enc = NULL WHERE case_id = ?",
		"DELETE FROM case_documents WHERE case_id = ?",
	} {
		if err := tx.Exec(q, caseID).Error; err != nil {
			return fmt.Errorf("cases: erase casework of %s: %w", caseID, err)
		}
	}
	return nil
}
