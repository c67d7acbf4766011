-- Prices that fall with volume (see the domain's `pricing`). Quantity tiers belong to an item's
-- version and change through change requests; demand bands are set by the framework manager, and
-- each change of them is a new version too. Both are stored as `quantity:micros;…`, empty for none.
ALTER TABLE catalogue_items ADD COLUMN quantity_tiers TEXT NOT NULL DEFAULT '';
ALTER TABLE catalogue_items ADD COLUMN demand_bands TEXT NOT NULL DEFAULT '';
ALTER TABLE catalogue_item_versions ADD COLUMN quantity_tiers TEXT NOT NULL DEFAULT '';
ALTER TABLE catalogue_item_versions ADD COLUMN demand_bands TEXT NOT NULL DEFAULT '';
ALTER TABLE catalogue_changes ADD COLUMN quantity_tiers TEXT;
-- What a call-off line's unit price replaced, and why: a quantity tier or a demand band.
ALTER TABLE call_off_lines ADD COLUMN catalogue_price_micros BIGINT;
ALTER TABLE call_off_lines ADD COLUMN price_basis TEXT CHECK (price_basis IN ('quantity_tier', 'demand_band'));
ALTER TABLE call_off_lines ADD COLUMN price_basis_from BIGINT;
