-- A live call-off ended before its term: the day it ends, its value before and after (what is
-- due to that day), and what went back to the framework's and lots' headroom. One per call-off.
CREATE TABLE call_off_early_ends (
    call_off_id TEXT NOT NULL PRIMARY KEY REFERENCES call_offs (id),
    ends_on TEXT NOT NULL,
    previous_value BIGINT NOT NULL,
    value BIGINT NOT NULL,
    released BIGINT NOT NULL,
    ended_at TEXT NOT NULL,
    CHECK (value >= 0 AND released >= 0 AND value + released = previous_value)
);
