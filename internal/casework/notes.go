package casework

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// NoteKinds are the kinds of contact a note records.
var NoteKinds = []string{"meeting", "phone", "visit", "other"}

// Note is one version of an entry of a case's contact log. Notes are
// append-only: a correction is a new note whose Corrects names the one it
// replaces, which then has CorrectedBy set and stays readable.
type Note struct {
	ID          string    `json:"id"`
	CaseID      string    `json:"case_id"`
	OccurredOn  Date      `json:"occurred_on"`
	Kind        string    `json:"kind"`
	Text        string    `json:"text"`
	Author      string    `json:"author"`
	Corrects    *string   `json:"corrects"`
	CorrectedBy *string   `json:"corrected_by"`
	Seq         int64     `json:"seq"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewNote is the input of POST /cases/{id}/notes and of a correction.
type NewNote struct {
	OccurredOn string
	Kind       string
	Text       string
	// Corrects is the id of the note this one corrects, or "".
	Corrects string
}

type noteRow struct {
	ID         string
	CaseID     string
	Corrects   string
	OccurredOn string
	Kind       string
	TextEnc    []byte
	Author     string
	AuditSeq   int64
	CreatedAt  time.Time
}

const noteColumns = "id, case_id, corrects, occurred_on, kind, text_enc, author, audit_seq, created_at"

func noteField(id string) string { return "contact_note/" + id }

func (r noteRow) view(cf cases.CaseFile) (Note, error) {
	text, err := open(cf, noteField(r.ID), r.TextEnc)
	if err != nil {
		return Note{}, err
	}
	on, err := parseStored(r.OccurredOn)
	if err != nil {
		return Note{}, err
	}
	n := Note{ID: r.ID, CaseID: r.CaseID, OccurredOn: on, Kind: r.Kind, Text: text, Author: r.Author,
		Seq: r.AuditSeq, CreatedAt: r.CreatedAt.UTC()}
	if r.Corrects != "" {
		c := r.Corrects
		n.Corrects = &c
	}
	return n, nil
}

// AddNote appends a note to the case's contact log (201), or a correction
// of one (in.Corrects): only the latest version of a note can be
// corrected. The text is sealed; the chain holds its digest.
func (s *Service) AddNote(ctx context.Context, a auth.Actor, caseID string, in NewNote) (Note, error) {
	var f apperr.Fields
	today := s.today()
	on := checkDate(&f, "occurred_on", in.OccurredOn, false)
	if on.After(today) {
		f.AddCode("occurred_on", apperr.CodeFuture, "%s is in the future (today is %s in Brussels)", on, today)
	}
	oneOf(&f, "kind", in.Kind, NoteKinds)
	checkText(&f, "text", in.Text, maxText, false)
	if in.Corrects != "" {
		if _, err := uuid.Parse(in.Corrects); err != nil {
			f.Add("corrects", "want the id of a note of this case")
		}
	}
	return changeCase(ctx, s, a, caseID, func(ch *change) (Note, error) {
		if err := f.Err(); err != nil {
			return Note{}, err
		}
		r := noteRow{ID: uuid.NewString(), CaseID: ch.cf.ID, Corrects: in.Corrects, OccurredOn: on.String(), Kind: in.Kind,
			Author: a.Username, CreatedAt: s.now().UTC()}
		var err error
		if r.TextEnc, err = ch.seal(noteField(r.ID), in.Text); err != nil { // an erased case's first
			return Note{}, err
		}
		event := "add_note"
		if in.Corrects != "" {
			if err := correctable(ch.tx, ch.cf.ID, in.Corrects); err != nil {
				return Note{}, err
			}
			event = "correct_note"
		}
		data := map[string]any{"note_id": r.ID, "kind": r.Kind}
		if r.Corrects != "" {
			data["corrects"] = r.Corrects
		}
		if r.AuditSeq, err = ch.record(event, on, data); err != nil {
			return Note{}, err
		}
		if err := ch.tx.Exec("INSERT INTO case_contact_notes (id, case_id, shelter_id, corrects, occurred_on, kind, text_enc, author, audit_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			r.ID, r.CaseID, ch.cf.Shelter, r.Corrects, r.OccurredOn, r.Kind, r.TextEnc, r.Author, r.AuditSeq, r.CreatedAt).Error; err != nil {
			return Note{}, fmt.Errorf("casework: add note: %w", err)
		}
		return r.view(ch.cf)
	})
}

// correctable checks that note id of the case exists (a field error) and
// is its latest version (409).
func correctable(tx *gorm.DB, caseID, id string) error {
	var found []struct {
		ID          string
		CorrectedBy int64
	}
	if err := tx.Raw("SELECT id, (SELECT COUNT(*) FROM case_contact_notes c WHERE c.corrects = n.id) AS corrected_by FROM case_contact_notes n WHERE id = ? AND case_id = ?",
		id, caseID).Scan(&found).Error; err != nil {
		return fmt.Errorf("casework: corrected note: %w", err)
	}
	if len(found) == 0 {
		return apperr.Field("corrects", "no note %s on this case", id)
	}
	if found[0].CorrectedBy > 0 {
		return apperr.Conflictf("note %s was already corrected: correct its latest version", id)
	}
	return nil
}

// Notes lists every version of the case's notes, newest contact first
// (then newest version first); a corrected version has CorrectedBy set.
// Once the case is erased the texts are "".
func (s *Service) Notes(ctx context.Context, a auth.Actor, caseID string) ([]Note, error) {
	out, err := listRows[noteRow, Note](ctx, s, a, caseID, cases.AccessNotes,
		"SELECT "+noteColumns+" FROM case_contact_notes WHERE case_id = ? ORDER BY occurred_on DESC, audit_seq DESC")
	if err != nil {
		return nil, err
	}
	by := map[string]string{}
	for _, n := range out {
		if n.Corrects != nil {
			by[*n.Corrects] = n.ID
		}
	}
	for i := range out {
		if id, ok := by[out[i].ID]; ok {
			out[i].CorrectedBy = &id
		}
	}
	return out, nil
}
