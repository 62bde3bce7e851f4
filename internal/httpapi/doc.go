// Package httpapi is casemgr's HTTP layer: the echo v4 router of the
// /api/v1 contract (docs/api.md), its middleware (request ids, logging,
// security headers, authentication), strict JSON decoding, and the single
// place where application errors become RFC 9457 problem+json answers.
//
// echo is imported here and nowhere else in the domain packages, so a move
// to another echo major version touches this package (and web/) alone.
package httpapi
