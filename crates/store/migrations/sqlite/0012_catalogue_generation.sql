-- A number that changes whenever a framework's catalogue does, so that each process can tell
-- whether its in-memory search index is still current (ADR 0004).
ALTER TABLE frameworks ADD COLUMN catalogue_generation BIGINT NOT NULL DEFAULT 0;
