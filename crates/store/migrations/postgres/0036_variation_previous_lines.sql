-- The lines a variation replaced (priced lines as JSON), so that what was awarded, and each
-- version after a variation, can be told apart in the open data and the notices. Variations
-- made before this have none: the lines before the first of them are not known.
ALTER TABLE call_off_variations ADD COLUMN previous_lines TEXT;
