-- A supplier's own declaration of whether it is a small or medium-sized enterprise and whether
-- it is a voluntary, community or social enterprise: the Transparency Code's SME and VCSE
-- columns. One row per supplier, replaced when it declares again (each declaration audited).
CREATE TABLE supplier_statuses (
    organisation_id TEXT NOT NULL PRIMARY KEY REFERENCES organisations (id),
    sme INTEGER NOT NULL CHECK (sme IN (0, 1)),
    vcse INTEGER NOT NULL CHECK (vcse IN (0, 1)),
    declared_by TEXT NOT NULL REFERENCES users (id),
    declared_at TEXT NOT NULL
);
