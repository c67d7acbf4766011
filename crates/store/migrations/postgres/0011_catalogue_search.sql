-- Full-text search over the catalogue. `search_text` holds the words of an item's SKU, name,
-- description and CPV code, and `name_text` those of its name, both as lower-case ASCII words
-- (calloff_domain::catalogue::search_words), so that both databases index the same words.
-- The index itself differs by database (ADR 0004): here a GIN index over
-- `to_tsvector('simple', search_text)`; on SQLite an FTS5 table kept by triggers.
ALTER TABLE catalogue_items ADD COLUMN name_text TEXT NOT NULL DEFAULT '';
CREATE INDEX catalogue_items_by_framework ON catalogue_items (framework_id, withdrawn, lot_number);

CREATE INDEX catalogue_items_search ON catalogue_items USING GIN (to_tsvector('simple', search_text));
