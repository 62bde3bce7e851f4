-- casemgr schema, version 8 (PostgreSQL). Mirrors
-- sqlite/0008_checkpoint_chain.sql: each checkpoint carries its number and
-- the hash of the checkpoint before it, both signed (docs/audit.md).
ALTER TABLE audit_checkpoints ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_checkpoints ADD COLUMN prev_checkpoint TEXT COLLATE "C" NOT NULL DEFAULT '';
