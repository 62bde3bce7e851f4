package audit

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleRecord returns a record with every field set, chained at seq 1.
func sampleRecord() Record {
	return Record{
		Seq:             1,
		RecordedAt:      "2026-01-05T09:30:00.000000Z",
		OccurredOn:      "2026-01-05",
		CaseID:          "7d1c0a5e-3f7b-4c1e-9b52-1f0e6b2a9c41",
		CaseRef:         "PAY-2026-0001",
		Shelter:         "payoke",
		Actor:           "u-3f9a",
		ActorRole:       "caseworker",
		Event:           "start_reflection",
		FromState:       "identified",
		ToState:         "reflection",
		FromProceedings: "none",
		ToProceedings:   "none",
		Data:            "{}",
		NoteDigest:      "",
		RulesVersion:    "2026.1",
		PrevHash:        ZeroHash,
	}
}

func TestFields(t *testing.T) {
	want := []string{
		"seq", "recorded_at", "occurred_on", "case_id", "case_ref", "shelter",
		"actor", "actor_role", "event", "from_state", "to_state",
		"from_proceedings", "to_proceedings", "data", "note_digest",
		"rules_version", "prev_hash", "hash",
	}
	got := Fields()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Fields: got %q, want %q", got, want)
	}
	got[0] = "changed"
	if again := Fields(); again[0] != "seq" {
		t.Errorf("Fields after the caller changed its copy: got %q first, want seq", again[0])
	}
	// The scan order used by Each follows the same order.
	var r Record
	dest := r.scanDest()
	if len(dest) != len(want) {
		t.Fatalf("scanDest: got %d pointers, want %d", len(dest), len(want))
	}
	if dest[13] != &r.Data || dest[0] != &r.Seq || dest[17] != &r.Hash {
		t.Errorf("scanDest: got pointers out of Fields order, want seq at 0, data at 13, hash at 17")
	}
}

func TestFormatTime(t *testing.T) {
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{name: "UTC with micros", in: time.Date(2026, 1, 2, 15, 4, 5, 123456000, time.UTC), want: "2026-01-02T15:04:05.123456Z"},
		{name: "whole second keeps six zeros", in: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), want: "2026-01-02T15:04:05.000000Z"},
		{name: "nanoseconds truncated", in: time.Date(2026, 1, 2, 15, 4, 5, 999999999, time.UTC), want: "2026-01-02T15:04:05.999999Z"},
		{name: "Brussels winter converted to UTC", in: time.Date(2026, 1, 2, 0, 30, 0, 0, brussels), want: "2026-01-01T23:30:00.000000Z"},
		{name: "Brussels summer converted to UTC", in: time.Date(2026, 7, 1, 1, 0, 0, 1000, brussels), want: "2026-06-30T23:00:00.000001Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatTime(tc.in); got != tc.want {
				t.Errorf("FormatTime: got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRecordCanonical(t *testing.T) {
	r := sampleRecord()
	r.Data = `{"reason":"other"}`
	r.Hash = "must not appear"
	got, err := r.Canonical()
	if err != nil {
		t.Fatalf("Canonical: got error %v, want nil", err)
	}
	want := `{"actor":"u-3f9a","actor_role":"caseworker","case_id":"7d1c0a5e-3f7b-4c1e-9b52-1f0e6b2a9c41",` +
		`"case_ref":"PAY-2026-0001","data":{"reason":"other"},"event":"start_reflection",` +
		`"from_proceedings":"none","from_state":"identified","note_digest":"","occurred_on":"2026-01-05",` +
		`"prev_hash":"` + ZeroHash + `","recorded_at":"2026-01-05T09:30:00.000000Z","rules_version":"2026.1",` +
		`"seq":1,"shelter":"payoke","to_proceedings":"none","to_state":"reflection"}`
	if string(got) != want {
		t.Errorf("Canonical:\ngot  %s\nwant %s", got, want)
	}

	r.Data = ""
	empty, err := r.Canonical()
	if err != nil {
		t.Fatalf("Canonical with empty data: got error %v, want nil", err)
	}
	if !bytes.Contains(empty, []byte(`"data":{}`)) {
		t.Errorf("Canonical with empty data: got %s, want data {}", empty)
	}

	r.Data = `{"a":1.5}`
	if _, err := r.Canonical(); err == nil {
		t.Errorf("Canonical with a float in data: got nil error, want one")
	}
	r.Data = "{}"
	r.Actor = "\xff"
	if _, err := r.Canonical(); err == nil {
		t.Errorf("Canonical with invalid UTF-8: got nil error, want one")
	}
}

func TestCanonicalKeyOrder(t *testing.T) {
	// canonicalWith writes the record's keys in a fixed order; it must be
	// the JCS order of every field but hash.
	var want []string
	for _, f := range Fields() {
		if f != "hash" {
			want = append(want, f)
		}
	}
	slices.SortFunc(want, compareUTF16)
	r := sampleRecord()
	b, err := r.Canonical()
	if err != nil {
		t.Fatalf("Canonical: %v", err)
	}
	var got []string
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		var skip json.RawMessage
		dec.Decode(&skip)
		got = append(got, k.(string))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Canonical keys: got %q, want %q", got, want)
	}
}

