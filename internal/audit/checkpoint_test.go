package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

func testSigner(t testing.TB, b byte) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte{b}, ed25519.SeedSize))
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

var signTime = time.Date(2026, 3, 2, 23, 59, 59, 123456789, time.UTC)

func TestCheckpointMessage(t *testing.T) {
	got := string(CheckpointMessage(42, strings.Repeat("ab", 32), "2026-03-02T23:59:59.123456Z"))
	want := "casemgr-checkpoint-v1\n42\n" + strings.Repeat("ab", 32) + "\n2026-03-02T23:59:59.123456Z"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSignerSignVerify(t *testing.T) {
	s := testSigner(t, 7)
	other := testSigner(t, 8)
	hash := memChain(t, 1)[0].Hash
	cp, err := s.Sign(nil, 1, hash, signTime)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if cp.SignedAt != "2026-03-02T23:59:59.123456Z" || cp.KeyID != KeyID(s.PublicKey()) || len(cp.KeyID) != 16 {
		t.Errorf("got signed_at %q key id %q, want 2026-03-02T23:59:59.123456Z and the 16-hex id of the key", cp.SignedAt, cp.KeyID)
	}
	// The signature is plain Ed25519 over the documented v2 message: the
	// first checkpoint is number 1 and links to the zero hash.
	sig, _ := base64.StdEncoding.DecodeString(cp.Signature)
	want := "casemgr-checkpoint-v2\n1\n" + ZeroHash + "\n1\n" + hash + "\n2026-03-02T23:59:59.123456Z"
	if cp.Number != 1 || cp.Prev != ZeroHash || string(cp.Message()) != want || !ed25519.Verify(s.PublicKey(), []byte(want), sig) {
		t.Errorf("got number %d prev %q message %q; want 1, the zero hash and a signature over %q", cp.Number, cp.Prev, cp.Message(), want)
	}
	// The next one follows it.
	next, err := s.Sign(&cp, 1, hash, signTime.Add(time.Hour))
	if err != nil || next.Number != 2 || next.Prev != cp.Digest() || next.Verify(s.PublicKey()) != nil {
		t.Errorf("second checkpoint: got number %d prev %q (%v), want 2 and the first one's digest %q", next.Number, next.Prev, err, cp.Digest())
	}
	// A v1 checkpoint (number 0, signed before checkpoints were chained)
	// still verifies over the v1 message.
	v1 := Checkpoint{Seq: 1, Hash: hash, SignedAt: cp.SignedAt, KeyID: s.KeyID()}
	v1.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)), CheckpointMessage(1, hash, cp.SignedAt)))
	if err := v1.Verify(s.PublicKey()); err != nil {
		t.Errorf("v1 checkpoint: got %v, want it to verify", err)
	}
	tests := []struct {
		name   string
		mutate func(*Checkpoint)
		pub    ed25519.PublicKey
		want   string
	}{
		{"valid", func(*Checkpoint) {}, s.PublicKey(), ""},
		{"seq changed", func(c *Checkpoint) { c.Seq = 2 }, s.PublicKey(), "does not match"},
		{"hash changed", func(c *Checkpoint) { c.Hash = ZeroHash }, s.PublicKey(), "does not match"},
		{"time changed", func(c *Checkpoint) { c.SignedAt = "2026-03-03T00:00:00.000000Z" }, s.PublicKey(), "does not match"},
		{"number changed", func(c *Checkpoint) { c.Number = 2 }, s.PublicKey(), "does not match"},
		{"link changed", func(c *Checkpoint) { c.Prev = strings.Repeat("1", 64) }, s.PublicKey(), "does not match"},
		{"made unnumbered (v1)", func(c *Checkpoint) { c.Number, c.Prev = 0, "" }, s.PublicKey(), "does not match"},
		{"signature garbage", func(c *Checkpoint) { c.Signature = "!!" }, s.PublicKey(), "base64"},
		{"other key", func(*Checkpoint) {}, other.PublicKey(), "not by the checkpoint key"},
		{"other key, id forged", func(c *Checkpoint) { c.KeyID = other.KeyID() }, other.PublicKey(), "does not match"},
		{"no key", func(*Checkpoint) {}, nil, "no checkpoint public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cp
			tt.mutate(&c)
			err := c.Verify(tt.pub)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := s.Sign(nil, 1, "nothex", signTime); err == nil {
		t.Errorf("Sign with a bad hash: got nil, want an error")
	}
	if _, err := NewSigner([]byte{1, 2}); err == nil {
		t.Errorf("NewSigner with 2 bytes: got nil, want an error")
	}
}

func TestPublicKeyEncoding(t *testing.T) {
	s := testSigner(t, 1)
	got, err := DecodePublicKey(EncodePublicKey(s.PublicKey()))
	if err != nil || !bytes.Equal(got, s.PublicKey()) {
		t.Errorf("round trip: got %x, %v; want %x", got, err, s.PublicKey())
	}
	if _, err := DecodePublicKey("AAAA"); err == nil {
		t.Errorf("DecodePublicKey of 3 bytes: got nil, want an error")
	}
}

// rewriteFrom changes the actor of seq from and recomputes every later
// hash and the head, as someone with write access to the file could.
func rewriteFrom(t *testing.T, db *gorm.DB, from int64) {
	t.Helper()
	recs := readAll(t, db)
	if err := db.Exec("DROP TRIGGER audit_log_no_update").Error; err != nil {
		t.Fatalf("drop trigger: %v", err)
	}
	prev := recs[from-2].Hash
	for i := from - 1; i < int64(len(recs)); i++ {
		r := recs[i]
		if r.Seq == from {
			r.Actor = "someone-else"
		}
		r.PrevHash = prev
		rehash(t, &r)
		if err := db.Exec("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?", r.Actor, r.PrevHash, r.Hash, r.Seq).Error; err != nil {
			t.Fatalf("update: %v", err)
		}
		prev = r.Hash
	}
	if err := db.Exec("UPDATE audit_head SET hash = ?", prev).Error; err != nil {
		t.Fatalf("update head: %v", err)
	}
}

// truncateTo deletes every record after seq to and moves the head back.
func truncateTo(t *testing.T, db *gorm.DB, to int64) {
	t.Helper()
	recs := readAll(t, db)
	if err := db.Exec("DROP TRIGGER audit_log_no_delete").Error; err != nil {
		t.Fatalf("drop trigger: %v", err)
	}
	if err := db.Exec("DELETE FROM audit_log WHERE seq > ?", to).Error; err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := db.Exec("UPDATE audit_head SET seq = ?, hash = ?", to, recs[to-1].Hash).Error; err != nil {
		t.Fatalf("update head: %v", err)
	}
}

func TestCheckCheckpoints(t *testing.T) {
	s, other := testSigner(t, 1), testSigner(t, 2)
	tests := []struct {
		name      string
		tamper    func(t *testing.T, db *gorm.DB)
		pub       ed25519.PublicKey
		extra     func(cps []Checkpoint) []Checkpoint
		wantKinds []string
		wantOK    bool
		wantBad   int64
		confirmed int
	}{
		{name: "intact", pub: s.PublicKey(), wantOK: true, confirmed: 3},
		{name: "rewritten after the first checkpoint", tamper: func(t *testing.T, db *gorm.DB) { rewriteFrom(t, db, 5) },
			pub: s.PublicKey(), wantKinds: []string{ProblemRewritten, ProblemRewritten}, wantBad: 6, confirmed: 1},
		{name: "truncated before the last checkpoint", tamper: func(t *testing.T, db *gorm.DB) { truncateTo(t, db, 8) },
			pub: s.PublicKey(), wantKinds: []string{ProblemTruncated}, wantBad: 9, confirmed: 2},
		{name: "forged checkpoint", pub: s.PublicKey(), extra: func(cps []Checkpoint) []Checkpoint {
			f := cps[0]
			f.Seq = 2
			return append(cps, f)
		}, wantKinds: []string{ProblemSignature, ProblemChain}, wantBad: 0, confirmed: 3},
		{name: "middle checkpoint deleted", pub: s.PublicKey(), extra: func(cps []Checkpoint) []Checkpoint {
			return []Checkpoint{cps[0], cps[2]}
		}, wantKinds: []string{ProblemChain}, wantBad: 0, confirmed: 2},
		{name: "first checkpoint deleted", pub: s.PublicKey(), extra: func(cps []Checkpoint) []Checkpoint {
			return cps[1:]
		}, wantKinds: []string{ProblemChain}, wantBad: 0, confirmed: 2},
		{name: "signed by another key", pub: other.PublicKey(), wantKinds: []string{ProblemSignature, ProblemSignature, ProblemSignature}},
		{name: "no key", pub: nil, wantKinds: []string{ProblemSignature, ProblemSignature, ProblemSignature}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newTestDB(t, 1)
			var c clock
			appendN(t, db.write, 12, &c)
			cps := []Checkpoint{}
			var prev *Checkpoint
			for _, seq := range []int64{3, 6, 10} {
				recs := readAll(t, db.write)
				cp, err := s.Sign(prev, seq, recs[seq-1].Hash, signTime.Add(time.Duration(seq)*time.Second))
				if err != nil {
					t.Fatalf("Sign: %v", err)
				}
				cps = append(cps, cp)
				prev = &cps[len(cps)-1]
			}
			if tt.extra != nil {
				cps = tt.extra(cps)
			}
			if tt.tamper != nil {
				tt.tamper(t, db.write)
			}
			res, err := VerifyDB(t.Context(), db.write)
			if err != nil || !res.OK {
				t.Fatalf("VerifyDB after tampering: got %+v, %v; want a chain that verifies on its own", res, err)
			}
			rep, err := CheckCheckpoints(t.Context(), db.write, res, tt.pub, cps)
			if err != nil {
				t.Fatalf("CheckCheckpoints: %v", err)
			}
			var kinds []string
			for _, p := range rep.Problems {
				kinds = append(kinds, p.Kind)
			}
			if !slices.Equal(kinds, tt.wantKinds) || rep.Confirmed != tt.confirmed || rep.Total != len(cps) {
				t.Errorf("got problems %v, confirmed %d of %d; want %v, confirmed %d of %d\n%+v",
					kinds, rep.Confirmed, rep.Total, tt.wantKinds, tt.confirmed, len(cps), rep.Problems)
			}
			got := ApplyCheckpoints(res, rep)
			if got.OK != (len(tt.wantKinds) == 0) || got.FirstBadSeq != tt.wantBad {
				t.Errorf("ApplyCheckpoints: got ok %v first bad %d (%s), want ok %v first bad %d", got.OK, got.FirstBadSeq, got.Reason, len(tt.wantKinds) == 0, tt.wantBad)
			}
		})
	}
}

