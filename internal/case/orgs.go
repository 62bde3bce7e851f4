package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/vault"
)

// Helpers for the work between organisations (package internal/orgs,
// docs/organisations.md): they give that package the case row inside its
// own transaction, so that a consent, a transfer or an assignment and its
// audit record commit together.

// effectiveAssignee selects the assignee as read: a user who is disabled
// or no longer in the case's shelter leaves the case unassigned, without
// any write when the user changes.
const effectiveAssignee = `COALESCE((SELECT u.username FROM users u WHERE u.username = cases.assignee
	AND u.shelter_id = cases.shelter_id AND NOT u.disabled), '') AS assignee_effective`

// assignedSQL is true when the case has an effective assignee.
const assignedSQL = `EXISTS (SELECT 1 FROM users u WHERE u.username = cases.assignee
	AND u.shelter_id = cases.shelter_id AND NOT u.disabled)`

// filterAssignee restricts a case list to an assignee: "me", "none" (no
// effective assignee) or a username; "" does not filter.
func filterAssignee(db *gorm.DB, a auth.Actor, assignee string) *gorm.DB {
	if cond, args := assigneeCond(a, assignee); cond != "" {
		return db.Where(cond, args...)
	}
	return db
}

// assigneeCond is filterAssignee's condition and arguments ("" for none).
func assigneeCond(a auth.Actor, assignee string) (string, []any) {
	switch assignee {
	case "":
		return "", nil
	case "none":
		return "NOT " + assignedSQL, nil
	case "me":
		assignee = a.Username
	}
	return "assignee = ? AND " + assignedSQL, []any{assignee}
}

// Locked is a case loaded and locked inside a transaction of another
// package. It gives that package what it needs of the case and no
// identity.
type Locked struct {
	r        *row
	official bool
}

// ID returns the case id.
func (l *Locked) ID() string { return l.r.ID }

// Reference returns the case reference.
func (l *Locked) Reference() string { return l.r.Reference }

// Shelter returns the id of the case's shelter.
func (l *Locked) Shelter() string { return l.r.ShelterID }

// Assignee returns the effective assignee ("" when nobody).
func (l *Locked) Assignee() string { return l.r.AssigneeNow }

// State returns the case's state.
func (l *Locked) State() State { return State(l.r.State) }

// Erased reports whether the case's identity data was erased.
func (l *Locked) Erased() bool { return l.r.DataKey == nil }

// Lock loads and locks, in tx, a case the actor works on: 403 for roles
// without case files, 404 for another shelter's case.
func (s *Service) Lock(tx *gorm.DB, a auth.Actor, id string) (*Locked, error) {
	if err := forbidCaseFiles(a); err != nil {
		return nil, err
	}
	r, official, err := loadForUpdate(tx, a, id)
	if err != nil {
		return nil, err
	}
	return &Locked{r: r, official: official}, nil
}

// LockAny loads and locks a case of any shelter: for the receiving
// shelter accepting a transfer. The caller has checked the actor's right.
func (s *Service) LockAny(tx *gorm.DB, id string) (*Locked, error) {
	r, official, err := loadForUpdate(tx, auth.Actor{}, id)
	if err != nil {
		return nil, err
	}
	return &Locked{r: r, official: official}, nil
}

// UnaccompaniedMinorOn reports whether the case is marked unaccompanied
// minor and the victim is a minor on the date (docs/model.md "Minor").
func (s *Service) UnaccompaniedMinorOn(l *Locked, on Date) (bool, error) {
	if !l.r.UnaccompaniedMinor {
		return false, nil
	}
	id, _, err := l.r.open(s.keys)
	if err != nil {
		return false, err
	}
	n, err := l.r.nrm(id, l.official)
	if err != nil {
		return false, err
	}
	return n.snapshot().Minor(on), nil
}

// Append appends to the audit chain a record about the case that leaves
// its states as they are (a consent, a transfer, a referral). data holds
// ids and codes, never a victim's identity.
func (s *Service) Append(tx *gorm.DB, a auth.Actor, l *Locked, event string, occurred Date, data map[string]any) error {
	st := nrmCase{State: State(l.r.State), Proceedings: Proceedings(l.r.Proceedings)}
	_, err := appendRecord(tx, a, l.r, event, occurred, st, st, data, "", s.now().UTC())
	return err
}

