-- An item's list price: what a buyer would pay off the framework (optional). A call-off line
-- keeps what its items would have cost at list prices, so savings can be shown and totalled.
ALTER TABLE catalogue_items ADD COLUMN list_price_micros BIGINT CHECK (list_price_micros IS NULL OR list_price_micros >= 0);
ALTER TABLE catalogue_item_versions ADD COLUMN list_price_micros BIGINT;
ALTER TABLE catalogue_changes ADD COLUMN list_price_micros BIGINT;
ALTER TABLE call_off_lines ADD COLUMN list_price_micros BIGINT;
