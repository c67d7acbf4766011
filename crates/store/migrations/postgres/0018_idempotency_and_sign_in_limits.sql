-- Idempotency for every create of the API (call-offs, proposals and comments keep their own key
-- in their row, written in the same transaction). A key is claimed before the request runs, so
-- two racing retries cannot both run; the response is kept once it succeeds, and replayed.
-- A claim whose request never finished (the server stopped) is answered "in progress", never
-- run again: that can only refuse a retry, never duplicate a write.
CREATE TABLE idempotent_requests (
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT,
    response_body TEXT,
    location TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);

-- Failed sign-ins, by account (the email as typed) and by client address, shared by every
-- server process. Past a threshold, sign-in backs off, whether or not the account exists.
CREATE TABLE sign_in_failures (
    kind TEXT NOT NULL CHECK (kind IN ('account', 'address')),
    subject TEXT NOT NULL,
    failures BIGINT NOT NULL CHECK (failures >= 0),
    last_failure_at TEXT NOT NULL,
    PRIMARY KEY (kind, subject)
);