func TestCheckpointStore(t *testing.T) {
	db := newTestDB(t, 1)
	schemaV2(t, db.write)
	if _, ok, err := LatestCheckpoint(t.Context(), db.write); ok || err != nil {
		t.Fatalf("LatestCheckpoint on none: got ok %v, %v; want false, nil", ok, err)
	}
	s := testSigner(t, 3)
	for i := range 3 {
		cp, _ := s.Sign(nil, int64(i), ZeroHash, signTime.Add(time.Duration(i)*time.Hour))
		if err := db.write.Transaction(func(tx *gorm.DB) error { return SaveCheckpoint(tx, &cp) }); err != nil {
			t.Fatalf("SaveCheckpoint: %v", err)
		}
		if cp.ID != int64(i+1) {
			t.Errorf("got id %d, want %d", cp.ID, i+1)
		}
	}
	all, err := Checkpoints(t.Context(), db.write)
	if err != nil || len(all) != 3 || all[2].Seq != 2 {
		t.Fatalf("Checkpoints: got %+v, %v; want 3, oldest first", all, err)
	}
	last, ok, err := LatestCheckpoint(t.Context(), db.write)
	if !ok || err != nil || last != all[2] {
		t.Errorf("LatestCheckpoint: got %+v %v %v, want %+v", last, ok, err, all[2])
	}
	for _, q := range []string{"UPDATE audit_checkpoints SET seq = 9", "DELETE FROM audit_checkpoints"} {
		if err := db.write.Exec(q).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want the append-only trigger", q, err)
		}
	}
	// The API's document parses back.
	b, _ := json.Marshal(CheckpointFile{PublicKey: EncodePublicKey(s.PublicKey()), KeyID: s.KeyID(), Items: all})
	pub, items, err := ReadCheckpointFile(bytes.NewReader(b))
	if err != nil || !bytes.Equal(pub, s.PublicKey()) || len(items) != 3 || items[1].Signature != all[1].Signature {
		t.Errorf("ReadCheckpointFile: got %x %+v %v", pub, items, err)
	}
}

