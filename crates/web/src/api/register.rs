//! The order register over the API: a framework's call-offs across all its customers, as JSON
//! pages or as a CSV or XLSX download.

use super::{fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use calloff_app::register::{self, Download, RegisterPage, RegisterParams};
use calloff_domain::call_off::CallOffState;
use calloff_domain::ids::{CallOffId, FrameworkId, OrganisationId};
use calloff_domain::organisation::OrganisationKind;
use serde::Serialize;
use utoipa::ToSchema;

/// A page of the order register.
#[derive(Serialize, ToSchema)]
pub struct RegisterPageView {
    pub framework_id: FrameworkId,
    pub framework_reference: String,
    pub call_offs: Vec<RegisterRowView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
    /// How many call-offs match the filters, over every page.
    pub matching: i64,
    /// Their total contract value (ex VAT), in pence.
    pub matching_value_pence: i64,
    /// Most rows a CSV or XLSX download holds (the newest).
    pub export_limit: usize,
}

/// One call-off on the register.
#[derive(Serialize, ToSchema)]
pub struct RegisterRowView {
    pub id: CallOffId,
    pub reference: String,
    pub customer_id: OrganisationId,
    pub customer: String,
    /// The customer's org-id, e.g. `GB-LAE-CMD`.
    pub customer_org_id: Option<String>,
    pub kind_of_body: OrganisationKind,
    pub lots: Vec<u32>,
    pub state: CallOffState,
    pub placed_at: String,
    /// When it went live and its term ends (YYYY-MM-DD), once live.
    pub start: Option<String>,
    pub end: Option<String>,
    /// Contract value ex VAT, in pence.
    pub contract_value_pence: i64,
}

impl From<&RegisterPage> for RegisterPageView {
    fn from(page: &RegisterPage) -> Self {
        RegisterPageView {
            framework_id: page.framework.id.clone(),
            framework_reference: page.framework.reference.clone(),
            call_offs: page
                .rows
                .iter()
                .map(|r| RegisterRowView {
                    id: r.id.clone(),
                    reference: r.reference.clone(),
                    customer_id: r.customer_id.clone(),
                    customer: r.customer.clone(),
                    customer_org_id: r.customer_org_id.clone(),
                    kind_of_body: r.customer_kind,
                    lots: r.lots.clone(),
                    state: r.state,
                    placed_at: r.placed_at.clone(),
                    start: r.live_on.clone(),
                    end: r.ends_on.clone(),
                    contract_value_pence: r.contract_value.pence(),
                })
                .collect(),
            next_cursor: page.next_cursor.clone(),
            matching: page.matching,
            matching_value_pence: page.matching_value.pence(),
            export_limit: register::MAX_EXPORT_ROWS,
        }
    }
}

/// Whether the client asked for a download rather than JSON.
pub fn wants_download(params: &RegisterParams) -> bool {
    matches!(params.format.trim(), "csv" | "xlsx")
}

/// A download as an attachment, saying how many rows it holds and whether it was cut short at
/// [`register::MAX_EXPORT_ROWS`].
pub fn attachment(download: Download) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", download.file_name);
    let mut response = ([(header::CONTENT_TYPE, download.content_type)], download.bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(HeaderName::from_static("export-rows"), HeaderValue::from(download.rows));
    headers.insert(
        HeaderName::from_static("export-truncated"),
        HeaderValue::from_static(if download.truncated { "true" } else { "false" }),
    );
    response
}

#[utoipa::path(get, path = "/frameworks/{id}/call-offs", operation_id = "listFrameworkCallOffs",
    summary = "The order register: every call-off placed under the framework, across all customers, newest placed first (its manager and auditors). With format=csv or format=xlsx, a download of every match (at most 50,000 rows, newest first; the Export-Truncated header says when more matched).",
    params(("id" = String, Path, description = "Framework id"), RegisterParams),
    responses(
        (status = 200, description = "A page of the register; or, with format=csv or xlsx, the download",
            content(
                (RegisterPageView = "application/json"),
                (String = "text/csv"),
                (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ),
            headers(("Export-Rows" = u32, description = "Downloads: rows in the file"), ("Export-Truncated" = bool, description = "Downloads: true when more call-offs matched than the file holds"))),
        (status = 403, description = "Not the framework's manager or an auditor", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Filters that are not valid; each is named in `errors` as sent", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    super::json::ApiQuery(params): super::json::ApiQuery<RegisterParams>,
) -> ApiResult {
    let actor = &user.session.actor;
    let id = FrameworkId::from_stored(id);
    if wants_download(&params) {
        let download = register::export(&state.app, actor, &id, &params).await.map_err(fail)?;
        return Ok(attachment(download));
    }
    let page = register::list(&state.app, actor, &id, &params).await.map_err(fail)?;
    Ok(Json(RegisterPageView::from(&page)).into_response())
}
