// Package casework organises a caseworker's day around the deadlines
// that internal/case computes (docs/casework.md): the work list of
// everything due, tasks and the case plan of services, the contact log of
// notes, documents, and the daily e-mail digest.
//
// It sees a case only through internal/case (ChangeCasework and
// ReadCasework): another shelter's case is NotFound, every change is one
// transaction that appends to the audit hash chain (with only a keyed
// digest of free text), and every free text and file is sealed with the
// case's data key, so erasing the case destroys them too. One action per
// file.
package casework
