package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Correcting the record (docs/model.md "Correcting the record"): a wrong
// event is never deleted. A void_event record names it, and the case's
// states, facts and dates are recomputed by replaying the events that
// remain, in order, through the same state machines. A corrected event is
// a void followed by the right event.

// VoidEventType is the audit event of a void.
const VoidEventType = "void_event"

// VoidReasons are the accepted reasons of a void, in order.
var VoidReasons = []string{"wrong_date", "wrong_event", "wrong_case", "duplicate", "other"}

// VoidInput asks to void the event recorded as seq.
type VoidInput struct {
	Reason string
	// Version, when set, must equal the case's current version.
	Version *int
}

// VoidEvent voids the event with audit seq on the case, in one
// transaction: 404 when seq is not an event of this case, 409 when it is
// already voided, when the version is stale, or (with BlockingSeqs) when
// later events would no longer be valid without it.
func (s *Service) VoidEvent(ctx context.Context, a auth.Actor, id string, seq int64, in VoidInput) (Case, error) {
	today := s.Today()
	var out Case
	err := s.change(ctx, a, id, func(tx *gorm.DB, r *row, official bool) error {
		var err error
		recs, err := audit.ForCase(tx, r.ID)
		if err != nil {
			return fmt.Errorf("cases: void: read history: %w", err)
		}
		voided := voidedSeqs(recs)
		target := slices.IndexFunc(recs, func(rec audit.Record) bool { return rec.Seq == seq })
		if target < 0 || !isEvent(recs[target].Event) {
			return apperr.NotFoundf("case %s has no event with seq %d", r.Reference, seq)
		}
		if !slices.Contains(VoidReasons, in.Reason) {
			if in.Reason == "" {
				return apperr.Field("reason", "required: one of %s", strings.Join(VoidReasons, ", "))
			}
			return apperr.Field("reason", "want one of %s", strings.Join(VoidReasons, ", "))
		}
		if by, ok := voided[seq]; ok {
			return apperr.Conflictf("the event with seq %d was already voided by seq %d", seq, by)
		}
		if in.Version != nil && *in.Version != r.Version {
			return staleVersion(r.Version)
		}
		orig := *r
		ident, _, err := r.open(s.keys)
		if err != nil {
			return err
		}
		before, err := r.nrm(ident, official)
		if err != nil {
			return err
		}
		voided[seq] = 0
		after, blocking, err := s.replay(ctx, before, recs, voided)
		if err != nil {
			return err
		}
		if len(blocking) > 0 {
			return &apperr.Error{Kind: apperr.Conflict, BlockingSeqs: blocking,
				Message: fmt.Sprintf("later events are no longer valid without seq %d: void them first (seqs %v)", seq, blocking)}
		}
		now := s.now().UTC()
		if err := s.saveTracks(tx, &orig, r, after, today, now); err != nil {
			return err
		}
		data := map[string]any{"voided_seq": seq, "reason": in.Reason}
		if _, err := appendRecord(tx, a, r, VoidEventType, today, before, after, data, "", now); err != nil {
			return err
		}
		out = s.viewOf(r, ident, after, today)
		return nil
	})
	return out, err
}

// replay rebuilds a case from its opening with the event records that are
// not voided, in order. An event the machines refuse without the voided
// ones is returned in blocking and left out, so that every event needing
// a void first is named at once.
func (s *Service) replay(ctx context.Context, cur nrmCase, recs []audit.Record, voided map[int64]int64) (nrmCase, []int64, error) {
	n := cur
	n.State, n.Proceedings = identified, pNone
	n.Facts, n.LastEventOn = newFacts(cur.IdentifiedOn), cur.IdentifiedOn
	blocking := []int64{}
	for _, rec := range recs {
		if _, gone := voided[rec.Seq]; gone || !isEvent(rec.Event) {
			continue
		}
		on, err := eligibility.ParseDate(rec.OccurredOn)
		if err != nil {
			return n, nil, fmt.Errorf("cases: replay seq %d: occurred_on: %w", rec.Seq, err)
		}
		data := map[string]any{}
		if rec.Data != "" {
			if err := json.Unmarshal([]byte(rec.Data), &data); err != nil {
				return n, nil, fmt.Errorf("cases: replay seq %d: data: %w", rec.Seq, err)
			}
		}
		next := n
		if err := apply(ctx, &next, EventType(rec.Event), on, data, s.settings); err != nil {
			if apperr.KindOf(err) != apperr.InvalidTransition {
				return n, nil, fmt.Errorf("cases: replay seq %d: %w", rec.Seq, err)
			}
			blocking = append(blocking, rec.Seq)
			continue
		}
		n = next
	}
	return n, blocking, nil
}

