package audit

import (
	"testing"

	"gorm.io/gorm"
)

func BenchmarkComputeHash(b *testing.B) {
	var c clock
	r := testRecord(b, 2, &c)
	r.PrevHash = ZeroHash
	for b.Loop() {
		if _, err := ComputeHash(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	db := newTestDB(b, 1)
	var c clock
	i := 0
	for b.Loop() {
		i++
		r := testRecord(b, i, &c)
		if err := db.write.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyDB10k(b *testing.B) {
	db := newTestDB(b, 1)
	var c clock
	err := db.write.Transaction(func(tx *gorm.DB) error {
		for i := range 10000 {
			r := testRecord(b, i, &c)
			if err := Append(tx, &r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := VerifyDB(b.Context(), db.write)
		if err != nil || !res.OK || res.Records != 10000 {
			b.Fatalf("VerifyDB: %+v, %v", res, err)
		}
	}
}
