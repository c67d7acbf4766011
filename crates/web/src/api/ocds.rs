//! Open data over the API (ADR 0017): OCDS 1.1.5 release and record packages, public and with no
//! sign-in; and what a framework's manager withholds as commercially confidential.

use super::json::{ApiQuery, JsonBody};
use super::{fail, ApiResult};
use crate::session::ApiUser;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use calloff_app::ocds::{self, Confidentiality};
use calloff_domain::ids::FrameworkId;
use calloff_interop::ocds::{record_package, release_package, Withheld};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An OCDS 1.1.5 package (release package or record package), declaring the lots and techniques
/// extensions. Its schema is OCDS's own: https://standard.open-contracting.org/1.1/en/schema/
#[derive(Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct OcdsPackage(serde_json::Value);

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReleasesQuery {
    /// From `links.next` of the previous page; leave out for the first page.
    #[serde(default)]
    #[param(max_length = 200)]
    pub cursor: Option<String>,
    /// Call-offs a page, 1 to 100 (100 if left out); each brings its releases.
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// This request's own URL, for the package's `uri` and its `links.next`: under the configured
/// public address when there is one (behind TLS, the address the request came to is not it).
pub(crate) fn url_of(app: &calloff_app::App, headers: &HeaderMap, path_and_query: &str) -> String {
    if let Some(base) = app.public_url() {
        return format!("{base}/api/v1{path_and_query}");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("http://{host}/api/v1{path_and_query}")
}

#[utoipa::path(get, path = "/ocds/releases", operation_id = "listOcdsReleases",
    summary = "Open data: every framework and placed call-off as OCDS 1.1.5 releases, one release package a page, oldest placed first (newest last); `links.next` gives the next page. No sign-in; nothing a framework withholds as commercially confidential is in it, and each release says what is withheld.",
    security(()),
    params(ReleasesQuery),
    responses(
        (status = 200, description = "A release package", body = OcdsPackage),
        (status = 422, description = "A cursor this service did not give", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn releases(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ReleasesQuery>,
) -> ApiResult {
    let page = ocds::releases(&state.app, query.cursor.as_deref(), query.limit)
        .await
        .map_err(fail)?;
    let limit = query.limit.map(|n| format!("limit={n}"));
    let with = |cursor: Option<&str>| {
        let params: Vec<String> = cursor
            .map(|c| format!("cursor={c}"))
            .into_iter()
            .chain(limit.clone())
            .collect();
        let query = if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        };
        url_of(&state.app, &headers, &format!("/ocds/releases{query}"))
    };
    let uri = with(query.cursor.as_deref());
    let next = page.next_cursor.as_deref().map(|c| with(Some(c)));
    let head = ocds::package_head(&state.app, uri);
    Ok(Json(release_package(&head, page.releases, next)).into_response())
}

#[utoipa::path(get, path = "/ocds/records/{ocid}", operation_id = "getOcdsRecord",
    summary = "Open data: the record of one contracting process (a framework or a placed call-off) as an OCDS 1.1.5 record package, its releases embedded and the compiled release. No sign-in.",
    security(()),
    params(("ocid" = String, Path, description = "The process's ocid: the publisher's prefix, a hyphen and the framework's or call-off's id")),
    responses(
        (status = 200, description = "A record package", body = OcdsPackage),
        (status = 404, description = "No published process has this ocid", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn record(State(state): State<AppState>, headers: HeaderMap, Path(ocid): Path<String>) -> ApiResult {
    let releases = ocds::record(&state.app, &ocid).await.map_err(fail)?;
    let head = ocds::package_head(
        &state.app,
        url_of(&state.app, &headers, &format!("/ocds/records/{ocid}")),
    );
    Ok(Json(record_package(&head, &ocid, releases)).into_response())
}

/// What a framework withholds from its open data.
#[derive(Serialize, ToSchema)]
pub struct WithheldView {
    pub withheld: Vec<WithheldFieldView>,
}

#[derive(Serialize, ToSchema)]
pub struct WithheldFieldView {
    /// `unit_prices` or `call_off_values`.
    pub field: String,
    /// What is withheld, in words.
    pub withholds: String,
    /// The manager's reason, stated in the releases.
    pub reason: String,
}

impl From<Withheld> for WithheldView {
    fn from(w: Withheld) -> Self {
        WithheldView {
            withheld: w
                .0
                .into_iter()
                .map(|(field, reason)| WithheldFieldView {
                    field: field.as_str().to_string(),
                    withholds: field.label().to_string(),
                    reason,
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/frameworks/{id}/ocds/confidentiality", operation_id = "getOcdsConfidentiality",
    summary = "The fields of the framework's open data withheld as commercially confidential, with the reasons (its manager)",
    params(("id" = String, Path, description = "Framework id")),
    responses(
        (status = 200, description = "What is withheld", body = WithheldView),
        (status = 403, description = "Not the framework's manager", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn confidentiality(State(state): State<AppState>, user: ApiUser, Path(id): Path<String>) -> ApiResult {
    let withheld = ocds::withheld_fields(&state.app, &user.session.actor, &FrameworkId::from_stored(id))
        .await
        .map_err(fail)?;
    Ok(Json(WithheldView::from(withheld)).into_response())
}

#[utoipa::path(post, path = "/frameworks/{id}/ocds/confidentiality", operation_id = "setOcdsConfidentiality",
    summary = "Withhold a field of the framework's call-offs' releases as commercially confidential, with a reason that the releases state, or publish it again (its manager). Fields: unit_prices, call_off_values.",
    params(("id" = String, Path, description = "Framework id")),
    request_body = Confidentiality,
    responses(
        (status = 200, description = "What is withheld now", body = WithheldView),
        (status = 403, description = "Not the framework's manager", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown field, or no reason to withhold it", body = super::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_confidentiality(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult {
    let actor = &user.session.actor;
    let id = FrameworkId::from_stored(id);
    // Who asks is checked before what they sent.
    ocds::withheld_fields(&state.app, actor, &id).await.map_err(fail)?;
    let request: Confidentiality = body.parse()?;
    let withheld = ocds::set_confidentiality(&state.app, actor, &id, &request)
        .await
        .map_err(fail)?;
    Ok(Json(WithheldView::from(withheld)).into_response())
}
