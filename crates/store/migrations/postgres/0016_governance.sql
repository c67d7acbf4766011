-- Customer governance (ADR 0005). A verified customer organisation raises a proposal about a
-- framework's catalogue: a new product, a change to an item, or retiring one. Other customer
-- organisations support it, one vote each (the primary key of `proposal_votes` refuses a second)
-- and comment; the supplier responds; the framework manager decides. Followers are told of
-- responses and decisions. (0015 is left to another branch; the migrator applies a gap.)
CREATE TABLE proposals (
    id TEXT NOT NULL PRIMARY KEY,
    framework_id TEXT NOT NULL REFERENCES frameworks (id),
    -- The organisation that raised it, and who.
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    raised_by TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('new_product', 'change', 'retire')),
    -- A change or retirement is about an item of the framework; a new product is not.
    item_id TEXT REFERENCES catalogue_items (id),
    lot_number BIGINT,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    rationale TEXT NOT NULL CHECK (length(rationale) BETWEEN 1 AND 5000),
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'deferred')),
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('change_request', 'roadmap')),
    target_quarter TEXT,
    decision_reason TEXT CHECK (decision_reason IS NULL OR length(decision_reason) BETWEEN 1 AND 2000),
    decided_by TEXT REFERENCES users (id),
    decided_at TEXT,
    supplier_response TEXT CHECK (supplier_response IS NULL OR length(supplier_response) BETWEEN 1 AND 5000),
    responded_by TEXT REFERENCES users (id),
    responded_at TEXT,
    -- Kept in the transaction that adds a vote or a comment, so lists need no counting.
    support_count BIGINT NOT NULL CHECK (support_count >= 0),
    comment_count BIGINT NOT NULL CHECK (comment_count >= 0),
    idempotency_key TEXT,
    request_hash TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (raised_by, idempotency_key),
    CHECK ((kind = 'new_product' AND item_id IS NULL) OR (kind <> 'new_product' AND item_id IS NOT NULL)),
    CHECK ((status = 'accepted' AND outcome IS NOT NULL) OR (status <> 'accepted' AND outcome IS NULL)),
    CHECK (target_quarter IS NULL OR outcome = 'roadmap'),
    CHECK ((status = 'open') = (decided_at IS NULL))
);
CREATE INDEX proposals_by_framework ON proposals (framework_id, status, support_count);

CREATE TABLE proposal_votes (
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    voted_by TEXT NOT NULL REFERENCES users (id),
    voted_at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, organisation_id)
);

CREATE TABLE proposal_comments (
    id TEXT NOT NULL PRIMARY KEY,
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    idempotency_key TEXT,
    request_hash TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (author_id, idempotency_key)
);
CREATE INDEX proposal_comments_by_proposal ON proposal_comments (proposal_id, created_at);

-- Who hears of a proposal's responses and decisions: whoever raised, supported or commented on
-- it, or chose to follow it.
CREATE TABLE proposal_followers (
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    since TEXT NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);

-- A supplier's change request may answer an accepted proposal.
ALTER TABLE change_requests ADD COLUMN proposal_id TEXT REFERENCES proposals (id);
CREATE INDEX change_requests_by_proposal ON change_requests (proposal_id);
