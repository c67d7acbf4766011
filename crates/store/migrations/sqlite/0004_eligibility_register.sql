-- The eligibility register: besides named bodies, a framework admits whole kinds of body.
CREATE TABLE framework_eligible_kinds (
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    kind TEXT NOT NULL,
    PRIMARY KEY (framework_id, kind)
);

-- Verification decisions on organisations that registered themselves, newest last.
CREATE TABLE organisation_decisions (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    decision TEXT NOT NULL CHECK (decision IN ('verified', 'rejected')),
    reason TEXT,
    decided_by TEXT NOT NULL REFERENCES users (id),
    decided_at TEXT NOT NULL
);
CREATE INDEX organisation_decisions_by_organisation ON organisation_decisions (organisation_id, decided_at);
