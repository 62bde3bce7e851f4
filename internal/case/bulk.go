package cases

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/vault"
)

// This file exports, for the bulk seeder (internal/seed), the pieces of
// Create and RecordEvent that make stored rows: the seeder writes many
// cases per transaction without the Service, and must store what the
// Service would, with the same code.

// SealedIdentity is a victim's identity as table cases stores it: the
// ciphertexts under the case's data key, the blind indexes of the name and
// the identity fingerprint of the duplicate warning (so that a seeded
// database needs no fingerprint backfill at start-up).
type SealedIdentity struct {
	GivenName, FamilyName, Alias, DateOfBirth []byte
	NameIndex, NameIndexRev, Fingerprint      string
}

// SealIdentity encrypts v's identity fields for case caseID with the code
// Create uses.
func SealIdentity(keys *vault.Keys, dk vault.DataKey, caseID string, v Victim) (SealedIdentity, error) {
	r := row{ID: caseID}
	id := identity{GivenName: v.GivenName, FamilyName: v.FamilyName, Alias: v.Alias, DateOfBirth: v.DateOfBirth}
	if err := id.seal(keys, dk, &r); err != nil {
		return SealedIdentity{}, err
	}
	return SealedIdentity{GivenName: r.GivenNameEnc, FamilyName: r.FamilyNameEnc, Alias: r.AliasEnc,
		DateOfBirth: r.DateOfBirthEnc, NameIndex: r.NameIndex, NameIndexRev: r.NameIndexRev, Fingerprint: r.Fingerprint}, nil
}

// SealNote encrypts the note of the event recorded at audit seq seq of
// case caseID, as RecordEvent stores it in case_notes.
func SealNote(dk vault.DataKey, caseID string, seq int64, note string) ([]byte, error) {
	ct, err := dk.Seal(caseID, fmt.Sprintf("%s/%d", fieldNote, seq), []byte(note))
	if err != nil {
		return nil, fmt.Errorf("cases: encrypt note: %w", err)
	}
	return ct, nil
}

// NextReference takes the next reference of a shelter and year inside tx,
// as Create does: <PREFIX>-<year>-<4-digit sequence>.
func NextReference(tx *gorm.DB, shelterID string, year int) (string, error) {
	return nextReference(tx, shelterID, year)
}
