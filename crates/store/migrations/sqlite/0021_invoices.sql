-- Invoices and credit notes against call-offs. Each line charges one call-off line; matching
-- holds an invoice whose lines differ from the call-off (`mismatches`, JSON) for the buyer to
-- accept or dispute. A supplier's invoice number is unique, so a retried upload is refused.
CREATE TABLE invoices (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 40),
    call_off_id TEXT NOT NULL REFERENCES call_offs (id),
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    buyer_id TEXT NOT NULL REFERENCES organisations (id),
    supplier_id TEXT NOT NULL REFERENCES organisations (id),
    issue_date TEXT NOT NULL,
    -- The issue date's month (YYYY-MM): the month of the MI return it belongs to.
    month TEXT NOT NULL,
    credits TEXT,
    net_value BIGINT NOT NULL CHECK (net_value >= 0),
    vat BIGINT NOT NULL CHECK (vat >= 0),
    status TEXT NOT NULL CHECK (status IN ('matched', 'held', 'approved', 'accepted', 'disputed')),
    mismatches TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('entered', 'ubl')),
    received_by TEXT NOT NULL REFERENCES users (id),
    received_at TEXT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TEXT,
    dispute_reason TEXT,
    change_seq BIGINT NOT NULL,
    UNIQUE (supplier_id, number),
    CHECK ((status IN ('matched', 'held')) = (decided_at IS NULL))
);
CREATE INDEX invoices_by_call_off ON invoices (call_off_id, change_seq);
CREATE INDEX invoices_by_month ON invoices (framework_id, supplier_id, month);

CREATE TABLE invoice_lines (
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    line_number BIGINT NOT NULL,
    call_off_line BIGINT NOT NULL CHECK (call_off_line >= 1),
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    lot_number BIGINT NOT NULL,
    cpv TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity >= 1),
    unit_price_micros BIGINT NOT NULL CHECK (unit_price_micros >= 0),
    line_value BIGINT NOT NULL CHECK (line_value >= 0),
    period_start TEXT,
    period_end TEXT,
    PRIMARY KEY (invoice_id, line_number)
);

-- Spend per framework, supplier, month, lot and customer, kept in the transaction that records
-- or disputes an invoice (credit notes subtract), so spend pages read a few thousand rows
-- rather than every invoice line.
CREATE TABLE spend_rollups (
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    supplier_id TEXT NOT NULL REFERENCES organisations (id),
    month TEXT NOT NULL,
    lot_number BIGINT NOT NULL,
    buyer_id TEXT NOT NULL REFERENCES organisations (id),
    net_value BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    line_count BIGINT NOT NULL,
    PRIMARY KEY (framework_id, supplier_id, month, lot_number, buyer_id)
);
