-- Search matches word forms (ADR 0014): `search_text` and `name_text` now hold stemmed words
-- (calloff_domain::catalogue::index_words). Emptying `name_text` marks every item for
-- re-indexing, which `catalogue::index_unindexed` does after migrating.
UPDATE catalogue_items SET name_text = '';
