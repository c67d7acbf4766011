//! A framework's public page as JSON (issue 12): no sign-in, and nothing its manager withholds
//! from the open data (ADR 0017); while call-off values are withheld, no sum of them either.

use super::views::MoneyView;
use super::{fail, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::public_frameworks::{self, PublicFramework};
use calloff_domain::ids::FrameworkId;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PublicFrameworkView {
    pub id: String,
    pub reference: String,
    pub title: String,
    /// `live`, `expired` or `suspended` (drafts are not public).
    pub status: String,
    pub managing_authority: String,
    pub suppliers: Vec<String>,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    pub end_date: String,
    pub ceiling: MoneyView,
    /// Value of the call-offs placed and not cancelled; null while call-off values are withheld.
    pub committed: Option<MoneyView>,
    /// Ceiling less committed; null while call-off values are withheld.
    pub headroom: Option<MoneyView>,
    /// Net invoiced (credit notes deducted, disputed invoices left out); null while withheld.
    pub invoiced: Option<MoneyView>,
    /// Call-offs placed, accepted, live or ended.
    pub call_offs: i64,
    /// Kinds of body every verified one of which may buy through it (`local_authority`, …).
    pub eligible_kinds: Vec<String>,
    /// Bodies named on the eligibility register besides those kinds.
    pub named_bodies: usize,
    pub lots: Vec<PublicLotView>,
    pub by_kind_of_body: Vec<KindSpendView>,
    /// What the framework's manager withholds from its open data, and why.
    pub withheld: Vec<super::ocds::WithheldFieldView>,
    /// The framework's contracting process in the open data.
    pub ocid: String,
    /// The framework's OCDS record, under `/api/v1`.
    pub ocds_record: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicLotView {
    pub number: u32,
    pub title: String,
    /// Null when the lot has no ceiling of its own.
    pub ceiling: Option<MoneyView>,
    /// Null without a lot ceiling, or while call-off values are withheld.
    pub committed: Option<MoneyView>,
    pub headroom: Option<MoneyView>,
    /// Call-offs with lines in the lot (one with lines in two lots counts in each).
    pub call_offs: i64,
    /// Null while call-off values are withheld.
    pub invoiced: Option<MoneyView>,
}

#[derive(Serialize, ToSchema)]
pub struct KindSpendView {
    /// `local_authority`, `nhs_trust`, …
    pub kind: String,
    pub label: String,
    pub call_offs: i64,
    /// Null while call-off values are withheld.
    pub invoiced: Option<MoneyView>,
}

impl From<PublicFramework> for PublicFrameworkView {
    fn from(p: PublicFramework) -> Self {
        let f = &p.framework;
        PublicFrameworkView {
            id: f.id.as_str().to_string(),
            reference: f.reference.clone(),
            title: f.title.clone(),
            status: f.status.as_str().to_string(),
            managing_authority: p.authority.clone(),
            suppliers: p.suppliers.clone(),
            start_date: f.term.start.to_string(),
            end_date: f.term.end.to_string(),
            ceiling: f.maximum_value.into(),
            committed: p.headroom.map(|h| h.committed.into()),
            headroom: p.headroom.map(|h| h.left().into()),
            invoiced: p.invoiced.map(Into::into),
            call_offs: p.call_offs,
            eligible_kinds: p.eligible_kinds.iter().map(|k| k.as_str().to_string()).collect(),
            named_bodies: p.named_bodies,
            lots: p
                .lots
                .iter()
                .map(|l| PublicLotView {
                    number: l.number,
                    title: l.title.clone(),
                    ceiling: l.ceiling.map(Into::into),
                    committed: l.headroom.map(|h| h.committed.into()),
                    headroom: l.headroom.map(|h| h.left().into()),
                    call_offs: l.call_offs,
                    invoiced: l.invoiced.map(Into::into),
                })
                .collect(),
            by_kind_of_body: p
                .by_kind
                .iter()
                .map(|k| KindSpendView {
                    kind: k.kind.as_str().to_string(),
                    label: k.kind.label().to_string(),
                    call_offs: k.call_offs,
                    invoiced: k.invoiced.map(Into::into),
                })
                .collect(),
            withheld: p
                .withheld
                .iter()
                .map(|(field, reason)| super::ocds::WithheldFieldView {
                    field: field.as_str().to_string(),
                    withholds: field.label().to_string(),
                    reason: reason.clone(),
                })
                .collect(),
            ocds_record: format!("/api/v1/ocds/records/{}", p.ocid),
            ocid: p.ocid,
        }
    }
}

#[utoipa::path(get, path = "/frameworks/{id}/public", operation_id = "getPublicFramework",
    summary = "A framework as anyone may see it, with no sign-in: what it is, who may use it, the ceiling and headroom, call-offs and spend by kind of body and lot, and its OCDS record. While its manager withholds call-off values, committed, headroom and invoiced are null.",
    security(()),
    params(("id" = String, Path, description = "Framework id")),
    responses(
        (status = 200, description = "The framework", body = PublicFrameworkView),
        (status = 404, description = "No framework with this id, or a draft", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn framework(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult {
    let p = public_frameworks::framework(&state.app, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(PublicFrameworkView::from(p)).into_response())
}
