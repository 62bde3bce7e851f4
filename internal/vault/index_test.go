package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"brief example", "  José   DE la Cruz ", "jose de la cruz"},
		{"already normal", "amina diallo", "amina diallo"},
		{"upper case", "AMINA DIALLO", "amina diallo"},
		{"acute and grave", "Émile Bergère", "emile bergere"},
		{"cedilla and diaeresis", "François Noël", "francois noel"},
		{"precomposed vs combining", "Jose\u0301", "jose"},
		{"romanian comma below", "Ștefan Țurcanu", "stefan turcanu"},
		{"czech caron", "Dvořák Šťastný", "dvorak stastny"},
		{"sharp s", "Weiß Straße", "weiss strasse"},
		{"capital sharp s", "WEIẞ", "weiss"},
		{"tabs and newlines", "Amina\t\tDiallo\n", "amina diallo"},
		{"no-break space", "Amina\u00a0Diallo", "amina diallo"},
		{"zero-width space dropped", "Ami\u200bna Diallo", "amina diallo"},
		{"fullwidth letters (NFKD)", "ＡＭＩＮＡ", "amina"},
		{"ligature fi (NFKD)", "Ruﬁno", "rufino"},
		{"turkish dotted capital I", "İstanbul", "istanbul"},
		{"turkish dotless i", "Iğdır", "igdir"},
		{"polish stroke", "Łukasz Wałęsa", "lukasz walesa"},
		{"danish o slash", "Søren Jørgensen", "soren jorgensen"},
		{"croatian d stroke", "Đorđe", "dorde"},
		{"oe ligature", "Cœur", "coeur"},
		{"cyrillic lower-cased", "ОЛЕНА", "олена"},
		{"cyrillic short i loses its breve", "Андрій", "андріи"},
		{"arabic unchanged", "أمينة", "امينة"},
		{"hyphen and apostrophe kept", "Jean-Luc O'Neil", "jean-luc o'neil"},
		{"only spaces", "   \t ", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizeName(tc.in); got != tc.want {
				t.Errorf("NormalizeName(%q): got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestBlindIndex(t *testing.T) {
	k := openTestKeys(t)
	tests := []struct {
		name      string
		a, b      string
		wantEqual bool
	}{
		{"case, accent and spacing", "José Dupont", "jose  DUPONT", true},
		{"leading and trailing space", " José Dupont ", "José Dupont", true},
		{"combining accent", "Jose\u0301 Dupont", "José Dupont", true},
		{"different letter", "José Dupont", "Jose Dupond", false},
		{"word order", "José Dupont", "Dupont José", false},
		{"missing space", "José Dupont", "JoséDupont", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := k.BlindIndex(tc.a), k.BlindIndex(tc.b)
			if (a == b) != tc.wantEqual {
				t.Errorf("BlindIndex(%q)=%s, BlindIndex(%q)=%s: got equal=%v, want %v", tc.a, a, tc.b, b, a == b, tc.wantEqual)
			}
			if len(a) != 64 || strings.Trim(a, "0123456789abcdef") != "" {
				t.Errorf("BlindIndex(%q): got %q, want 64 lower-case hex digits", tc.a, a)
			}
		})
	}
	for _, empty := range []string{"", "   ", "\u0301"} {
		if got := k.BlindIndex(empty); got != "" {
			t.Errorf("BlindIndex(%q): got %q, want \"\"", empty, got)
		}
	}
	other := openTestKeys(t)
	if a, b := k.BlindIndex("José Dupont"), other.BlindIndex("José Dupont"); a == b {
		t.Errorf("BlindIndex under two index keys: got equal %s, want different", a)
	}
}

// TestBlindIndexKnownAnswer recomputes the index from index.key as the brief
// defines it, so another implementation can reproduce stored indexes.
func TestBlindIndexKnownAnswer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k := openKeysIn(t, dir)
	raw, err := os.ReadFile(filepath.Join(dir, "index.key"))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "casemgr name index v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("jose de la cruz"))
	want := hex.EncodeToString(m.Sum(nil))
	if got := k.BlindIndex("  José   DE la Cruz "); got != want {
		t.Errorf("BlindIndex: got %s, want %s", got, want)
	}
}

func TestNoteDigest(t *testing.T) {
	k := openTestKeys(t)
	mac := func(note string) string {
		m := hmac.New(sha256.New, k.NoteDigestKey())
		m.Write([]byte(note))
		return hex.EncodeToString(m.Sum(nil))
	}
	tests := []struct {
		name string
		note string
		want string
	}{
		{"empty note", "", ""},
		{"short note", "Met at Gare du Midi.", mac("Met at Gare du Midi.")},
		{"not normalized", "met at gare du midi.", mac("met at gare du midi.")},
		{"unicode", "Rendez-vous à l'hôpital", mac("Rendez-vous à l'hôpital")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := k.NoteDigest(tc.note); got != tc.want {
				t.Errorf("NoteDigest(%q): got %q, want %q", tc.note, got, tc.want)
			}
		})
	}
	if a, b := k.NoteDigest("a note"), openTestKeys(t).NoteDigest("a note"); a == b {
		t.Errorf("NoteDigest under two keys: got equal %s, want different", a)
	}
	if a, b := k.NoteDigest("a note"), k.NoteDigest("A note"); a == b {
		t.Errorf("NoteDigest of notes differing in case: got equal %s, want different", a)
	}
}
