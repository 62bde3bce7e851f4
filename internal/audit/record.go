package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ZeroHash is the prev_hash of the first record (seq 1) and the hash of the
// empty log: 64 zeros.
const ZeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// timeLayout is the one format of recorded_at: UTC, six fractional digits.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Record is one entry of the chain; field order and names are those of
// docs/audit.md ("Fields"). Every field but Seq is a string. Data holds the
// event's data object as canonical JSON (JCS) text, "{}" when it has none.
type Record struct {
	Seq             int64  `gorm:"column:seq;primaryKey;autoIncrement:false"`
	RecordedAt      string `gorm:"column:recorded_at"`
	OccurredOn      string `gorm:"column:occurred_on"`
	CaseID          string `gorm:"column:case_id"`
	CaseRef         string `gorm:"column:case_ref"`
	Shelter         string `gorm:"column:shelter"`
	Actor           string `gorm:"column:actor"`
	ActorRole       string `gorm:"column:actor_role"`
	Event           string `gorm:"column:event"`
	FromState       string `gorm:"column:from_state"`
	ToState         string `gorm:"column:to_state"`
	FromProceedings string `gorm:"column:from_proceedings"`
	ToProceedings   string `gorm:"column:to_proceedings"`
	Data            string `gorm:"column:data"`
	NoteDigest      string `gorm:"column:note_digest"`
	RulesVersion    string `gorm:"column:rules_version"`
	PrevHash        string `gorm:"column:prev_hash"`
	Hash            string `gorm:"column:hash"`
}

// TableName returns the table that holds the log, audit_log.
func (Record) TableName() string { return "audit_log" }

// Fields returns the 18 export field names in the order of docs/audit.md "Fields": the CSV header
// and the NDJSON keys. Each call returns a new slice.
func Fields() []string {
	return []string{
		"seq", "recorded_at", "occurred_on", "case_id", "case_ref", "shelter",
		"actor", "actor_role", "event", "from_state", "to_state",
		"from_proceedings", "to_proceedings", "data", "note_digest",
		"rules_version", "prev_hash", "hash",
	}
}

// textField names one of a Record's string fields other than Data.
type textField struct {
	name string
	p    *string
}

// textFields returns pointers to r's 16 plain string fields (every field but
// seq and data), in the order of docs/audit.md "Fields".
func (r *Record) textFields() []textField {
	return []textField{
		{"recorded_at", &r.RecordedAt}, {"occurred_on", &r.OccurredOn},
		{"case_id", &r.CaseID}, {"case_ref", &r.CaseRef}, {"shelter", &r.Shelter},
		{"actor", &r.Actor}, {"actor_role", &r.ActorRole}, {"event", &r.Event},
		{"from_state", &r.FromState}, {"to_state", &r.ToState},
		{"from_proceedings", &r.FromProceedings}, {"to_proceedings", &r.ToProceedings},
		{"note_digest", &r.NoteDigest}, {"rules_version", &r.RulesVersion},
		{"prev_hash", &r.PrevHash}, {"hash", &r.Hash},
	}
}

// scanDest returns pointers to r's fields in Fields() order, for rows.Scan.
func (r *Record) scanDest() []any {
	return []any{
		&r.Seq, &r.RecordedAt, &r.OccurredOn, &r.CaseID, &r.CaseRef, &r.Shelter,
		&r.Actor, &r.ActorRole, &r.Event, &r.FromState, &r.ToState,
		&r.FromProceedings, &r.ToProceedings, &r.Data, &r.NoteDigest,
		&r.RulesVersion, &r.PrevHash, &r.Hash,
	}
}

// FormatTime formats t as recorded_at is stored and hashed: in UTC with
// exactly six fractional digits, for example 2026-01-02T15:04:05.123456Z.
// Digits beyond the microsecond are truncated.
func FormatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

// MarshalJSON encodes r as the export object: exactly the 18 keys of
// Fields(), in that order, with seq a JSON integer, data the data object
// itself (in canonical form; "{}" when Data is empty) and every other field
// a string. Strings are written as in the canonical form (no HTML escaping).
func (r Record) MarshalJSON() ([]byte, error) {
	data, err := CanonicalData([]byte(r.Data))
	if err != nil {
		return nil, fmt.Errorf("audit: marshal record %d: %w", r.Seq, err)
	}
	text := r.textFields()
	b := make([]byte, 0, 512+len(data))
	b = append(b, `{"seq":`...)
	b, err = appendInt(b, r.Seq)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal record %d: seq: %w", r.Seq, err)
	}
	for _, f := range text {
		if f.name == "note_digest" { // data comes between to_proceedings and note_digest
			b = append(b, `,"data":`...)
			b = append(b, data...)
		}
		b = append(b, ',', '"')
		b = append(b, f.name...)
		b = append(b, '"', ':')
		if b, err = appendString(b, *f.p); err != nil {
			return nil, fmt.Errorf("audit: marshal record %d: %s: %w", r.Seq, f.name, err)
		}
	}
	return append(b, '}'), nil
}

