-- The order register lists a framework's call-offs newest placed first, a page at a time
-- (keyset on placed_at, then id).
CREATE INDEX call_offs_register ON call_offs (framework_id, placed_at, id);
