-- The call-off lifecycle after acceptance: provisioning milestones, the live date and the end of
-- term, and which end-of-term reminder the buyer last had (90 or 30 days before).
ALTER TABLE call_offs ADD COLUMN live_on TEXT;
ALTER TABLE call_offs ADD COLUMN ends_on TEXT;
ALTER TABLE call_offs ADD COLUMN reminded_days BIGINT;
CREATE INDEX call_offs_by_end ON call_offs (state, ends_on);

CREATE TABLE call_off_milestones (
    call_off_id TEXT NOT NULL REFERENCES call_offs (id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    done_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (call_off_id, position)
);
