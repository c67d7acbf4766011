-- calloff foundation schema. The SQLite folder holds the same version with the same tables,
-- columns and constraints; a test compares the two.
CREATE TABLE organisations (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('local_authority', 'regional_authority', 'nhs_trust', 'nhs_icb',
        'school', 'academy_trust', 'police_force', 'transport_body', 'housing_association',
        'waste_authority', 'supplier')),
    verification TEXT NOT NULL CHECK (verification IN ('pending', 'verified')),
    created_at TEXT NOT NULL
);

CREATE TABLE organisation_identifiers (
    scheme TEXT NOT NULL,
    value TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (scheme, value)
);
CREATE INDEX organisation_identifiers_by_organisation ON organisation_identifiers (organisation_id);

CREATE TABLE users (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('buyer', 'approver', 'organisation_admin', 'framework_manager',
        'supplier_user', 'auditor')),
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    basket TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE frameworks (
    id TEXT NOT NULL PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    authority_id TEXT NOT NULL REFERENCES organisations (id),
    maximum_value BIGINT NOT NULL CHECK (maximum_value >= 0),
    committed_value BIGINT NOT NULL CHECK (committed_value >= 0 AND committed_value <= maximum_value),
    call_off_count BIGINT NOT NULL CHECK (call_off_count >= 0),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'live', 'expired', 'suspended')),
    created_at TEXT NOT NULL
);

CREATE TABLE framework_suppliers (
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    supplier_id TEXT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (framework_id, supplier_id)
);

CREATE TABLE lots (
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    number BIGINT NOT NULL CHECK (number > 0),
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    ceiling BIGINT CHECK (ceiling IS NULL OR ceiling >= 0),
    committed_value BIGINT NOT NULL CHECK (committed_value >= 0 AND (ceiling IS NULL OR committed_value <= ceiling)),
    PRIMARY KEY (framework_id, number)
);

CREATE TABLE framework_eligibility (
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (framework_id, organisation_id)
);

CREATE TABLE catalogue_items (
    id TEXT NOT NULL PRIMARY KEY,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    lot_number BIGINT NOT NULL,
    supplier_id TEXT NOT NULL REFERENCES organisations (id),
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    unit TEXT NOT NULL CHECK (unit IN ('per_month', 'per_user_per_month', 'one_off', 'per_minute', 'per_gb')),
    unit_price_micros BIGINT NOT NULL CHECK (unit_price_micros >= 0),
    minimum_term_months BIGINT NOT NULL CHECK (minimum_term_months >= 0),
    cpv TEXT NOT NULL,
    search_text TEXT NOT NULL,
    UNIQUE (framework_id, sku),
    FOREIGN KEY (framework_id, lot_number) REFERENCES lots (framework_id, number)
);

CREATE TABLE call_offs (
    id TEXT NOT NULL PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    buyer_id TEXT NOT NULL REFERENCES organisations (id),
    supplier_id TEXT NOT NULL REFERENCES organisations (id),
    placed_by TEXT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL CHECK (state IN ('draft', 'placed', 'accepted', 'rejected', 'live', 'ended', 'cancelled')),
    contract_value BIGINT NOT NULL CHECK (contract_value >= 0),
    vat BIGINT NOT NULL CHECK (vat >= 0),
    idempotency_key TEXT,
    request_hash TEXT,
    rejection_reason TEXT,
    placed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    change_seq BIGINT NOT NULL UNIQUE,
    UNIQUE (placed_by, idempotency_key)
);
CREATE INDEX call_offs_by_buyer ON call_offs (buyer_id, change_seq);
CREATE INDEX call_offs_by_supplier ON call_offs (supplier_id, change_seq);

CREATE TABLE call_off_lines (
    call_off_id TEXT NOT NULL REFERENCES call_offs (id),
    line_number BIGINT NOT NULL,
    item_id TEXT NOT NULL REFERENCES catalogue_items (id),
    lot_number BIGINT NOT NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    unit TEXT NOT NULL,
    unit_price_micros BIGINT NOT NULL,
    cpv TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    term_months BIGINT NOT NULL CHECK (term_months > 0),
    monthly_usage BIGINT,
    line_value BIGINT NOT NULL CHECK (line_value >= 0),
    PRIMARY KEY (call_off_id, line_number)
);

-- The head of the audit chain. Every write transaction claims it first, which orders writers the
-- same way on both databases and gives each entry its place in the chain.
CREATE TABLE audit_head (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_entries (
    seq BIGINT NOT NULL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
