-- Approvals. Each organisation sets how many distinct approvers a call-off needs by contract
-- value (the highest threshold at or below the value applies), and how many days a submission
-- may wait before it expires. A request holds headroom from submission until it is approved
-- (when the call-off is placed or the variation applied) or returned, withdrawn or expired
-- (when the headroom it reserved is released).
ALTER TABLE organisations ADD COLUMN approval_expiry_days BIGINT NOT NULL DEFAULT 30
    CHECK (approval_expiry_days BETWEEN 1 AND 365);
ALTER TABLE call_offs ADD COLUMN cost_centre TEXT;

CREATE TABLE approval_thresholds (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    from_value BIGINT NOT NULL CHECK (from_value >= 0),
    approvers BIGINT NOT NULL CHECK (approvers BETWEEN 0 AND 5),
    PRIMARY KEY (organisation_id, from_value)
);

CREATE TABLE approval_requests (
    id TEXT NOT NULL PRIMARY KEY,
    call_off_id TEXT NOT NULL REFERENCES call_offs (id),
    kind TEXT NOT NULL CHECK (kind IN ('submission', 'variation')),
    value BIGINT NOT NULL CHECK (value >= 0),
    approvers_required BIGINT NOT NULL CHECK (approvers_required > 0),
    status TEXT NOT NULL CHECK (status IN ('awaiting', 'approved', 'returned', 'withdrawn', 'expired')),
    reserved_value BIGINT NOT NULL CHECK (reserved_value >= 0),
    reserved_lots TEXT NOT NULL,
    lines TEXT,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    closed_at TEXT
);
-- A call-off has at most one request awaiting decisions.
CREATE UNIQUE INDEX approval_requests_one_awaiting ON approval_requests (call_off_id) WHERE status = 'awaiting';
CREATE INDEX approval_requests_by_call_off ON approval_requests (call_off_id, requested_at);
CREATE INDEX approval_requests_by_expiry ON approval_requests (status, expires_at);

CREATE TABLE approval_decisions (
    request_id TEXT NOT NULL REFERENCES approval_requests (id),
    approver_id TEXT NOT NULL REFERENCES users (id),
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'return')),
    comment TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (request_id, approver_id)
);
