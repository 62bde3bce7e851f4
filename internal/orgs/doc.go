// Package orgs is the work between organisations around a case
// (docs/organisations.md): who is responsible for it (assignment), what
// the victim agreed to share (consents), moving it to another shelter
// (transfers), referrals to partner organisations and their follow-up,
// and the notices of a possible duplicate in another shelter.
//
// Every change runs in one transaction with the case row locked (through
// the helpers of internal/case, orgs.go) and appends to the audit chain a
// record that carries ids and codes only, never a victim's identity; acts
// that concern two shelters name both.
package orgs
