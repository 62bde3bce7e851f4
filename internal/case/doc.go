// Package cases owns victims' cases on the Belgian National Referral
// Mechanism path: the Case and its victim, the two state machines of docs/model.md
// (the residence track `state` and the criminal `proceedings`, both driven
// by github.com/looplab/fsm), the events and their guards, the deadlines,
// and the case store.
//
// The directory is internal/case but the package is named cases because
// "case" is a Go keyword; import it as
//
//	import cases "github.com/casemgr/casemgr/internal/case"
//
// Every change runs in one database transaction: load the case, check the
// version, let the state machine accept the event, update the facts and
// deadlines, evaluate the rules (internal/eligibility), save the case with
// version+1, and append the hash-chained audit record. A failed step rolls
// everything back.
package cases
