-- Open data (OCDS, ADR 0017). A framework's manager may withhold a field of its call-offs'
-- releases as commercially confidential, with a reason that the releases then state. One row per
-- framework and field; removing the row publishes the field again.
CREATE TABLE ocds_withheld_fields (
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    field TEXT NOT NULL CHECK (field IN ('unit_prices', 'call_off_values')),
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    withheld_by TEXT NOT NULL REFERENCES users (id),
    withheld_at TEXT NOT NULL,
    PRIMARY KEY (framework_id, field)
);

-- Releases are read in placing order, a page at a time; acceptances are found by call-off.
CREATE INDEX call_offs_by_placing ON call_offs (placed_at, id);
CREATE INDEX audit_entries_by_subject ON audit_entries (subject, action);
