-- Route to market per lot: whether the lot allows a direct award, and up to what contract value.
ALTER TABLE lots ADD COLUMN direct_award_route INTEGER NOT NULL DEFAULT 1 CHECK (direct_award_route IN (0, 1));
ALTER TABLE lots ADD COLUMN direct_award_limit BIGINT CHECK (direct_award_limit IS NULL OR direct_award_limit >= 0);
