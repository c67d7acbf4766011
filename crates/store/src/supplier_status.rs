//! A supplier's declared size and sector status (migration 0035).

use crate::{Conn, StoreResult};
use calloff_domain::ids::{OrganisationId, UserId};
use sqlx::Row;

crate::statements! {
    GET = "SELECT sme, vcse, declared_at FROM supplier_statuses WHERE organisation_id = $1";
    DECLARE = "INSERT INTO supplier_statuses (organisation_id, sme, vcse, declared_by, declared_at) \
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organisation_id) DO UPDATE SET sme = $2, vcse = $3, \
               declared_by = $4, declared_at = $5";
}

/// What a supplier declared, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierStatus {
    /// A small or medium-sized enterprise.
    pub sme: bool,
    /// A voluntary, community or social enterprise.
    pub vcse: bool,
    pub declared_at: String,
}

pub async fn get(conn: &mut Conn, organisation: &OrganisationId) -> StoreResult<Option<SupplierStatus>> {
    let Some(row) = sqlx::query(GET)
        .bind(organisation.as_str())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SupplierStatus {
        sme: row.try_get::<i64, _>("sme")? == 1,
        vcse: row.try_get::<i64, _>("vcse")? == 1,
        declared_at: row.try_get("declared_at")?,
    }))
}

pub async fn declare(
    conn: &mut Conn,
    organisation: &OrganisationId,
    status: &SupplierStatus,
    by: &UserId,
) -> StoreResult<()> {
    sqlx::query(DECLARE)
        .bind(organisation.as_str())
        .bind(i64::from(status.sme))
        .bind(i64::from(status.vcse))
        .bind(by.as_str())
        .bind(&status.declared_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
