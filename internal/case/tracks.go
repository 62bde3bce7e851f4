package cases

// Track names the part of a case an event moves, read from the event
// table (docs/model.md "Events"), so that the web case page can group its
// event forms the way caseworkers think of them.
type Track string

const (
	// TrackStatus is the residence (NRM status) track: the event has an
	// edge that changes the state. file_complaint is here, since it can
	// issue the provisional permit, although it also moves the proceedings.
	TrackStatus Track = "status"
	// TrackProceedings is the criminal track: the event moves the
	// proceedings and leaves the state alone.
	TrackProceedings Track = "proceedings"
	// TrackFacts holds the events that record a fact and move no track.
	TrackFacts Track = "facts"
)

// offPath are the states a case reaches when it leaves the permit path;
// an event leading only there is an exit, not a step forward.
var offPath = map[State]bool{declined: true, withdrawn: true, returned: true, leftProc: true, closed: true}

// EventTrack says which track an event moves and whether it carries the
// case along its path (forward) rather than off it (decline, withdraw,
// return home, lose contact, close). Events that go back to the path
// (resume_procedure, reopen_case) and those of the proceedings and facts
// tracks are forward. An unknown event is a forward fact.
func EventTrack(t EventType) (track Track, forward bool) {
	def, ok := lookup(t)
	if !ok {
		return TrackFacts, true
	}
	moves, exits := false, true
	for _, e := range def.state {
		if e.to == "" && e.back == nil {
			continue
		}
		moves = true
		if e.back != nil || !offPath[e.to] {
			exits = false
		}
	}
	switch {
	case moves:
		return TrackStatus, !exits
	case def.proceedings != nil:
		return TrackProceedings, true
	}
	return TrackFacts, true
}
