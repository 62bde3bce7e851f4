package audit

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// The manifest's signature covers every field, is checked against the
// key given, and the file must hold exactly the rows it lists.
func TestManifest(t *testing.T) {
	s, other := testSigner(t, 11), testSigner(t, 12)
	recs := memChain(t, 6)
	b := NewManifestBuilder(Manifest{Format: FormatNDJSON, ExportSeq: 6})
	for _, r := range recs {
		b.Add(r)
	}
	m, err := b.Sign(s, signTime)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if m.Records != 6 || m.FirstSeq != 1 || m.LastSeq != 6 || m.LastHash != recs[5].Hash || len(m.RowsDigest) != 64 {
		t.Fatalf("manifest: got %+v", m)
	}
	msg, _ := ManifestMessage(m)
	if !strings.HasPrefix(string(msg), "casemgr-export-manifest-v1\n{\"case\":\"\",\"export_seq\":6,\"first_seq\":1,\"format\":\"ndjson\"") || strings.Contains(string(msg), "signature") {
		t.Errorf("message: got %s, want the tag and the JCS object without the signature", msg)
	}
	tests := []struct {
		name   string
		mutate func(*Manifest)
		pub    []byte
		want   string
	}{
		{"valid, its own key", func(*Manifest) {}, nil, ""},
		{"valid, the witness key", func(*Manifest) {}, s.PublicKey(), ""},
		{"records changed", func(m *Manifest) { m.Records = 5 }, nil, "does not match"},
		{"last seq changed", func(m *Manifest) { m.LastSeq = 5 }, nil, "does not match"},
		{"rows digest changed", func(m *Manifest) { m.RowsDigest = ZeroHash }, nil, "does not match"},
		{"another key", func(*Manifest) {}, other.PublicKey(), "not by the checkpoint key"},
		{"re-signed with another key", func(m *Manifest) { *m, _ = b.Sign(other, signTime) }, s.PublicKey(), "not by the checkpoint key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := m
			tt.mutate(&c)
			err := c.Verify(tt.pub)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	// The file against it: whole, cut short, a row removed.
	files := []struct {
		name    string
		recs    []Record
		wantOK  bool
		wantBad int64
		reason  string
	}{
		{"whole", recs, true, 0, ""},
		{"last row cut", recs[:5], false, 6, "truncated: the signed manifest lists 6 records up to seq 6, the file holds 5 up to seq 5"},
		{"first rows cut (a segment)", recs[2:], false, 1, "the file starts at seq 3, the signed manifest at seq 1: rows were cut from its start"},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			res, err := VerifyExport(bytes.NewReader(exportBytes(t, FormatNDJSON, f.recs, 0)), FormatNDJSON, ExportCheck{PublicKey: s.PublicKey(), Manifest: &m})
			if err != nil || res.OK != f.wantOK || res.FirstBadSeq != f.wantBad || !strings.Contains(res.Reason, f.reason) || res.Manifest != f.wantOK {
				t.Errorf("got ok %v first bad %d manifest %v (%s), %v; want ok %v first bad %d with %q", res.OK, res.FirstBadSeq, res.Manifest, res.Reason, err, f.wantOK, f.wantBad, f.reason)
			}
		})
	}
	// Read back from its JSON and from the HTTP trailer's base64.
	j, _ := json.Marshal(m)
	for _, in := range []string{string(j), base64.StdEncoding.EncodeToString(j) + "\n"} {
		got, err := ReadManifest(strings.NewReader(in))
		if err != nil || got != m {
			t.Errorf("ReadManifest(%.20q…): got %+v, %v", in, got, err)
		}
	}
}
