-- Idempotency keys are kept for a day (see app::idempotency::KEEP_HOURS); expired ones are
-- deleted as new ones are claimed, found by when they were claimed.
CREATE INDEX idempotent_requests_created_at ON idempotent_requests (created_at);
