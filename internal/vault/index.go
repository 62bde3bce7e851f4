package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldLetter maps lower-case letters that NFKD does not decompose to the
// letters a Belgian keyboard user types instead. ß is required by the brief;
// the others make the index accent-insensitive for letters with a stroke or a
// missing dot, and for the æ/œ ligatures.
func foldLetter(r rune) (string, bool) {
	switch r {
	case 'ß':
		return "ss", true
	case 'ı': // Turkish dotless i; dotted İ already becomes i through NFKD
		return "i", true
	case 'ł':
		return "l", true
	case 'ø':
		return "o", true
	case 'đ':
		return "d", true
	case 'ħ':
		return "h", true
	case 'æ':
		return "ae", true
	case 'œ':
		return "oe", true
	}
	return "", false
}

// NormalizeName returns the form of a name that the blind index hashes, so
// that exact search ignores case, accents and spacing: NFKD, then combining
// non-spacing marks (Unicode category Mn) and invisible format characters
// (category Cf, such as zero-width spaces) are dropped, letters are
// lower-cased (Unicode, not language-specific), ß becomes "ss" (and ı, ł, ø,
// đ, ħ, æ, œ become i, l, o, d, h, ae, oe), every run of white space becomes
// one space, and the result is trimmed.
// "  José   DE la Cruz " becomes "jose de la cruz".
// Turkish: "İ" (dotted capital I) and "ı" (dotless i) both end up as "i", so
// "İstanbul", "Istanbul" and "ıstanbul" match.
// Spacing combining marks (category Mc, vowel signs of Indic scripts) are kept
// because they change the name.
func NormalizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsSpace(r):
			pendingSpace = b.Len() > 0
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		r = unicode.ToLower(r)
		if f, ok := foldLetter(r); ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// BlindIndex returns the keyed blind index of a full name for exact search:
// hex HMAC-SHA-256 of NormalizeName(name) under a key derived from index.key
// with HKDF (info "casemgr name index v1"). It returns "" when the normalized
// name is empty. Equal indexes mean equal normalized names; without the key
// the index reveals nothing about the name beyond that equality.
func (k *Keys) BlindIndex(name string) string {
	n := NormalizeName(name)
	if n == "" {
		return ""
	}
	return hexHMAC(k.index, n)
}

// NoteDigest returns the audit record's note_digest: hex HMAC-SHA-256 of the
// note's bytes (not normalized) under the note-digest key, or "" for an empty
// note.
func (k *Keys) NoteDigest(note string) string {
	if note == "" {
		return ""
	}
	return hexHMAC(k.noteDigest, note)
}

func hexHMAC(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// MonthTag returns the keyed tag of a month ("YYYY-MM"): hex HMAC-SHA-256
// under a key derived from index.key with HKDF (info "casemgr majority
// month v1"), distinct from the name index key. Cases store the tag of the
// month a minor turns 18, so that the deadline board finds the birthdays
// of a few months without decrypting every minor's date of birth; without
// the key a tag reveals only which cases share that month, never the
// month, and the day is not in it (docs/security.md "Encryption at rest").
func (k *Keys) MonthTag(month string) string {
	return hexHMAC(k.month, "month "+month)
}