func TestVerifyExportCheckpoints(t *testing.T) {
	s := testSigner(t, 5)
	recs := memChain(t, 10) // recorded at 08:00:01 … 08:00:10 on 2026-03-01
	at := func(sec int) time.Time { return time.Date(2026, 3, 1, 8, 0, sec, 500000000, time.UTC) }
	var last *Checkpoint // each checkpoint of a case follows the one signed before it
	sign := func(seq int64, hash string, when time.Time) Checkpoint {
		cp, err := s.Sign(last, seq, hash, when)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		last = &cp
		return cp
	}
	rewritten := slices.Clone(recs)
	rewritten[3].Actor = "x"
	for i := 3; i < len(rewritten); i++ {
		rewritten[i].PrevHash = rewritten[i-1].Hash
		rehash(t, &rewritten[i])
	}
	tests := []struct {
		name      string
		recs      []Record
		cps       []Checkpoint
		wantOK    bool
		wantBad   int64
		wantKinds []string
		confirmed int
	}{
		{"confirmed", recs, []Checkpoint{sign(4, recs[3].Hash, at(4)), sign(9, recs[8].Hash, at(9))}, true, 0, nil, 2},
		{"rewritten", rewritten, []Checkpoint{sign(2, recs[1].Hash, at(2)), sign(6, recs[5].Hash, at(6))}, false, 6, []string{ProblemRewritten}, 1},
		{"truncated", recs[:7], []Checkpoint{sign(9, recs[8].Hash, at(5))}, false, 8, []string{ProblemTruncated}, 0},
		{"checkpoint after the export", recs[:7], []Checkpoint{sign(9, recs[8].Hash, at(9))}, true, 0, nil, 0},
		{"bad signature", recs, []Checkpoint{func() Checkpoint { c := sign(4, recs[3].Hash, at(4)); c.Seq = 5; return c }()}, false, 0, []string{ProblemSignature}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := exportBytes(t, FormatNDJSON, tt.recs, 0)
			res, err := VerifyExport(bytes.NewReader(b), FormatNDJSON, ExportCheck{PublicKey: s.PublicKey(), Checkpoints: tt.cps})
			if err != nil {
				t.Fatalf("VerifyExport: %v", err)
			}
			var kinds []string
			for _, p := range res.Checkpoints.Problems {
				kinds = append(kinds, p.Kind)
			}
			if res.OK != tt.wantOK || res.FirstBadSeq != tt.wantBad || !slices.Equal(kinds, tt.wantKinds) || res.Checkpoints.Confirmed != tt.confirmed {
				t.Errorf("got ok %v first bad %d problems %v confirmed %d (%s); want ok %v first bad %d problems %v confirmed %d",
					res.OK, res.FirstBadSeq, kinds, res.Checkpoints.Confirmed, res.Reason, tt.wantOK, tt.wantBad, tt.wantKinds, tt.confirmed)
			}
		})
	}
}
