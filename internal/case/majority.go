package cases

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/vault"
)

// The deadline board lists the 18th birthdays of minors without storing
// them: docs/security.md "Encryption at rest" forbids a day derived from a
// date of birth in plaintext. Each case whose victim was a minor when
// identified stores instead the keyed tag of the month of that birthday
// (vault.Keys.MonthTag): the board asks for the tags of the months it
// shows and decrypts only those cases' dates of birth, so its cost follows
// the birthdays shown, not the number of minors a shelter ever had
// (docs/performance.md "Scale"). A tag reveals, without the index key,
// only which cases share a month.

// MajorityMonthTag returns the month tag a case stores for a victim born
// on dob and identified on identified: the tag of the month of the 18th
// birthday when the victim was a minor that day, else "". The bulk seeder
// (internal/seed) stores it as Create does.
func MajorityMonthTag(keys *vault.Keys, dob, identified Date) string {
	if dob.IsZero() {
		return ""
	}
	b := eligibility.Birthday18(dob)
	if !identified.Before(b) {
		return ""
	}
	return keys.MonthTag(monthOf(b))
}

func monthOf(d Date) string { return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month)) }

// monthTags returns the tags of the months from asOf's to end's.
func monthTags(keys *vault.Keys, asOf, end Date) []string {
	var tags []string
	for m := (Date{Year: asOf.Year, Month: asOf.Month, Day: 1}); !end.Before(m); m = m.AddMonths(1) {
		tags = append(tags, keys.MonthTag(monthOf(m)))
	}
	return tags
}

// birthdayCache keeps the 18th birthday decrypted for a case version, so
// that a board asked again decrypts nothing: at most birthdayCacheMax
// entries, emptied when full.
type birthdayCache struct {
	mu sync.Mutex
	m  map[birthdayKey]Date
}

type birthdayKey struct {
	id      string
	version int
}

const birthdayCacheMax = 50000

func (c *birthdayCache) get(k birthdayKey) (Date, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.m[k]
	return d, ok
}

func (c *birthdayCache) put(k birthdayKey, d Date) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= birthdayCacheMax {
		c.m = map[birthdayKey]Date{}
	}
	c.m[k] = d
}

// majorityDeadlines computes the 18th birthdays due after asOf and by end
// of the open cases of a shelter: only the cases tagged with one of those
// months are read, and only those whose birthday is not kept for their
// version are decrypted.
func (s *Service) majorityDeadlines(db *gorm.DB, shelterID string, asOf, end Date) ([]DeadlineItem, error) {
	if end.Before(asOf) {
		return nil, nil
	}
	type candidate struct {
		id, ref, state string
		version        int
		birthday       Date
		known          bool
	}
	// The candidates' stamps only, scanned by hand; the encrypted dates of
	// birth are read for the ones whose birthday is not kept.
	rows, err := db.Raw("SELECT id, reference, version, state FROM cases WHERE shelter_id = ? AND majority_month <> '' "+
		"AND majority_month IN ? AND state <> ?",
		shelterID, monthTags(s.keys, asOf, end), string(eligibility.StateClosed)).Rows()
	if err != nil {
		return nil, fmt.Errorf("cases: minors: %w", err)
	}
	var cands []candidate
	var missing []string
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.ref, &c.version, &c.state); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cases: minors: %w", err)
		}
		if c.birthday, c.known = s.birthdays.get(birthdayKey{c.id, c.version}); !c.known {
			missing = append(missing, c.id)
		}
		cands = append(cands, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("cases: minors: %w", err)
	}
	if len(missing) > 0 {
		var sealed []row
		if err := db.Select("id, version, data_key, date_of_birth_enc").Where("id IN ?", missing).Find(&sealed).Error; err != nil {
			return nil, fmt.Errorf("cases: minors: %w", err)
		}
		found := make(map[string]Date, len(sealed))
		for i := range sealed {
			r := &sealed[i]
			var b Date
			if r.DataKey != nil {
				id, _, err := r.open(s.keys) // only the date of birth was read: the names stay sealed
				if err != nil {
					return nil, err
				}
				if !id.DateOfBirth.IsZero() {
					b = eligibility.Birthday18(id.DateOfBirth)
				}
			}
			s.birthdays.put(birthdayKey{r.ID, r.Version}, b)
			found[r.ID] = b
		}
		for i := range cands {
			if !cands[i].known {
				cands[i].birthday = found[cands[i].id]
			}
		}
	}
	var out []DeadlineItem
	for _, c := range cands {
		b := c.birthday
		if b.IsZero() || !asOf.Before(b) || b.After(end) {
			continue
		}
		out = append(out, s.deadlineItem(c.id, c.ref, eligibility.DeadlineMajority, b, State(c.state), asOf))
	}
	return out, nil
}

// BackfillMajorityMonths stores the month tag of the cases written before
// schema version 13 (minors when identified, identity not erased), in
// batches; it returns how many it tagged. Once it has run to completion on
// a database it reads nothing there again (backfill.go onceBackfill): every
// write of a date of birth since stores the tag, and the minors it leaves
// untagged (no date of birth) stay so.
func (s *Service) BackfillMajorityMonths(ctx context.Context) (int, error) {
	return s.onceBackfill(ctx, backfillMajorityMonths, s.backfillMajorityMonths)
}

func (s *Service) backfillMajorityMonths(ctx context.Context) (int, error) {
	n, after := 0, ""
	for {
		var rows []row
		err := s.db.Read.WithContext(ctx).Select("id, identified_on, data_key, date_of_birth_enc").
			Where("id > ? AND age_band IN ? AND majority_month = '' AND data_key IS NOT NULL", after, []string{"0-13", "14-17"}).
			Order("id").Limit(500).Find(&rows).Error
		if err != nil {
			return n, fmt.Errorf("cases: majority month backfill: %w", err)
		}
		if len(rows) == 0 {
			return n, nil
		}
		after = rows[len(rows)-1].ID
		done := 0
		err = s.db.Tx(ctx, func(tx *gorm.DB) error {
			done = 0 // Tx may run this again after a deadlock
			for i := range rows {
				r := &rows[i]
				id, _, err := r.open(s.keys)
				if err != nil {
					return err
				}
				on, err := eligibility.ParseDate(r.IdentifiedOn)
				if err != nil {
					return fmt.Errorf("stored identified_on of %s: %w", r.ID, err)
				}
				tag := MajorityMonthTag(s.keys, id.DateOfBirth, on)
				if tag == "" {
					continue
				}
				// Only if still untagged and the identity unchanged: a
				// change on another server may have written it meanwhile.
				res := tx.Exec("UPDATE cases SET majority_month = ? WHERE id = ? AND majority_month = '' AND date_of_birth_enc = ?",
					tag, r.ID, r.DateOfBirthEnc)
				if res.Error != nil {
					return res.Error
				}
				done += int(res.RowsAffected)
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("cases: majority month backfill: %w", err)
		}
		n += done
	}
}
