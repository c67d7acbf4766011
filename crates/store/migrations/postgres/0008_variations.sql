-- Variations of a call-off: each one recomputes its contract value against the ceiling and is
-- kept, with the change against the original value and whether it passed the framework's
-- modification limit (in basis points; 1000 = 10%).
ALTER TABLE frameworks ADD COLUMN modification_limit_bp BIGINT NOT NULL DEFAULT 1000 CHECK (modification_limit_bp >= 0);

CREATE TABLE call_off_variations (
    call_off_id TEXT NOT NULL REFERENCES call_offs (id),
    number BIGINT NOT NULL,
    previous_value BIGINT NOT NULL,
    new_value BIGINT NOT NULL,
    original_value BIGINT NOT NULL,
    over_limit INTEGER NOT NULL CHECK (over_limit IN (0, 1)),
    lines TEXT NOT NULL,
    varied_by TEXT NOT NULL REFERENCES users (id),
    varied_at TEXT NOT NULL,
    PRIMARY KEY (call_off_id, number)
);
