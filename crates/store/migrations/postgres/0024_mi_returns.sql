-- MI returns and the management charge (the levy).

-- England and Wales bank holidays, as dated data: the due date of a return (the 5th working day
-- after month end) skips them. Source: GOV.UK, https://www.gov.uk/bank-holidays (the
-- "england-and-wales" division of https://www.gov.uk/bank-holidays.json), 2025 to 2028. A
-- holiday announced later (a coronation, a state funeral) is a new row, not a code change.
CREATE TABLE bank_holidays (
    day TEXT NOT NULL PRIMARY KEY,
    division TEXT NOT NULL CHECK (division IN ('england-and-wales')),
    title TEXT NOT NULL
);
INSERT INTO bank_holidays (day, division, title) VALUES
    ('2025-01-01', 'england-and-wales', 'New Year''s Day'),
    ('2025-04-18', 'england-and-wales', 'Good Friday'),
    ('2025-04-21', 'england-and-wales', 'Easter Monday'),
    ('2025-05-05', 'england-and-wales', 'Early May bank holiday'),
    ('2025-05-26', 'england-and-wales', 'Spring bank holiday'),
    ('2025-08-25', 'england-and-wales', 'Summer bank holiday'),
    ('2025-12-25', 'england-and-wales', 'Christmas Day'),
    ('2025-12-26', 'england-and-wales', 'Boxing Day'),
    ('2026-01-01', 'england-and-wales', 'New Year''s Day'),
    ('2026-04-03', 'england-and-wales', 'Good Friday'),
    ('2026-04-06', 'england-and-wales', 'Easter Monday'),
    ('2026-05-04', 'england-and-wales', 'Early May bank holiday'),
    ('2026-05-25', 'england-and-wales', 'Spring bank holiday'),
    ('2026-08-31', 'england-and-wales', 'Summer bank holiday'),
    ('2026-12-25', 'england-and-wales', 'Christmas Day'),
    ('2026-12-28', 'england-and-wales', 'Boxing Day (substitute day)'),
    ('2027-01-01', 'england-and-wales', 'New Year''s Day'),
    ('2027-03-26', 'england-and-wales', 'Good Friday'),
    ('2027-03-29', 'england-and-wales', 'Easter Monday'),
    ('2027-05-03', 'england-and-wales', 'Early May bank holiday'),
    ('2027-05-31', 'england-and-wales', 'Spring bank holiday'),
    ('2027-08-30', 'england-and-wales', 'Summer bank holiday'),
    ('2027-12-27', 'england-and-wales', 'Christmas Day (substitute day)'),
    ('2027-12-28', 'england-and-wales', 'Boxing Day (substitute day)'),
    ('2028-01-03', 'england-and-wales', 'New Year''s Day (substitute day)'),
    ('2028-04-14', 'england-and-wales', 'Good Friday'),
    ('2028-04-17', 'england-and-wales', 'Easter Monday'),
    ('2028-05-01', 'england-and-wales', 'Early May bank holiday'),
    ('2028-05-29', 'england-and-wales', 'Spring bank holiday'),
    ('2028-08-28', 'england-and-wales', 'Summer bank holiday'),
    ('2028-12-25', 'england-and-wales', 'Christmas Day'),
    ('2028-12-26', 'england-and-wales', 'Boxing Day');

-- A framework's levy rules, each from the first day of a month, and their rates in basis points:
-- `applies_to` is 'all' (flat), 'lot:N' (per lot) or a sector (per sector).
CREATE TABLE levy_rules (
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    effective_from TEXT NOT NULL,
    basis TEXT NOT NULL CHECK (basis IN ('flat', 'per_lot', 'per_sector')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (framework_id, effective_from)
);
CREATE TABLE levy_rates (
    framework_id TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    applies_to TEXT NOT NULL,
    basis_points BIGINT NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    PRIMARY KEY (framework_id, effective_from, applies_to),
    FOREIGN KEY (framework_id, effective_from) REFERENCES levy_rules (framework_id, effective_from)
);

-- One return per framework, supplier and month. `version` is the current version (0 while
-- open); each submission, correction or "no business" adds a version and keeps the earlier.
-- The reminder columns are set once, by a guarded update, however many processes sweep.
CREATE TABLE mi_returns (
    id TEXT NOT NULL PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    supplier_id TEXT NOT NULL REFERENCES organisations (id),
    month TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'submitted', 'no_business')),
    version BIGINT NOT NULL CHECK (version >= 0),
    first_submitted_at TEXT,
    reminded_before_at TEXT,
    reminded_overdue_at TEXT,
    created_at TEXT NOT NULL,
    change_seq BIGINT NOT NULL,
    UNIQUE (framework_id, supplier_id, month),
    CHECK ((status = 'open') = (version = 0))
);
CREATE INDEX mi_returns_open_by_due ON mi_returns (status, due_on);

-- Each version as submitted, with its totals and the charge document it raised: for the first,
-- an invoice for the charge; for a correction, an invoice or credit note for the difference
-- (none when the charge is unchanged or nothing).
CREATE TABLE mi_return_versions (
    return_id TEXT NOT NULL REFERENCES mi_returns (id),
    version BIGINT NOT NULL CHECK (version >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('submission', 'correction', 'no_business')),
    submitted_by TEXT NOT NULL REFERENCES users (id),
    submitted_at TEXT NOT NULL,
    row_count BIGINT NOT NULL CHECK (row_count >= 0),
    total_value BIGINT NOT NULL,
    total_vat BIGINT NOT NULL,
    charge BIGINT NOT NULL,
    charge_difference BIGINT NOT NULL,
    levy_rule_from TEXT,
    levy_document_kind TEXT CHECK (levy_document_kind IN ('invoice', 'credit_note')),
    levy_document_number TEXT UNIQUE,
    PRIMARY KEY (return_id, version),
    CHECK ((levy_document_kind IS NULL) = (levy_document_number IS NULL))
);

CREATE TABLE mi_return_rows (
    return_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    row_number BIGINT NOT NULL CHECK (row_number >= 1),
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    invoice_number TEXT NOT NULL,
    invoice_kind TEXT NOT NULL CHECK (invoice_kind IN ('invoice', 'credit_note')),
    call_off_reference TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_org_id TEXT NOT NULL,
    customer_kind TEXT NOT NULL,
    sector TEXT NOT NULL CHECK (sector IN ('central_government', 'wider_public_sector')),
    lot_number BIGINT NOT NULL,
    sku TEXT NOT NULL,
    cpv TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price_micros BIGINT NOT NULL CHECK (unit_price_micros >= 0),
    line_value BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    charge BIGINT NOT NULL,
    rate_bp BIGINT NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000),
    PRIMARY KEY (return_id, version, row_number),
    FOREIGN KEY (return_id, version) REFERENCES mi_return_versions (return_id, version)
);
