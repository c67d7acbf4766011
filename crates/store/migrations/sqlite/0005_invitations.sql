-- Invitations: an organisation admin invites someone by email. The user exists, inactive and
-- without a password, until they follow the single-use link before it expires.
CREATE TABLE invitations (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    invited_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX invitations_by_user ON invitations (user_id);
