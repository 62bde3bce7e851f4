package audit

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
)

// This file is a second, deliberately naive implementation of the record
// hash that shares no code with the package: it writes the 17 keys in an
// order typed out by hand, escapes strings rune by rune, inserts the stored
// data text as it is, and hashes with crypto/sha256 directly. Tests compare
// it with ComputeHash and with chains written by Append.

// independentHash recomputes the hash of r from its fields.
func independentHash(r Record) string {
	data := r.Data
	if data == "" {
		data = "{}"
	}
	s := `{"actor":` + quote(r.Actor) +
		`,"actor_role":` + quote(r.ActorRole) +
		`,"case_id":` + quote(r.CaseID) +
		`,"case_ref":` + quote(r.CaseRef) +
		`,"data":` + data +
		`,"event":` + quote(r.Event) +
		`,"from_proceedings":` + quote(r.FromProceedings) +
		`,"from_state":` + quote(r.FromState) +
		`,"note_digest":` + quote(r.NoteDigest) +
		`,"occurred_on":` + quote(r.OccurredOn) +
		`,"prev_hash":` + quote(r.PrevHash) +
		`,"recorded_at":` + quote(r.RecordedAt) +
		`,"rules_version":` + quote(r.RulesVersion) +
		`,"seq":` + strconv.FormatInt(r.Seq, 10) +
		`,"shelter":` + quote(r.Shelter) +
		`,"to_proceedings":` + quote(r.ToProceedings) +
		`,"to_state":` + quote(r.ToState) + `}`
	return fmt.Sprintf("%x", sha256.Sum256([]byte(r.PrevHash+s)))
}

func quote(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&sb, `\u%04x`, c)
			} else {
				sb.WriteRune(c)
			}
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// independentVerify walks a chain with the independent hash and returns
// the first seq that does not fit, or 0 when the chain is intact.
func independentVerify(recs []Record) int64 {
	prev := strings.Repeat("0", 64)
	for i, r := range recs {
		want := int64(i + 1)
		if r.Seq != want || r.PrevHash != prev || independentHash(r) != r.Hash {
			return want
		}
		prev = r.Hash
	}
	return 0
}
