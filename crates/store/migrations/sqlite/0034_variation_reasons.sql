-- Why the buyer varied a call-off, in their words: the amendment's rationale in the open data
-- and the contract change notice (UK10). Kept on a variation awaiting approval until it applies.
-- Variations made before this have none.
ALTER TABLE call_off_variations ADD COLUMN reason TEXT;
ALTER TABLE approval_requests ADD COLUMN reason TEXT;
