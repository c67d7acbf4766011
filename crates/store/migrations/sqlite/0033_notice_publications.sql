-- The Procurement Act notices a buyer has published for a call-off (domain::notices): which
-- notice (UK6, UK7, UK10 for a variation, UK11), its Find a Tender reference and when. A notice
-- is recorded once.
CREATE TABLE notice_publications (
    call_off_id TEXT NOT NULL REFERENCES call_offs (id),
    notice TEXT NOT NULL CHECK (notice IN ('UK6', 'UK7', 'UK10', 'UK11')),
    variation INTEGER NOT NULL DEFAULT 0,
    reference TEXT NOT NULL,
    published_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (call_off_id, notice, variation)
);