// Assign makes username (an enabled caseworker of the case's shelter; ""
// for nobody) the case's assignee and records assign_case. Only
// supervisors assign.
func (s *Service) Assign(tx *gorm.DB, a auth.Actor, l *Locked, username string) error {
	if !a.Is(auth.RoleSupervisor) {
		return apperr.Forbiddenf("only supervisors assign cases")
	}
	if username != "" {
		var n int64
		if err := tx.Table("users").Where("username = ? AND shelter_id = ? AND role = ? AND NOT disabled",
			username, l.r.ShelterID, string(auth.RoleCaseworker)).Count(&n).Error; err != nil {
			return fmt.Errorf("cases: assignee: %w", err)
		}
		if n == 0 {
			return apperr.FieldCode("assignee", apperr.CodeUnknownValue, "%q is not an active caseworker of shelter %s", username, l.r.ShelterID)
		}
	}
	from := l.r.AssigneeNow
	if from == username {
		return nil
	}
	orig := *l.r
	l.r.Assignee, l.r.AssigneeNow = username, username
	now := s.now().UTC()
	if err := saveRow(tx, &orig, l.r, now); err != nil {
		return err
	}
	return s.Append(tx, a, l, "assign_case", s.Today(), map[string]any{"from": from, "to": username})
}

// MoveShelter moves the case, with its whole history, to another shelter
// (an accepted transfer): the reference stays, the case is unassigned
// until the new shelter's supervisor assigns it, the stored deadlines
// follow it and the rules are evaluated again with the new shelter
// (R17, official NRM provider).
func (s *Service) MoveShelter(tx *gorm.DB, l *Locked, to string) error {
	var official []bool
	if err := tx.Table("shelters").Where("id = ?", to).Pluck("official_nrm", &official).Error; err != nil {
		return fmt.Errorf("cases: shelter %s: %w", to, err)
	}
	if len(official) == 0 {
		return apperr.NotFoundf("no such shelter %q", to)
	}
	orig := *l.r
	l.r.ShelterID, l.r.Assignee, l.r.AssigneeNow, l.official = to, "", "", official[0]
	now := s.now().UTC()
	if err := saveRow(tx, &orig, l.r, now); err != nil {
		return err
	}
	if err := tx.Exec("UPDATE case_deadlines SET shelter_id = ? WHERE case_id = ?", to, l.r.ID).Error; err != nil {
		return fmt.Errorf("cases: move deadlines of %s: %w", l.r.ID, err)
	}
	id, _, err := l.r.open(s.keys)
	if err != nil {
		return err
	}
	n, err := l.r.nrm(id, l.official)
	if err != nil {
		return err
	}
	return saveDerived(tx, l.r.ID, to, n, s.Today(), s.settings)
}

// Duplicates is the duplicate warning of a creation or identity
// correction: the references of possible duplicates in the actor's own
// shelter, and only whether one exists in another shelter.
type Duplicates struct {
	SameShelter  []string `json:"same_shelter"`
	OtherShelter bool     `json:"other_shelter"`
}

// noFingerprint marks a case with an identity but no fingerprint (no
// date of birth): it never matches, and the backfill, which looks for
// ”, does not read it again.
const noFingerprint = "-"

// fingerprint is the keyed fingerprint of a normalised name and date of
// birth, under the blind-index key: given and family name in sorted order
// (a swap still matches). Without a date of birth there is none: a name
// alone would match strangers.
func fingerprint(keys *vault.Keys, id identity) string {
	if id.DateOfBirth.IsZero() {
		return noFingerprint
	}
	names := []string{vault.NormalizeName(id.GivenName), vault.NormalizeName(id.FamilyName)}
	if names[0] == "" || names[1] == "" {
		return noFingerprint
	}
	sort.Strings(names)
	return keys.BlindIndex("identity fingerprint v1|" + strings.Join(names, "|") + "|" + id.DateOfBirth.String())
}

// NotificationDuplicate is the kind of a notification about a possible
// duplicate in another shelter.
const NotificationDuplicate = "possible_duplicate"

