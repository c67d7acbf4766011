-- What an order needs besides its lines (issue 11): a title, where to deliver, when to start, the
-- buyer's purchase-order number and a contact. Call-offs placed before have none of them (NULL);
-- every new one has all but the purchase-order number (the application checks them together).
-- The supplier's contact is the supplier user who accepted the call-off.
ALTER TABLE call_offs ADD COLUMN title TEXT;
ALTER TABLE call_offs ADD COLUMN delivery_address TEXT;
ALTER TABLE call_offs ADD COLUMN starts_on TEXT;
ALTER TABLE call_offs ADD COLUMN purchase_order TEXT;
ALTER TABLE call_offs ADD COLUMN contact_name TEXT;
ALTER TABLE call_offs ADD COLUMN contact_email TEXT;
ALTER TABLE call_offs ADD COLUMN contact_phone TEXT;
ALTER TABLE call_offs ADD COLUMN supplier_contact_name TEXT;
ALTER TABLE call_offs ADD COLUMN supplier_contact_email TEXT;
