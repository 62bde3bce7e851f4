package cases

import "testing"

// TestEventTrack checks the grouping the case page shows, for events of
// each kind, and that every event of the table has a track.
func TestEventTrack(t *testing.T) {
	tests := []struct {
		ev      EventType
		track   Track
		forward bool
	}{
		{StartReflection, TrackStatus, true},
		{FileComplaint, TrackStatus, true},
		{ConfirmVictimStatus, TrackStatus, true},
		{ApplyHumanitarianResidence, TrackStatus, true},
		{ResumeProcedure, TrackStatus, true},
		{ReopenCase, TrackStatus, true},
		{DeclineCooperation, TrackStatus, false},
		{WithdrawStatus, TrackStatus, false},
		{ReturnHome, TrackStatus, false},
		{LoseContact, TrackStatus, false},
		{CloseCase, TrackStatus, false},
		{FileCharges, TrackProceedings, true},
		{DismissCase, TrackProceedings, true},
		{InformOfRights, TrackFacts, true},
		{ClaimCompensation, TrackFacts, true},
	}
	for _, tt := range tests {
		tr, fw := EventTrack(tt.ev)
		if tr != tt.track || fw != tt.forward {
			t.Errorf("EventTrack(%s) = %s, %v; want %s, %v", tt.ev, tr, fw, tt.track, tt.forward)
		}
	}
	for _, ev := range EventTypes() {
		if tr, _ := EventTrack(ev); tr == "" {
			t.Errorf("%s has no track", ev)
		}
	}
}
