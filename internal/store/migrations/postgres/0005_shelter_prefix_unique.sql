-- Case references carry the shelter's prefix: two shelters must never share one.
CREATE UNIQUE INDEX shelters_ref_prefix ON shelters(ref_prefix);
