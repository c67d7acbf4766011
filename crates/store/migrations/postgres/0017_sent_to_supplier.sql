-- A call-off is sent to its supplier when it is placed (at once, or once its approvals are
-- complete). A draft cancelled before then was never the supplier's business, so the supplier
-- must never see it; its state alone cannot tell, since both end as 'cancelled'.
ALTER TABLE call_offs ADD COLUMN sent_to_supplier INTEGER NOT NULL DEFAULT 0 CHECK (sent_to_supplier IN (0, 1));
UPDATE call_offs SET sent_to_supplier = 1
WHERE state <> 'draft'
  AND (NOT EXISTS (SELECT 1 FROM approval_requests r WHERE r.call_off_id = call_offs.id AND r.kind = 'submission')
       OR EXISTS (SELECT 1 FROM approval_requests r WHERE r.call_off_id = call_offs.id AND r.kind = 'submission'
                  AND r.status = 'approved'));
CREATE INDEX call_offs_sent_by_supplier ON call_offs (supplier_id, sent_to_supplier, change_seq);
