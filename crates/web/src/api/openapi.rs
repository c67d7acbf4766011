//! The OpenAPI document for `/api/v1`, served at `/api/openapi.json`. It is generated from the
//! handlers' `#[utoipa::path]` attributes and the types they serialize and parse, then completed
//! with the input contract every operation shares (see ADR 0008).

use super::problem::Problem;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{json, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "calloff API",
        version = "1.0.0",
        license(name = "MIT", identifier = "MIT"),
        description = "Buy through public-sector framework agreements: browse catalogues, price quotes, place and decide call-offs. Money is integer pence; unit prices are integer millionths of a pound. Errors are RFC 9457 problem details."
    ),
    servers((url = "/api/v1")),
    security(("bearer" = [])),
    modifiers(&BearerScheme),
    components(schemas(Problem)),
    paths(
        super::sign_in,
        super::sign_out,
        super::two_factor::status,
        super::two_factor::start,
        super::two_factor::confirm,
        super::two_factor::recovery_codes,
        super::two_factor::turn_off,
        super::list_frameworks,
        super::framework,
        super::items,
        super::item,
        super::quote,
        super::saved_quotes::list,
        super::saved_quotes::save,
        super::saved_quotes::show,
        super::saved_quotes::replace,
        super::saved_quotes::delete,
        super::saved_quotes::share,
        super::saved_quotes::csv,
        super::list_call_offs,
        super::place_call_off,
        super::call_off,
        super::record_milestone,
        super::vary,
        super::call_off_notices,
        super::record_notice,
        super::notice_data,
        super::supplier_status,
        super::declare_supplier_status,
        super::preview_variation,
        super::act,
        super::invoices::submit,
        super::invoices::list,
        super::invoices::show,
        super::invoices::ubl,
        super::invoices::upload,
        super::invoices::decide,
        super::invoices::framework_spend,
        super::invoices::organisation_spend,
        super::transparency::contracts,
        super::transparency::spend,
        super::returns::list,
        super::returns::levy_by_month,
        super::returns::add_levy_rule,
        super::returns::import,
        super::returns::show,
        super::returns::submit,
        super::returns::no_business,
        super::returns::correct,
        super::returns::levy_invoice,
        super::list_change_requests,
        super::propose_changes,
        super::propose_indexation,
        super::change_request,
        super::decide_change_request,
        super::item_versions,
        super::set_demand_bands,
        super::catalogue_as_of,
        super::catalogue_settings,
        super::set_catalogue_settings,
        super::ocds::releases,
        super::ocds::record,
        super::ocds::confidentiality,
        super::ocds::set_confidentiality,
        super::public::framework,
        super::awaiting_approval,
        super::decide_approval,
        super::approval_rules,
        super::set_approval_rules,
        super::register_organisation,
        super::pending_organisations,
        super::decide_organisation,
        super::eligibility,
        super::register::list,
        super::list_people,
        super::invite,
        super::change_person,
        super::accept_invitation,
        super::proposals::list,
        super::proposals::raise,
        super::proposals::show,
        super::proposals::support,
        super::proposals::comment,
        super::proposals::respond,
        super::proposals::decide,
        super::proposals::follow,
        super::proposals::unfollow,
        super::feed::read,
        super::list_notifications,
        super::mark_notifications_read,
    )
)]
struct ApiDoc;

/// Clients send the token from `POST /sessions` as `Authorization: Bearer`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

// Values of path segments the handlers match by name.

/// The actions of `POST /call-offs/{id}/{action}`.
#[derive(ToSchema)]
#[schema(rename_all = "kebab-case")]
pub enum CallOffActionName {
    Accept,
    Reject,
    GoLive,
    End,
    Terminate,
    Cancel,
    Withdraw,
    Resubmit,
}

/// The decisions of `POST /organisations/{id}/{decision}`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum OrganisationDecisionName {
    Verify,
    Reject,
}

/// The decisions of `POST /change-requests/{id}/{decision}`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ChangeRequestDecisionName {
    Approve,
    Reject,
}

/// The changes of `POST /organisation/people/{id}/{change}`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum PersonChangeName {
    Roles,
    Deactivate,
}

pub async fn document() -> Response {
    Json(spec()).into_response()
}

pub fn spec() -> Value {
    let mut spec = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document is JSON");
    optional_bodies(&mut spec);
    input_contract(&mut spec);
    spec
}