// UnmarshalJSON decodes the export object written by MarshalJSON. It
// requires exactly the 18 keys of Fields() (no duplicates, no others), seq
// as an integer, data as an object (stored in r.Data as its canonical text)
// and every other field as a string.
func (r *Record) UnmarshalJSON(b []byte) error {
	v, err := parseJSON(b)
	if err != nil {
		return fmt.Errorf("audit: record: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("audit: record: got %s, want a JSON object", kindOf(v))
	}
	for k := range m {
		if !isField(k) {
			return fmt.Errorf("audit: record: unknown field %q", k)
		}
	}
	var out Record
	for _, name := range Fields() {
		if _, ok := m[name]; !ok {
			return fmt.Errorf("audit: record: missing field %q", name)
		}
	}
	num, ok := m["seq"].(json.Number)
	if !ok {
		return fmt.Errorf("audit: record: seq: got %s, want an integer", kindOf(m["seq"]))
	}
	if out.Seq, err = parseInteger(string(num)); err != nil {
		return fmt.Errorf("audit: record: seq: %w", err)
	}
	data, ok := m["data"].(map[string]any)
	if !ok {
		return fmt.Errorf("audit: record %d: data: got %s, want an object", out.Seq, kindOf(m["data"]))
	}
	canon, err := appendCanonical(nil, data, 0)
	if err != nil {
		return fmt.Errorf("audit: record %d: data: %w", out.Seq, err)
	}
	out.Data = string(canon)
	for _, f := range out.textFields() {
		s, ok := m[f.name].(string)
		if !ok {
			return fmt.Errorf("audit: record %d: %s: got %s, want a string", out.Seq, f.name, kindOf(m[f.name]))
		}
		*f.p = s
	}
	*r = out
	return nil
}

func isField(name string) bool {
	for _, f := range Fields() {
		if f == name {
			return true
		}
	}
	return false
}

// Canonical returns the JCS bytes of r without its hash: the object of the
// other 17 fields with seq as a JSON integer, data as an object (Data ""
// counts as {}) and every other field as a string. These are the bytes that
// ComputeHash hashes after prev_hash.
func (r Record) Canonical() ([]byte, error) {
	data, err := CanonicalData([]byte(r.Data))
	if err != nil {
		return nil, fmt.Errorf("audit: record %d: %w", r.Seq, err)
	}
	return r.canonicalWith(data)
}

// canonicalWith writes the canonical record with data, the canonical text
// of r.Data. The record's keys are ASCII, so their JCS order is byte order;
// TestCanonicalKeyOrder checks this list against Fields().
func (r *Record) canonicalWith(data string) ([]byte, error) {
	members := [...]struct {
		key string
		val *string
	}{
		{"actor", &r.Actor}, {"actor_role", &r.ActorRole}, {"case_id", &r.CaseID},
		{"case_ref", &r.CaseRef}, {"data", nil}, {"event", &r.Event},
		{"from_proceedings", &r.FromProceedings}, {"from_state", &r.FromState},
		{"note_digest", &r.NoteDigest}, {"occurred_on", &r.OccurredOn},
		{"prev_hash", &r.PrevHash}, {"recorded_at", &r.RecordedAt},
		{"rules_version", &r.RulesVersion}, {"seq", nil}, {"shelter", &r.Shelter},
		{"to_proceedings", &r.ToProceedings}, {"to_state", &r.ToState},
	}
	b := make([]byte, 0, 512+len(data))
	b = append(b, '{')
	for i, m := range members {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, m.key...)
		b = append(b, '"', ':')
		var err error
		switch m.key {
		case "data":
			b = append(b, data...)
		case "seq":
			b, err = appendInt(b, r.Seq)
		default:
			b, err = appendString(b, *m.val)
		}
		if err != nil {
			return nil, fmt.Errorf("audit: record %d: %s: %w", r.Seq, m.key, err)
		}
	}
	return append(b, '}'), nil
}

// ComputeHash returns the chain hash of r: lowercase hex of
// SHA-256(prev_hash + Canonical()), where prev_hash is the 64 hex characters
// of r.PrevHash and the two are concatenated with no separator. r.Hash is
// ignored. It fails when r.PrevHash is not 64 lowercase hex characters or
// r cannot be canonicalized.
func ComputeHash(r Record) (string, error) {
	data, err := CanonicalData([]byte(r.Data))
	if err != nil {
		return "", fmt.Errorf("audit: record %d: %w", r.Seq, err)
	}
	return hashWith(&r, data)
}

// hashWith is ComputeHash with data, the canonical text of r.Data, already
// computed.
func hashWith(r *Record, data string) (string, error) {
	if !isHash(r.PrevHash) {
		return "", fmt.Errorf("audit: record %d: prev_hash %q: want 64 lowercase hex characters", r.Seq, r.PrevHash)
	}
	c, err := r.canonicalWith(data)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(r.PrevHash))
	h.Write(c)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// NoteDigest returns the lowercase hex HMAC-SHA-256 of note under key, or ""
// for an empty note. The chain stores this digest instead of the note.
func NoteDigest(key []byte, note string) string {
	if note == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(note))
	return hex.EncodeToString(m.Sum(nil))
}

// validateForAppend checks the fields the caller sets before Append: the
// formats of recorded_at and occurred_on and a non-empty event.
func validateForAppend(r Record) error {
	if t, err := time.Parse(timeLayout, r.RecordedAt); err != nil || FormatTime(t) != r.RecordedAt {
		return fmt.Errorf("recorded_at %q: want UTC with six fractional digits, as FormatTime writes it", r.RecordedAt)
	}
	if r.OccurredOn != "" {
		if t, err := time.Parse(time.DateOnly, r.OccurredOn); err != nil || t.Format(time.DateOnly) != r.OccurredOn {
			return fmt.Errorf("occurred_on %q: want YYYY-MM-DD or empty", r.OccurredOn)
		}
	}
	if r.Event == "" {
		return errors.New("event is empty")
	}
	// Exports rely on these (export.go): a CSV cell that starts with an
	// apostrophe is always a neutralised one, and no field holds a line
	// break or another control character but tab.
	for _, f := range r.textFields() {
		if strings.HasPrefix(*f.p, "'") || strings.ContainsFunc(*f.p, func(c rune) bool { return c < 0x20 && c != '\t' }) {
			return fmt.Errorf("%s %q: text fields may not start with an apostrophe or hold a control character other than tab", f.name, *f.p)
		}
	}
	return nil
}
