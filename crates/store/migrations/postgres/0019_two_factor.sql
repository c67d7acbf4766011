-- Two-factor sign-in (TOTP, RFC 6238). A secret is confirmed once its owner has entered a code
-- from it; until then it is only an enrolment in progress. `last_step` is the newest time step
-- a code was accepted for, so that no code is accepted twice.
CREATE TABLE two_factor (
    user_id TEXT NOT NULL PRIMARY KEY REFERENCES users (id),
    secret TEXT NOT NULL,
    confirmed_at TEXT,
    last_step BIGINT NOT NULL DEFAULT 0 CHECK (last_step >= 0)
);

-- Single-use recovery codes, stored as SHA-256 hashes (they are long and random).
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
);

-- A session's stage: `full`; `second_factor` (the password was right, a code is still owed);
-- or `enrol` (the password was right, and the person must set up two-factor sign-in first).
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full' CHECK (stage IN ('full', 'second_factor', 'enrol'));