/// utoipa writes a body of type `Option<T>` as "T or null"; here it means the body may be left
/// out (`JsonBody::parse_or_default`), and a JSON `null` is refused like any other bad body.
fn optional_bodies(spec: &mut Value) {
    let Some(paths) = spec["paths"].as_object_mut() else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|o| o.values_mut())
    {
        let Some(body) = operation.get_mut("requestBody") else {
            continue;
        };
        let schema = &mut body["content"]["application/json"]["schema"];
        let not_null: Vec<Value> = schema["oneOf"]
            .as_array()
            .map(|options| options.iter().filter(|o| o["type"] != "null").cloned().collect())
            .unwrap_or_default();
        if let [only] = not_null.as_slice() {
            *schema = only.clone();
            body["required"] = json!(false);
        }
    }
}

fn problem_response(code: &str) -> Value {
    let description = match code {
        "400" => "Malformed JSON (or JSON followed by anything), or a malformed or repeated query parameter; `errors[].field` names each path or parameter at fault",
        "413" => "The body is larger than the endpoint accepts",
        "429" => "Too many failed sign-ins for this account or address; wait Retry-After seconds",
        "401" => "Missing or expired bearer token",
        "403" => "The signed-in user's role does not allow this",
        "404" => "Not found, or not visible to this user",
        "409" => "Conflicts with the current state, or the Idempotency-Key was used for another request",
        "415" => "The body is not JSON",
        "422" => "Invalid fields; each is named in `errors`",
        _ => "Error",
    };
    json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

/// Whether an operation needs no bearer token (`security(())` in its attribute).
fn is_public(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|all| all.iter().all(|s| s.as_object().is_some_and(serde_json::Map::is_empty)))
}

/// What the API's input contract (`api::json`), its id check and its idempotency layer answer,
/// declared on every operation they apply to, so the document cannot leave a status out.
fn input_contract(spec: &mut Value) {
    let per_person = format!(
        " Keys are per person: the same key from two people names two requests, and one person's key never \
        replays another's response. Keys are kept for {} hours, after which one may name a new request. A retry \
        while the first is running, or after the server stopped mid-request, is refused (409) rather than run twice.",
        calloff_app::idempotency::KEEP_HOURS
    );
    let creates: Vec<String> = crate::create_paths()
        .iter()
        .filter_map(|p| p.strip_prefix("/api/v1").map(str::to_string))
        .collect();
    let Some(paths) = spec["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in operations.iter_mut() {
            let mut codes = Vec::new();
            if path.contains("{id}") {
                codes.push("404");
            }
            if !is_public(operation) {
                codes.extend(["401", "403"]);
            }
            // A query string is parsed strictly wherever one is read (a repeated parameter is 400).
            codes.push("400");
            if method == "post" {
                codes.extend(["413", "415", "422"]);
            }
            // A query parameter's value is checked too: a bad one is 422, naming it.
            let has_query = operation["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            if has_query {
                codes.push("422");
            }
            if method == "post" && path == "/sessions" {
                codes.push("429");
            }
            let is_create = method == "post" && creates.contains(path);
            if is_create {
                codes.push("409");
                let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
                if !parameters.iter().any(|p| p["name"] == "Idempotency-Key") {
                    let mut with_key = parameters;
                    with_key.push(json!({ "name": "Idempotency-Key", "in": "header", "required": true,
                        "schema": { "type": "string" },
                        "description": "A new unique key (a UUID) with each create. A retry with the same key, path and body replays the first success (Idempotent-Replayed: true); the same key with another request is refused (409)." }));
                    operation["parameters"] = Value::Array(with_key);
                }
            }
            if let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) {
                for p in parameters.iter_mut().filter(|p| p["name"] == "Idempotency-Key") {
                    let described = p["description"].as_str().unwrap_or_default().to_string();
                    p["description"] = json!(format!("{described}{per_person}"));
                    p["schema"] = json!({ "type": "string", "maxLength": calloff_app::idempotency::MAX_KEY_LEN });
                    // The same key with another request is refused.
                    codes.push("409");
                }
            }
            if let Some(responses) = operation["responses"].as_object_mut() {
                for code in codes {
                    responses
                        .entry(code.to_string())
                        .or_insert_with(|| problem_response(code));
                }
            }
        }
    }
}