func TestComputeHash(t *testing.T) {
	r := sampleRecord()
	got, err := ComputeHash(r)
	if err != nil {
		t.Fatalf("ComputeHash: got error %v, want nil", err)
	}
	if want := independentHash(r); got != want {
		t.Errorf("ComputeHash: got %s, want %s", got, want)
	}
	r.Hash = "anything"
	if again, _ := ComputeHash(r); again != got {
		t.Errorf("ComputeHash ignores Hash: got %s, want %s", again, got)
	}
	r.ToState = "declined"
	if changed, _ := ComputeHash(r); changed == got {
		t.Errorf("ComputeHash after changing to_state: got the same hash %s, want a different one", changed)
	}

	for _, prev := range []string{"", "00", strings.ToUpper(strings.Repeat("ab", 32)), strings.Repeat("g", 64)} {
		r := sampleRecord()
		r.PrevHash = prev
		if h, err := ComputeHash(r); err == nil {
			t.Errorf("ComputeHash with prev_hash %q: got %s, want an error", prev, h)
		}
	}
}

func TestNoteDigest(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		note string
		want string
	}{
		// RFC 4231 test case 2.
		{name: "RFC 4231 case 2", key: []byte("Jefe"), note: "what do ya want for nothing?", want: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{name: "empty note", key: []byte("Jefe"), note: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NoteDigest(tc.key, tc.note); got != tc.want {
				t.Errorf("NoteDigest: got %q, want %q", got, tc.want)
			}
		})
	}
	if a, b := NoteDigest([]byte("k1"), "note"), NoteDigest([]byte("k2"), "note"); a == b {
		t.Errorf("NoteDigest under two keys: got %s twice, want different digests", a)
	}
}

func TestRecordJSONRoundTrip(t *testing.T) {
	r := sampleRecord()
	r.Seq = 42
	r.Data = `{"changed":["gender","nationality"],"n":-3,"ok":true}`
	r.CaseRef = `PAY-"2026"\0001 <b>&`
	r.NoteDigest = strings.Repeat("ab", 32)
	r.Hash = strings.Repeat("cd", 32)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("json.Marshal: got error %v, want nil", err)
	}
	wantPrefix := `{"seq":42,"recorded_at":"2026-01-05T09:30:00.000000Z","occurred_on":"2026-01-05",`
	if !strings.HasPrefix(string(b), wantPrefix) {
		t.Errorf("json.Marshal: got %s, want prefix %s", b, wantPrefix)
	}
	if !strings.Contains(string(b), `"to_proceedings":"none","data":{"changed":["gender","nationality"],"n":-3,"ok":true},"note_digest":`) {
		t.Errorf("json.Marshal: got %s, want data as an object between to_proceedings and note_digest", b)
	}
	var keys []string
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		var skip json.RawMessage
		dec.Decode(&skip)
		keys = append(keys, k.(string))
	}
	if !reflect.DeepEqual(keys, Fields()) {
		t.Errorf("json.Marshal keys: got %q, want %q", keys, Fields())
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("json.Unmarshal: got error %v, want nil", err)
	}
	if back != r {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", back, r)
	}

	empty := sampleRecord()
	empty.Data = ""
	eb, err := empty.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON with empty data: got error %v, want nil", err)
	}
	if !strings.Contains(string(eb), `"data":{}`) {
		t.Errorf("MarshalJSON with empty data: got %s, want \"data\":{}", eb)
	}
}

func TestRecordUnmarshalJSONCanonicalisesData(t *testing.T) {
	r := sampleRecord()
	b, _ := r.MarshalJSON()
	in := strings.Replace(string(b), `"data":{}`, `"data":{ "b" : 1, "a" : [ ] }`, 1)
	var got Record
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatalf("json.Unmarshal: got error %v, want nil", err)
	}
	if want := `{"a":[],"b":1}`; got.Data != want {
		t.Errorf("Data: got %s, want %s", got.Data, want)
	}
}

func TestRecordUnmarshalJSONRejects(t *testing.T) {
	good, _ := sampleRecord().MarshalJSON()
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{name: "not an object", in: `[]`, wantErr: "want a JSON object"},
		{name: "unknown field", in: strings.Replace(string(good), `{"seq":1,`, `{"seq":1,"name":"x",`, 1), wantErr: `unknown field "name"`},
		{name: "missing field", in: strings.Replace(string(good), `"shelter":"payoke",`, ``, 1), wantErr: `missing field "shelter"`},
		{name: "duplicate field", in: strings.Replace(string(good), `{"seq":1,`, `{"seq":1,"seq":2,`, 1), wantErr: `duplicate key "seq"`},
		{name: "seq as string", in: strings.Replace(string(good), `"seq":1`, `"seq":"1"`, 1), wantErr: "seq: got a string"},
		{name: "seq as float", in: strings.Replace(string(good), `"seq":1`, `"seq":1.0`, 1), wantErr: "only integers"},
		{name: "data as string", in: strings.Replace(string(good), `"data":{}`, `"data":"{}"`, 1), wantErr: "data: got a string"},
		{name: "data null", in: strings.Replace(string(good), `"data":{}`, `"data":null`, 1), wantErr: "data: got null"},
		{name: "data with float", in: strings.Replace(string(good), `"data":{}`, `"data":{"x":0.5}`, 1), wantErr: "only integers"},
		{name: "string field null", in: strings.Replace(string(good), `"actor":"u-3f9a"`, `"actor":null`, 1), wantErr: "actor: got null"},
		{name: "string field number", in: strings.Replace(string(good), `"actor":"u-3f9a"`, `"actor":7`, 1), wantErr: "actor: got a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRecord()
			r.Actor = "unchanged"
			err := r.UnmarshalJSON([]byte(tc.in))
			if err == nil {
				t.Fatalf("UnmarshalJSON(%s): got nil error, want one containing %q", tc.in, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("UnmarshalJSON: got error %q, want it to contain %q", err, tc.wantErr)
			}
			if r.Actor != "unchanged" {
				t.Errorf("UnmarshalJSON on error: got Actor %q, want the record untouched", r.Actor)
			}
		})
	}
}
