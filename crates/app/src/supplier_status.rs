//! A supplier declares whether it is a small or medium-sized enterprise (SME) and whether it is
//! a voluntary, community or social enterprise (VCSE): what the buyers' Transparency Code
//! registers say of it. Its own people declare it, as they do on Find a Tender; each
//! declaration is audited.

use crate::{Actor, App, AppError, AppResult};
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
pub use calloff_store::supplier_status::SupplierStatus;

fn require_supplier(actor: &Actor) -> AppResult<()> {
    if actor.has(Role::SupplierUser) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only a supplier's people declare its size and status".into(),
        ))
    }
}

/// What the actor's supplier organisation has declared, if it has.
pub async fn current(app: &App, actor: &Actor) -> AppResult<Option<SupplierStatus>> {
    require_supplier(actor)?;
    let mut conn = app.db.pool().acquire().await?;
    Ok(calloff_store::supplier_status::get(&mut conn, &actor.organisation_id).await?)
}

/// `yes` or `no` for `field`.
fn answer(field: &str, text: &str, question: &str, errors: &mut Vec<FieldError>) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => {
            errors.push(FieldError::new(field, format!("Answer yes or no: {question}")));
            None
        }
    }
}

/// The actor's supplier organisation declares its status (`yes` or `no` for each), replacing
/// what it declared before. Both answers are checked at once.
pub async fn declare(app: &App, actor: &Actor, sme: &str, vcse: &str) -> AppResult<SupplierStatus> {
    require_supplier(actor)?;
    let mut errors = Vec::new();
    let sme = answer("sme", sme, "is it a small or medium-sized enterprise?", &mut errors);
    let vcse = answer(
        "vcse",
        vcse,
        "is it a voluntary, community or social enterprise?",
        &mut errors,
    );
    let (Some(sme), Some(vcse)) = (sme, vcse) else {
        return Err(AppError::InvalidFields(errors));
    };
    calloff_store::with_retries(|| async {
        let status = SupplierStatus {
            sme,
            vcse,
            declared_at: app.now_text(),
        };
        let mut tx = app.db.begin_write().await?;
        let mut head = ChainHead::claim(&mut tx).await?;
        calloff_store::supplier_status::declare(&mut tx, &actor.organisation_id, &status, &actor.user_id).await?;
        head.append(
            &mut tx,
            &status.declared_at,
            actor.user_id.as_str(),
            "organisation.supplier_status_declared",
            actor.organisation_id.as_str(),
            serde_json::json!({ "sme": sme, "vcse": vcse }),
        )
        .await?;
        head.seal(&mut tx).await?;
        tx.commit().await?;
        Ok::<_, AppError>(status)
    })
    .await
}
