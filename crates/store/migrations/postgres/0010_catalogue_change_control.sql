-- Catalogue change control. A supplier's change request groups changes to its items (new items,
-- edits, price changes, withdrawals), each effective from a date. The framework manager approves
-- or rejects the request; approved changes are applied on their effective date. Every version of
-- every item is kept, and `catalogue_items` holds the version in force.
ALTER TABLE catalogue_items ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE catalogue_items ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0, 1));
-- The item version a call-off line was placed with (lines placed before versions have none).
ALTER TABLE call_off_lines ADD COLUMN item_version BIGINT;
-- The most an annual price indexation may raise prices, in basis points (0: none allowed).
ALTER TABLE frameworks ADD COLUMN indexation_cap_bp BIGINT NOT NULL DEFAULT 0
    CHECK (indexation_cap_bp >= 0 AND indexation_cap_bp <= 10000);

CREATE TABLE change_requests (
    id TEXT NOT NULL PRIMARY KEY,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    supplier_id TEXT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    indexation_bp BIGINT,
    change_count BIGINT NOT NULL CHECK (change_count > 0),
    submitted_by TEXT NOT NULL REFERENCES users (id),
    submitted_at TEXT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TEXT,
    decision_reason TEXT
);
CREATE INDEX change_requests_by_framework ON change_requests (framework_id, submitted_at);

CREATE TABLE catalogue_changes (
    change_request_id TEXT NOT NULL REFERENCES change_requests (id),
    position BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('add', 'edit', 'price', 'withdraw')),
    sku TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'scheduled', 'applied', 'rejected')),
    lot_number BIGINT,
    name TEXT,
    description TEXT,
    unit TEXT,
    unit_price_micros BIGINT,
    minimum_term_months BIGINT,
    cpv TEXT,
    applied_at TEXT,
    PRIMARY KEY (change_request_id, position)
);
CREATE INDEX catalogue_changes_due ON catalogue_changes (status, effective_from);

CREATE TABLE catalogue_item_versions (
    item_id TEXT NOT NULL REFERENCES catalogue_items (id),
    version BIGINT NOT NULL,
    effective_from TEXT NOT NULL,
    lot_number BIGINT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    unit TEXT NOT NULL,
    unit_price_micros BIGINT NOT NULL,
    minimum_term_months BIGINT NOT NULL,
    cpv TEXT NOT NULL,
    withdrawn INTEGER NOT NULL CHECK (withdrawn IN (0, 1)),
    change_request_id TEXT REFERENCES change_requests (id),
    PRIMARY KEY (item_id, version)
);
-- Items already in catalogues start at version 1, in force from their framework's start.
INSERT INTO catalogue_item_versions (item_id, version, effective_from, lot_number, name, description, unit,
    unit_price_micros, minimum_term_months, cpv, withdrawn, change_request_id)
SELECT i.id, 1, f.start_date, i.lot_number, i.name, i.description, i.unit, i.unit_price_micros,
    i.minimum_term_months, i.cpv, 0, NULL
FROM catalogue_items i JOIN frameworks f ON f.id = i.framework_id;
