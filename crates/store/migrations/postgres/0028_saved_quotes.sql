-- Quotes a buyer saves with a name, to come back to after signing out, to share with a colleague
-- in the same organisation and to download. A saved quote keeps what the buyer chose (SKU,
-- quantity, term, usage, as JSON); prices are worked out again each time it is opened.
CREATE TABLE saved_quotes (
    id TEXT NOT NULL PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    owner_id TEXT NOT NULL REFERENCES users (id),
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    lines TEXT NOT NULL,
    line_count BIGINT NOT NULL CHECK (line_count >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX saved_quotes_by_owner ON saved_quotes (owner_id, updated_at);

-- A colleague a saved quote is shared with (read-only: they may open a copy as their own quote).
CREATE TABLE saved_quote_shares (
    quote_id TEXT NOT NULL REFERENCES saved_quotes (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    shared_by TEXT NOT NULL REFERENCES users (id),
    shared_at TEXT NOT NULL,
    PRIMARY KEY (quote_id, user_id)
);
CREATE INDEX saved_quote_shares_by_user ON saved_quote_shares (user_id);
