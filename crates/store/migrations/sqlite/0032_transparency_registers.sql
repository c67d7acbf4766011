-- The Transparency Code's spending register reads a buying organisation's invoices by issue
-- date, quarter by quarter (ADR 0018).
CREATE INDEX invoices_by_buyer_and_issue_date ON invoices (buyer_id, issue_date);
