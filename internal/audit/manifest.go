package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"
)

// manifestTag starts the message an export manifest's signature covers.
const manifestTag = "casemgr-export-manifest-v1"

// Manifest is the signed trailer of an audit-log export, kept apart from
// the export so that the rows themselves stay exactly the documented
// format: a separate file next to a CLI export (EXPORT.sig.json) and the
// HTTP trailer Casemgr-Export-Manifest of an API export (docs/audit.md).
// It says what the whole file holds, so a file cut short (or with rows
// removed) no longer matches it, even where the chain inside the file
// still verifies.
type Manifest struct {
	// Format is the export's format; From, To, Shelter and Case its filter
	// ("" when absent); ExportSeq the seq of its own export record.
	Format    Format `json:"format"`
	From      string `json:"from"`
	To        string `json:"to"`
	Shelter   string `json:"shelter"`
	Case      string `json:"case"`
	ExportSeq int64  `json:"export_seq"`
	// Records is the number of rows; FirstSeq and LastSeq the seq of the
	// first and last (0 when none), LastHash the hash of the last (the
	// zero hash when none).
	Records  int64  `json:"records"`
	FirstSeq int64  `json:"first_seq"`
	LastSeq  int64  `json:"last_seq"`
	LastHash string `json:"last_hash"`
	// RowsDigest is lowercase hex SHA-256 of the rows' hash fields
	// concatenated in file order (64 ASCII characters each, no separator).
	RowsDigest string `json:"rows_digest"`
	SignedAt   string `json:"signed_at"`
	PublicKey  string `json:"public_key"`
	KeyID      string `json:"key_id"`
	// Signature is standard base64 of the Ed25519 signature of
	// ManifestMessage.
	Signature string `json:"signature"`
}

// ManifestMessage returns the bytes m's signature covers: the line
// "casemgr-export-manifest-v1", LF, then the JCS canonical form of m's
// JSON object without its signature member.
func ManifestMessage(m Manifest) ([]byte, error) {
	m.Signature = ""
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("audit: manifest: %w", err)
	}
	v, err := parseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("audit: manifest: %w", err)
	}
	obj := v.(map[string]any)
	delete(obj, "signature")
	c, err := appendCanonical([]byte(manifestTag+"\n"), obj, 0)
	if err != nil {
		return nil, fmt.Errorf("audit: manifest: %w", err)
	}
	return c, nil
}

// ManifestBuilder accumulates the manifest of an export as its rows are
// written. The zero value is not ready; use NewManifestBuilder.
type ManifestBuilder struct {
	m    Manifest
	rows hash.Hash
}

// NewManifestBuilder starts the manifest of an export described by m (its
// format, filter and export seq; the rest is filled in).
func NewManifestBuilder(m Manifest) *ManifestBuilder {
	m.Records, m.FirstSeq, m.LastSeq, m.LastHash = 0, 0, 0, ZeroHash
	return &ManifestBuilder{m: m, rows: sha256.New()}
}

// Add counts one exported record.
func (b *ManifestBuilder) Add(r Record) {
	if b.m.Records == 0 {
		b.m.FirstSeq = r.Seq
	}
	b.m.Records++
	b.m.LastSeq, b.m.LastHash = r.Seq, r.Hash
	io.WriteString(b.rows, r.Hash)
}

// Sign returns the manifest signed by s at time at.
func (b *ManifestBuilder) Sign(s *Signer, at time.Time) (Manifest, error) {
	m := b.m
	m.RowsDigest = hex.EncodeToString(b.rows.Sum(nil))
	m.SignedAt = FormatTime(at)
	m.PublicKey, m.KeyID = EncodePublicKey(s.PublicKey()), s.KeyID()
	msg, err := ManifestMessage(m)
	if err != nil {
		return Manifest{}, err
	}
	m.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, msg))
	return m, nil
}

// Verify checks m's signature under pub (nil: under the key the manifest
// itself names, which proves only that the file was not changed by
// someone without that key's private half; pass the key of a witness
// file or the published key to know whose).
func (m Manifest) Verify(pub ed25519.PublicKey) error {
	own, err := DecodePublicKey(m.PublicKey)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if pub == nil {
		pub = own
	} else if !pub.Equal(own) {
		return fmt.Errorf("manifest signed by key %s, not by the checkpoint key %s", KeyID(own), KeyID(pub))
	}
	if m.KeyID != KeyID(pub) {
		return fmt.Errorf("manifest key id %q is not that of its key %q", m.KeyID, KeyID(pub))
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("manifest signature is not standard base64 of 64 bytes")
	}
	msg, err := ManifestMessage(m)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, msg, sig) {
		return errors.New("the manifest's signature does not match its contents")
	}
	return nil
}

// ReadManifest parses a manifest file: its JSON, or the standard base64 of
// it as the HTTP trailer Casemgr-Export-Manifest carries it.
func ReadManifest(r io.Reader) (Manifest, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return Manifest{}, fmt.Errorf("audit: manifest: %w", err)
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '{' {
		if b, err = base64.StdEncoding.DecodeString(string(b)); err != nil {
			return Manifest{}, fmt.Errorf("audit: manifest: neither JSON nor base64 of it: %w", err)
		}
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("audit: manifest: %w", err)
	}
	return m, nil
}

// compare checks what a file held (got, unsigned) against m and returns
// the first difference, "" when none.
func (m Manifest) compare(got Manifest) string {
	switch {
	case got.FirstSeq != m.FirstSeq:
		return fmt.Sprintf("the file starts at seq %d, the signed manifest at seq %d: rows were cut from its start or added", got.FirstSeq, m.FirstSeq)
	case got.Records < m.Records || got.LastSeq < m.LastSeq:
		return fmt.Sprintf("truncated: the signed manifest lists %d records up to seq %d, the file holds %d up to seq %d", m.Records, m.LastSeq, got.Records, got.LastSeq)
	case got.Records != m.Records || got.FirstSeq != m.FirstSeq || got.LastSeq != m.LastSeq || got.LastHash != m.LastHash:
		return fmt.Sprintf("the file holds %d records from seq %d to seq %d (last hash %s), the signed manifest %d from seq %d to seq %d (last hash %s)",
			got.Records, got.FirstSeq, got.LastSeq, got.LastHash, m.Records, m.FirstSeq, m.LastSeq, m.LastHash)
	case got.RowsDigest != m.RowsDigest:
		return "the file's rows differ from those the signed manifest lists (rows_digest): records were removed, added or replaced"
	}
	return ""
}