// voidedSeqs maps each voided seq of a case's records to the seq of the
// void_event that voided it.
func voidedSeqs(recs []audit.Record) map[int64]int64 {
	out := map[int64]int64{}
	for _, rec := range recs {
		if rec.Event != VoidEventType {
			continue
		}
		var d struct {
			VoidedSeq int64 `json:"voided_seq"`
		}
		if json.Unmarshal([]byte(rec.Data), &d) == nil && d.VoidedSeq > 0 {
			out[d.VoidedSeq] = rec.Seq
		}
	}
	return out
}

// VoidedSeqs returns, for audit records of one or more cases, each voided
// seq and the seq of the void_event that voided it: the statistics replay
// skips voided events.
func VoidedSeqs(recs []audit.Record) map[int64]int64 { return voidedSeqs(recs) }

// isEvent reports whether an audit event is an event of the NRM path (not
// open_case, update_case, void_event or erase_case).
func isEvent(event string) bool {
	_, ok := eventIndex[EventType(event)]
	return ok
}

// BackfillReturnStates records, for cases closed or out of contact before
// rules version 2, the state they left from (read from their close_case
// and lose_contact records), so that reopen_case and resume_procedure can
// bring them back. The facts are derived from the chain, so this writes no
// record and keeps the version. It returns how many cases it filled in.
// Once it has run to completion on a database it reads nothing there
// again (backfill.go onceBackfill): every close_case and lose_contact
// since records the state left.
func (s *Service) BackfillReturnStates(ctx context.Context) (int, error) {
	return s.onceBackfill(ctx, backfillReturnStates, s.backfillReturnStates)
}

func (s *Service) backfillReturnStates(ctx context.Context) (int, error) {
	n, after := 0, ""
	for {
		var rows []row
		if err := s.db.Read.WithContext(ctx).Select("id, state, facts").
			Where("id > ? AND ((state = ? AND facts NOT LIKE ?) OR (state = ? AND facts NOT LIKE ?))",
				after, closed, `%"closed_from"%`, leftProc, `%"left_from"%`).
			Order("id").Limit(500).Find(&rows).Error; err != nil {
			return n, fmt.Errorf("cases: return-state backfill: %w", err)
		}
		if len(rows) == 0 {
			return n, nil
		}
		after = rows[len(rows)-1].ID
		err := s.db.Tx(ctx, func(tx *gorm.DB) error {
			for _, r := range rows {
				recs, err := audit.ForCase(tx, r.ID)
				if err != nil {
					return err
				}
				var f Facts
				if err := json.Unmarshal([]byte(r.Facts), &f); err != nil {
					return fmt.Errorf("stored facts of %s: %w", r.ID, err)
				}
				voided := voidedSeqs(recs)
				for _, rec := range recs {
					if _, gone := voided[rec.Seq]; gone {
						continue
					}
					switch EventType(rec.Event) {
					case CloseCase:
						f.ClosedFrom = State(rec.FromState)
					case LoseContact:
						f.LeftFrom = State(rec.FromState)
					}
				}
				b, err := marshalFacts(f)
				if err != nil {
					return err
				}
				// Only if unchanged since read: an event on another
				// server wins.
				res := tx.Exec("UPDATE cases SET facts = ?, facts_rev = facts_rev + 1 WHERE id = ? AND facts = ?", b, r.ID, r.Facts)
				if res.Error != nil {
					return res.Error
				}
				n += int(res.RowsAffected)
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("cases: return-state backfill: %w", err)
		}
	}
}
