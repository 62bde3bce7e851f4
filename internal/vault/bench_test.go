package vault

import "testing"

func BenchmarkSealOpenName(b *testing.B) {
	k := openTestKeys(b)
	dk, _ := newTestDataKey(b, k, "8d3c1f0e-5b7a-4c2e-9f11-2a6b3c4d5e6f")
	name := []byte("Amina Fatou Diallo 1") // 20 bytes
	b.ReportAllocs()
	for b.Loop() {
		ct, err := dk.Seal("8d3c1f0e-5b7a-4c2e-9f11-2a6b3c4d5e6f", "full_name", name)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dk.Open("8d3c1f0e-5b7a-4c2e-9f11-2a6b3c4d5e6f", "full_name", ct); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnwrapDataKey(b *testing.B) {
	k := openTestKeys(b)
	_, wrapped := newTestDataKey(b, k, "8d3c1f0e-5b7a-4c2e-9f11-2a6b3c4d5e6f")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.UnwrapDataKey("8d3c1f0e-5b7a-4c2e-9f11-2a6b3c4d5e6f", wrapped); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewDataKey(b *testing.B) {
	k := openTestKeys(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.NewDataKey("8d3c1f0e-5b7a-4c2e-9f11-2a6b3c4d5e6f"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlindIndex(b *testing.B) {
	k := openTestKeys(b)
	b.ReportAllocs()
	for b.Loop() {
		if k.BlindIndex("  José   DE la Cruz ") == "" {
			b.Fatal("empty index")
		}
	}
}
