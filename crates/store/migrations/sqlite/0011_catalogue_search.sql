-- Full-text search over the catalogue. `search_text` holds the words of an item's SKU, name,
-- description and CPV code, and `name_text` those of its name, both as lower-case ASCII words
-- (calloff_domain::catalogue::search_words), so that both databases index the same words.
-- The index itself differs by database (ADR 0004): here an FTS5 table over the items, kept by
-- triggers; on PostgreSQL a GIN index over `to_tsvector('simple', search_text)`.
ALTER TABLE catalogue_items ADD COLUMN name_text TEXT NOT NULL DEFAULT '';
CREATE INDEX catalogue_items_by_framework ON catalogue_items (framework_id, withdrawn, lot_number);

CREATE VIRTUAL TABLE catalogue_items_search USING fts5(
    name_text, search_text, content = 'catalogue_items', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER catalogue_items_search_insert AFTER INSERT ON catalogue_items BEGIN
    INSERT INTO catalogue_items_search (rowid, name_text, search_text) VALUES (new.rowid, new.name_text, new.search_text);
END;
CREATE TRIGGER catalogue_items_search_update AFTER UPDATE OF name_text, search_text ON catalogue_items BEGIN
    INSERT INTO catalogue_items_search (catalogue_items_search, rowid, name_text, search_text)
        VALUES ('delete', old.rowid, old.name_text, old.search_text);
    INSERT INTO catalogue_items_search (rowid, name_text, search_text) VALUES (new.rowid, new.name_text, new.search_text);
END;
CREATE TRIGGER catalogue_items_search_delete AFTER DELETE ON catalogue_items BEGIN
    INSERT INTO catalogue_items_search (catalogue_items_search, rowid, name_text, search_text)
        VALUES ('delete', old.rowid, old.name_text, old.search_text);
END;
INSERT INTO catalogue_items_search (catalogue_items_search) VALUES ('rebuild');
