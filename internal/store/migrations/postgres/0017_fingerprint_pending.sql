-- The index of identity fingerprints holds the cases that still have an
-- identity, in id order within a fingerprint. The duplicate warning
-- searches it by fingerprint as before; the start-up backfill of missing
-- fingerprints ('') walks it from the last id it filled in, instead of
-- sorting every case still to fill in for each batch of 500 (quadratic:
-- over an hour at 1M cases, docs/performance.md "Start-up backfills").
-- Erased cases (no data key) leave it.
DROP INDEX cases_identity_fingerprint;
CREATE INDEX cases_identity_fingerprint ON cases(identity_fingerprint, id) WHERE data_key IS NOT NULL;
