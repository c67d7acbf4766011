-- A placed call-off carries its own to-do: the supplier has not yet been told. It is written in
-- the placing transaction; the notification dispatcher turns it into notifications exactly once.
ALTER TABLE call_offs ADD COLUMN supplier_notified_at TEXT;
UPDATE call_offs SET supplier_notified_at = placed_at;
CREATE INDEX call_offs_to_notify ON call_offs (supplier_notified_at);
