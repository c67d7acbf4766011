use crate::{Conn, StoreError, StoreResult};
use calloff_domain::ids::OrganisationId;
use calloff_domain::organisation::{OrgIdentifier, Organisation, OrganisationKind, Verification};
use sqlx::Row;

crate::statements! {
    INSERT = "INSERT INTO organisations (id, name, kind, verification, created_at) VALUES ($1, $2, $3, $4, $5)";
    INSERT_IDENTIFIER = "INSERT INTO organisation_identifiers (scheme, value, organisation_id, position) \
                         VALUES ($1, $2, $3, $4)";
    BY_ID = "SELECT id, name, kind, verification FROM organisations WHERE id = $1";
    BY_NAME = "SELECT id, name, kind, verification FROM organisations WHERE name = $1";
    ALL_ORGS = "SELECT id, name, kind, verification FROM organisations ORDER BY name";
    IDENTIFIERS = "SELECT scheme, value FROM organisation_identifiers WHERE organisation_id = $1 ORDER BY position";
    PENDING = "SELECT id, name, kind, verification FROM organisations WHERE verification = 'pending' ORDER BY created_at, name";
    // Only a pending organisation can be verified, so two managers deciding at once cannot both win.
    VERIFY = "UPDATE organisations SET verification = 'verified' WHERE id = $1 AND verification = 'pending'";
    INSERT_DECISION = "INSERT INTO organisation_decisions (id, organisation_id, decision, reason, decided_by, decided_at) \
                       VALUES ($1, $2, $3, $4, $5, $6)";
    INSERT_APPLICATION = "INSERT INTO organisation_applications (organisation_id, contact_user_id, evidence, known_body, applied_at) \
                          VALUES ($1, $2, $3, $4, $5)";
    APPLICATION = "SELECT u.name, u.email, a.evidence, a.known_body, a.applied_at FROM organisation_applications a \
                   JOIN users u ON u.id = a.contact_user_id WHERE a.organisation_id = $1";
    LATEST_DECISION = "SELECT decision, reason, decided_at FROM organisation_decisions WHERE organisation_id = $1 \
                       ORDER BY decided_at DESC, id DESC LIMIT 1";
}

pub async fn insert(conn: &mut Conn, org: &Organisation, at: &str) -> StoreResult<()> {
    sqlx::query(INSERT)
        .bind(org.id.as_str())
        .bind(&org.name)
        .bind(org.kind.as_str())
        .bind(verification_str(org.verification))
        .bind(at)
        .execute(&mut *conn)
        .await?;
    for (position, identifier) in org.identifiers.iter().enumerate() {
        sqlx::query(INSERT_IDENTIFIER)
            .bind(identifier.scheme())
            .bind(identifier.value())
            .bind(org.id.as_str())
            .bind(crate::wide(position))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn verification_str(v: Verification) -> &'static str {
    match v {
        Verification::Pending => "pending",
        Verification::Verified => "verified",
    }
}

async fn from_row(conn: &mut Conn, row: &sqlx::any::AnyRow) -> StoreResult<Organisation> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let verification: String = row.try_get("verification")?;
    let identifier_rows = sqlx::query(IDENTIFIERS).bind(&id).fetch_all(&mut *conn).await?;
    let mut identifiers = Vec::with_capacity(identifier_rows.len());
    for r in identifier_rows {
        let scheme: String = r.try_get("scheme")?;
        let value: String = r.try_get("value")?;
        identifiers.push(OrgIdentifier::parse(&scheme, &value).map_err(|e| StoreError::corrupt(e.to_string()))?);
    }
    Ok(Organisation {
        id: OrganisationId::from_stored(id),
        name: row.try_get("name")?,
        kind: OrganisationKind::parse(&kind).map_err(|e| StoreError::corrupt(e.to_string()))?,
        identifiers,
        verification: if verification == "verified" {
            Verification::Verified
        } else {
            Verification::Pending
        },
    })
}

pub async fn get(conn: &mut Conn, id: &OrganisationId) -> StoreResult<Option<Organisation>> {
    match sqlx::query(BY_ID).bind(id.as_str()).fetch_optional(&mut *conn).await? {
        Some(row) => Ok(Some(from_row(conn, &row).await?)),
        None => Ok(None),
    }
}

pub async fn find_by_name(conn: &mut Conn, name: &str) -> StoreResult<Option<Organisation>> {
    match sqlx::query(BY_NAME).bind(name).fetch_optional(&mut *conn).await? {
        Some(row) => Ok(Some(from_row(conn, &row).await?)),
        None => Ok(None),
    }
}

pub async fn all(conn: &mut Conn) -> StoreResult<Vec<Organisation>> {
    let rows = sqlx::query(ALL_ORGS).fetch_all(&mut *conn).await?;
    let mut orgs = Vec::with_capacity(rows.len());
    for row in &rows {
        orgs.push(from_row(conn, row).await?);
    }
    Ok(orgs)
}

pub async fn pending(conn: &mut Conn) -> StoreResult<Vec<Organisation>> {
    let rows = sqlx::query(PENDING).fetch_all(&mut *conn).await?;
    let mut orgs = Vec::with_capacity(rows.len());
    for row in &rows {
        orgs.push(from_row(conn, row).await?);
    }
    Ok(orgs)
}

/// Marks a pending organisation verified; false if it was not pending.
pub async fn verify(conn: &mut Conn, id: &OrganisationId) -> StoreResult<bool> {
    Ok(sqlx::query(VERIFY)
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected()
        == 1)
}

/// A manager's decision on a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub decision: String,
    pub reason: Option<String>,
    pub decided_at: String,
}

pub async fn record_decision(
    conn: &mut Conn,
    decision_id: &str,
    id: &OrganisationId,
    decision: &str,
    reason: Option<&str>,
    decided_by: &calloff_domain::ids::UserId,
    at: &str,
) -> StoreResult<()> {
    sqlx::query(INSERT_DECISION)
        .bind(decision_id)
        .bind(id.as_str())
        .bind(decision)
        .bind(reason)
        .bind(decided_by.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn latest_decision(conn: &mut Conn, id: &OrganisationId) -> StoreResult<Option<Decision>> {
    let row = sqlx::query(LATEST_DECISION)
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(Decision {
            decision: r.try_get("decision")?,
            reason: r.try_get("reason")?,
            decided_at: r.try_get("decided_at")?,
        })
    })
    .transpose()
}

/// What an organisation said when it registered (organisations seeded or created by a manager
/// have none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub contact_name: String,
    pub contact_email: String,
    pub evidence: String,
    /// Picked from, or its identifier matched, the register of known bodies.
    pub known_body: bool,
    pub applied_at: String,
}

pub async fn insert_application(
    conn: &mut Conn,
    id: &OrganisationId,
    contact: &calloff_domain::ids::UserId,
    evidence: &str,
    known_body: bool,
    at: &str,
) -> StoreResult<()> {
    sqlx::query(INSERT_APPLICATION)
        .bind(id.as_str())
        .bind(contact.as_str())
        .bind(evidence)
        .bind(i64::from(known_body))
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn application(conn: &mut Conn, id: &OrganisationId) -> StoreResult<Option<Application>> {
    let row = sqlx::query(APPLICATION)
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => Some(Application {
            contact_name: row.try_get(0)?,
            contact_email: row.try_get(1)?,
            evidence: row.try_get(2)?,
            known_body: row.try_get::<i64, _>(3)? == 1,
            applied_at: row.try_get(4)?,
        }),
        None => None,
    })
}
