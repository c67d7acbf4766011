-- What an organisation said when it registered, for the framework manager who verifies it: who
-- applied (the contact), the evidence they gave, and whether the body was picked from (or its
-- identifier matched) the register of known bodies.
CREATE TABLE organisation_applications (
    organisation_id TEXT NOT NULL PRIMARY KEY REFERENCES organisations (id),
    contact_user_id TEXT NOT NULL REFERENCES users (id),
    evidence TEXT NOT NULL,
    known_body INTEGER NOT NULL CHECK (known_body IN (0, 1)),
    applied_at TEXT NOT NULL
);