// duplicates compares the case's fingerprint with every shelter's cases
// that still have an identity. A match in another shelter notifies the
// supervisors of both shelters (each notice names only its own shelter's
// case) and is recorded as possible_duplicate with both shelters.
func (s *Service) duplicates(tx *gorm.DB, a auth.Actor, r *row, today Date, now time.Time) (*Duplicates, error) {
	out := &Duplicates{SameShelter: []string{}}
	if r.Fingerprint == "" || r.Fingerprint == noFingerprint {
		return out, nil
	}
	var matches []struct{ ID, Reference, ShelterID string }
	if err := tx.Table("cases").Select("id, reference, shelter_id").
		Where("identity_fingerprint = ? AND id <> ? AND data_key IS NOT NULL", r.Fingerprint, r.ID).
		Order("reference").Scan(&matches).Error; err != nil {
		return nil, fmt.Errorf("cases: duplicates: %w", err)
	}
	var others []string
	for _, m := range matches {
		if m.ShelterID == r.ShelterID {
			out.SameShelter = append(out.SameShelter, m.Reference)
			continue
		}
		out.OtherShelter = true
		fresh, err := notifyPair(tx, r.ShelterID, r.ID, m.ShelterID, m.ID, now)
		if err != nil {
			return nil, err
		}
		if fresh && !contains(others, m.ShelterID) {
			others = append(others, m.ShelterID)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		st := nrmCase{State: State(r.State), Proceedings: Proceedings(r.Proceedings)}
		data := map[string]any{"shelter": r.ShelterID, "other_shelters": others}
		if _, err := appendRecord(tx, a, r, NotificationDuplicate, today, st, st, data, "", now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// notifyPair notifies each shelter of a possible duplicate of its case
// in the other shelter, once per case and other shelter: false when both
// were already notified.
func notifyPair(tx *gorm.DB, shelterA, caseA, shelterB, caseB string, now time.Time) (bool, error) {
	fresh := false
	for _, p := range [][4]string{{shelterA, caseA, shelterB, caseB}, {shelterB, caseB, shelterA, caseA}} {
		var n int64
		if err := tx.Table("notifications").Where("kind = ? AND case_id = ? AND other_shelter = ?",
			NotificationDuplicate, p[1], p[2]).Count(&n).Error; err != nil {
			return false, fmt.Errorf("cases: notifications: %w", err)
		}
		if n > 0 {
			continue
		}
		if err := tx.Exec(`INSERT INTO notifications (id, shelter_id, kind, case_id, other_shelter, other_case, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, uuid.NewString(), p[0], NotificationDuplicate, p[1], p[2], p[3], now).Error; err != nil {
			return false, fmt.Errorf("cases: notify: %w", err)
		}
		fresh = true
	}
	return fresh, nil
}

// BackfillFingerprints computes the identity fingerprint of cases stored
// before it existed (or written by an older bulk seeder), so that they take
// part in the duplicate warning. It notifies nobody about matches among
// them: that is for new cases and corrections. It returns how many it
// filled in; none after the first run.
//
// It runs before the server serves, so it is built for a million cases
// (docs/performance.md "Start-up backfills"): it walks the pending cases in
// id order from the last one it read (cases_identity_fingerprint holds
// them in that order), decrypts on every CPU, and writes each batch with
// one statement.
func (s *Service) BackfillFingerprints(ctx context.Context) (int, error) {
	n, after := 0, ""
	for {
		var rows []row
		if err := s.db.Read.WithContext(ctx).
			Select("id, data_key, given_name_enc, family_name_enc, alias_enc, date_of_birth_enc").
			Where("identity_fingerprint = '' AND id > ? AND data_key IS NOT NULL", after).
			Order("id").Limit(backfillBatch).Find(&rows).Error; err != nil {
			return n, fmt.Errorf("cases: fingerprint backfill: %w", err)
		}
		if len(rows) == 0 {
			return n, nil
		}
		after = rows[len(rows)-1].ID
		ids, fps := make([]string, len(rows)), make([]string, len(rows))
		err := parallel(len(rows), func(i int) error {
			id, _, err := rows[i].open(s.keys)
			if err != nil {
				return err
			}
			ids[i], fps[i] = rows[i].ID, fingerprint(s.keys, id)
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("cases: fingerprint backfill: %w", err)
		}
		done := 0
		err = s.db.Tx(ctx, func(tx *gorm.DB) error {
			// Only if still unset: a correction on another server may
			// have set it meanwhile.
			var err error
			done, err = setWhereEmpty(tx, "identity_fingerprint", ids, fps)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("cases: fingerprint backfill: %w", err)
		}
		n += done
	}
}

// historyData is the data of an audit record as a case's history shows it
// to the actor: a caseworker learns that a possible duplicate exists in
// another shelter, not which (the chain, auditors and supervisors, who
// are notified, have both shelters).
func historyData(a auth.Actor, event, data string) json.RawMessage {
	if event == NotificationDuplicate && !a.Is(auth.RoleSupervisor) {
		return json.RawMessage(`{}`)
	}
	return json.RawMessage(data)
}
