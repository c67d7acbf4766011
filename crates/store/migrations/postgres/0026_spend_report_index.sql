-- The spend report reads every rollup of a framework four ways (by month, lot, customer, and in
-- all). A covering index makes each an index-only scan in key order instead of a row fetch per
-- rollup scattered through the table (bench-spend: SQLite p95 fell from 550 ms; see
-- docs/PERFORMANCE.md).
CREATE INDEX spend_rollups_report ON spend_rollups (framework_id, month, lot_number, buyer_id, net_value);
