package cases

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/vault"
)

// On SQLite every change runs on the one writer, one after the other
// (store.DB.Tx), so what a change computes while it holds the writer
// bounds how many changes a second the server makes. An event is
// therefore worked out first on a snapshot of the case read outside the
// transaction: decryption, the facts, the checks, the state machines, the
// rules and the answer. In the transaction, one locked read of the case's
// version (with its facts and shelter status) tells whether the snapshot
// is still the case; if so only the writes remain, else the event is
// worked out again on the locked row, as before
// (docs/performance.md "Writes").

// preparedEvent is an event worked out on a snapshot of its case.
type preparedEvent struct {
	st            caseStamp // the snapshot's version, facts and shelter status
	orig, r       row       // the row as read, and as it is to be written (but version and time)
	dk            vault.DataKey
	ident         identity
	before, after nrmCase
	typ           EventType
	on            Date
	data          map[string]any
	flags         []eligibility.Flag
	deadlines     []eligibility.Deadline
	digest        string
	view          Case
}

// prepareEvent works out in on a snapshot of the case, or returns nil when
// it cannot (the case is not visible, the input is refused, ...): the
// transaction then decides on the locked row, and its answer is the one
// given, so that a refusal is never based on an older version.
func (s *Service) prepareEvent(ctx context.Context, a auth.Actor, id string, in EventInput, today Date) *preparedEvent {
	r, official, ident, dk, facts, err := s.snapshot(ctx, a, id)
	if err != nil {
		return nil
	}
	p := &preparedEvent{st: caseStamp{version: r.Version, factsRev: r.FactsRev, official: official, assignee: r.AssigneeNow}, orig: *r, r: *r}
	if facts != nil {
		p.before, err = r.nrmFacts(*facts, ident, official)
	} else {
		p.before, err = r.nrm(ident, official)
	}
	if err != nil {
		return nil
	}
	def, on, data, err := checkEventInput(in, p.before, r.DataKey == nil, today, false)
	if err != nil || (in.Version != nil && *in.Version != r.Version) {
		return nil
	}
	p.after = p.before
	if err := apply(ctx, &p.after, def.typ, on, data, s.settings); err != nil {
		return nil
	}
	p.r.State, p.r.Proceedings, p.r.LastEventOn = string(p.after.State), string(p.after.Proceedings), p.after.LastEventOn.String()
	if p.r.Facts, err = marshalFacts(p.after.Facts); err != nil {
		return nil
	}
	snap := p.after.snapshot()
	p.flags = eligibility.Evaluate(snap, today, s.settings)
	p.deadlines = withFlagDeadlines(eligibility.Deadlines(snap, today, s.settings), p.flags, today, s.settings)
	p.dk, p.ident, p.typ, p.on, p.data, p.digest = dk, ident, def.typ, on, data, s.keys.NoteDigest(in.Note)
	p.view = s.viewOf(&p.r, ident, p.after, today)
	return p
}

// snapshot returns the case an event is worked out from: the row kept by
// the last change made here when the actor may see it (with its parsed
// facts when kept), else the row read and opened. Either may be older than
// the stored case; recordPrepared finds out in the transaction.
func (s *Service) snapshot(ctx context.Context, a auth.Actor, id string) (*row, bool, identity, vault.DataKey, *Facts, error) {
	if k, official, ok := s.views().keptRow(id); ok && (k.r.ShelterID == a.Shelter || (a.Shelter == "" && !a.WorksOnCases())) {
		r := k.r
		return &r, official, k.ident, k.dk, k.facts, nil
	}
	r, official, err := load(s.db.Read.WithContext(ctx), a, id)
	if err != nil {
		return nil, false, identity{}, vault.DataKey{}, nil, err
	}
	ident, dk, err := r.open(s.keys)
	if err != nil {
		return nil, false, identity{}, vault.DataKey{}, nil, err
	}
	return r, official, ident, dk, nil, nil
}

// recordPrepared writes a prepared event in tx if the case is still at the
// snapshot's version (done), and sets *out to the answer. It returns done
// false, with nothing written, when the case moved on since.
func (s *Service) recordPrepared(tx *gorm.DB, a auth.Actor, id string, in EventInput, p *preparedEvent, out *Case) (done bool, err error) {
	st, err := stampLocked(tx, a, id)
	if err != nil {
		return false, err
	}
	if st != p.st {
		return false, nil
	}
	orig, r := p.orig, p.r // Tx may run this again (PostgreSQL): write from copies
	now := s.now().UTC()
	if err := saveRow(tx, &orig, &r, now); err != nil {
		return false, err
	}
	if err := storeDerived(tx, r.ID, r.ShelterID, r.State, p.flags, p.deadlines); err != nil {
		return false, err
	}
	seq, err := appendRecord(tx, a, &r, string(p.typ), p.on, p.before, p.after, p.data, p.digest, now)
	if err != nil {
		return false, err
	}
	if in.Note != "" {
		ct, err := p.dk.Seal(r.ID, fmt.Sprintf("%s/%d", fieldNote, seq), []byte(in.Note))
		if err != nil {
			return false, fmt.Errorf("cases: encrypt note: %w", err)
		}
		if err := tx.Exec("INSERT INTO case_notes (seq, case_id, note_enc) VALUES (?, ?, ?)", seq, r.ID, ct).Error; err != nil {
			return false, fmt.Errorf("cases: store note: %w", err)
		}
	}
	*out = p.view
	out.Version, out.UpdatedAt = r.Version, r.UpdatedAt
	p.r = r
	return true, nil
}

// storedDeadlineRow is a row of case_deadlines as storeDerived compares it.
type storedDeadlineRow struct{ Kind, DueOn, State string }

// readDerived reads the stored flags and deadlines of a case, scanned by
// hand: this runs in every change, on the one writer.
func readDerived(tx *gorm.DB, caseID string) (flags []struct{ Rule, Severity, Kind string }, deadlines []storedDeadlineRow, err error) {
	// One query for both tables, run on the transaction's connection
	// without GORM, and sorted here: the two ordered queries through GORM
	// were an eighth of an event's CPU, on the one writer.
	q := "SELECT 0, rule, severity, kind FROM case_flags WHERE case_id = ? " +
		"UNION ALL SELECT 1, kind, due_on, state FROM case_deadlines WHERE case_id = ?"
	if tx.Dialector.Name() == "postgres" {
		q = dollarPlaceholders(q)
	}
	ctx := tx.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	rows, err := tx.Statement.ConnPool.QueryContext(ctx, q, caseID, caseID)
	if err != nil {
		return nil, nil, fmt.Errorf("cases: read flags and deadlines: %w", err)
	}
	for rows.Next() {
		var table int
		var a, b, c string
		if err := rows.Scan(&table, &a, &b, &c); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("cases: read flags and deadlines: %w", err)
		}
		if table == 0 {
			flags = append(flags, struct{ Rule, Severity, Kind string }{a, b, c})
		} else {
			deadlines = append(deadlines, storedDeadlineRow{a, b, c})
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, nil, fmt.Errorf("cases: read flags and deadlines: %w", err)
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].Rule < flags[j].Rule })
	sort.Slice(deadlines, func(i, j int) bool { return deadlines[i].Kind < deadlines[j].Kind })
	return flags, deadlines, nil
}
