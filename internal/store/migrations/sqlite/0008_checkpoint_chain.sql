-- casemgr schema, version 8 (SQLite): the checkpoints form a chain of their
-- own. Each new checkpoint carries its number (1, 2, 3, … with no gaps) and
-- the hash of the checkpoint before it, both signed (docs/audit.md), so a
-- deleted or altered checkpoint row breaks that chain. Rows written before
-- this version keep number 0 and prev_checkpoint '' (the v1 message).
ALTER TABLE audit_checkpoints ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_checkpoints ADD COLUMN prev_checkpoint TEXT NOT NULL DEFAULT '';
