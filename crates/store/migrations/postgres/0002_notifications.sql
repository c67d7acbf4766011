-- Notifications: written in the same transaction as the event that causes them (an outbox), then
-- sent by the background worker. A failed send is kept and retried; nothing is deleted.
CREATE TABLE notifications (
    id TEXT NOT NULL PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    recipient_email TEXT NOT NULL,
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at TEXT NOT NULL,
    send_after TEXT NOT NULL,
    attempts BIGINT NOT NULL CHECK (attempts >= 0),
    claimed_until TEXT,
    sent_at TEXT,
    last_error TEXT,
    read_at TEXT
);
CREATE INDEX notifications_by_recipient ON notifications (recipient_id, created_at);
CREATE INDEX notifications_due ON notifications (sent_at, send_after);
