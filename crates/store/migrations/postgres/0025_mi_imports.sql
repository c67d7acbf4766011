-- MI returns uploaded as files: rows that come from a file have no calloff invoice.
ALTER TABLE mi_return_rows ALTER COLUMN invoice_id DROP NOT NULL;

-- A supplier's MI return uploaded as a file (CSV or XLSX) instead of generated from invoices.
-- The id is derived from the file's SHA-256, the framework, the supplier and the month, so a run
-- killed half way continues on the next run with the same file. Rows are staged in batches, each
-- committed, keyed by (import, row), so staging twice never duplicates a row; the whole file
-- becomes a return version in one transaction only once every row has been checked.
CREATE TABLE mi_imports (
    id TEXT NOT NULL PRIMARY KEY,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    supplier_id TEXT NOT NULL REFERENCES organisations (id),
    month TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('staging', 'applied')),
    return_id TEXT REFERENCES mi_returns (id),
    version BIGINT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    applied_at TEXT,
    CHECK ((status = 'applied') = (version IS NOT NULL))
);

-- Checked rows waiting for the rest of their file; removed when the file is applied or found
-- invalid. `row_number` counts data rows from 1.
CREATE TABLE mi_import_rows (
    import_id TEXT NOT NULL REFERENCES mi_imports (id),
    row_number BIGINT NOT NULL CHECK (row_number >= 1),
    invoice_number TEXT NOT NULL,
    call_off_reference TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    customer_org_id TEXT NOT NULL,
    customer_kind TEXT NOT NULL,
    sector TEXT NOT NULL,
    lot_number BIGINT NOT NULL,
    sku TEXT NOT NULL,
    cpv TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price_micros BIGINT NOT NULL,
    line_value BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    charge BIGINT NOT NULL,
    rate_bp BIGINT NOT NULL,
    PRIMARY KEY (import_id, row_number)
);
