-- Whether item pages may name the bodies that bought each item (otherwise they show only how
-- many bodies bought it and the prices paid).
ALTER TABLE frameworks ADD COLUMN names_buyers_of_items INTEGER NOT NULL DEFAULT 0
    CHECK (names_buyers_of_items IN (0, 1));
CREATE INDEX call_off_lines_by_item ON call_off_lines (item_id);
