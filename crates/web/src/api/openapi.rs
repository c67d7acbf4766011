//! The OpenAPI 3 document for `/api/v1`, served at `/api/openapi.json`.

use axum::response::{IntoResponse, Json, Response};
use serde_json::{json, Value};

pub async fn document() -> Response {
    Json(spec()).into_response()
}

fn problem_responses(codes: &[&str]) -> Value {
    let mut responses = serde_json::Map::new();
    for code in codes {
        let description = match *code {
            "400" => "Malformed JSON (or JSON followed by anything), or a malformed or repeated query parameter; `errors[].field` names each path or parameter at fault",
            "413" => "The body is larger than the endpoint accepts",
            "429" => "Too many failed sign-ins for this account or address; wait Retry-After seconds",
            "401" => "Missing or expired bearer token",
            "403" => "The signed-in user's role does not allow this",
            "404" => "Not found, or not visible to this user",
            "409" => "Conflicts with the current state, or not enough headroom (see Calloff-Headroom-Left-Pence)",
            "415" => "The body is not JSON",
            "422" => "Invalid fields; each is named in `errors`",
            _ => "Error",
        };
        responses.insert(
            code.to_string(),
            json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }),
        );
    }
    Value::Object(responses)
}

fn ok(description: &str, schema: &str, extra_errors: &[&str]) -> Value {
    let mut responses = problem_responses(extra_errors);
    responses["200"] = json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    responses
}

fn id_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn json_body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

pub fn spec() -> Value {
    let mut spec = core();
    governance(&mut spec);
    two_factor(&mut spec);
    input_contract(&mut spec);
    spec
}

/// What the API's input contract (`api::json`), its id check and its idempotency layer answer,
/// declared on every operation they apply to, so the document cannot leave a status out.
fn input_contract(spec: &mut Value) {
    const PER_PERSON: &str = " Keys are per person: the same key from two people names two requests, and one \
        person's key never replays another's response. A retry while the first is running, or after the \
        server stopped mid-request, is refused (409) rather than run twice.";
    let creates: Vec<String> = crate::create_paths()
        .iter()
        .filter_map(|p| p.strip_prefix("/api/v1").map(str::to_string))
        .collect();
    let public = ["/sessions", "/organisations", "/invitations/{token}"];
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
            if !public.contains(&path.as_str()) {
                codes.extend(["401", "403"]);
            }
            // A query string is parsed strictly wherever one is read (a repeated parameter is 400).
            codes.push("400");
            if method == "post" {
                codes.extend(["400", "413", "415", "422"]);
            }
            if method == "post" && path == "/sessions" {
                codes.push("429");
            }
            let is_create = method == "post" && creates.contains(path);
            if is_create {
                codes.push("409");
                let parameters = operation
                    .get("parameters")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if !parameters.iter().any(|p| p["name"] == "Idempotency-Key") {
                    let mut with_key = parameters;
                    with_key.push(json!({ "name": "Idempotency-Key", "in": "header", "required": true,
                        "schema": { "type": "string", "maxLength": calloff_app::idempotency::MAX_KEY_LEN },
                        "description": "A new unique key (a UUID) with each create. A retry with the same key, path and body replays the first success (Idempotent-Replayed: true); the same key with another request is refused (409)." }));
                    operation["parameters"] = Value::Array(with_key);
                }
            }
            if let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) {
                for p in parameters.iter_mut().filter(|p| p["name"] == "Idempotency-Key") {
                    let described = p["description"].as_str().unwrap_or_default().to_string();
                    p["description"] = json!(format!("{described}{PER_PERSON}"));
                }
            }
            let declared = problem_responses(&codes);
            if let (Some(responses), Some(declared)) = (operation["responses"].as_object_mut(), declared.as_object()) {
                for (code, response) in declared {
                    responses.entry(code.clone()).or_insert_with(|| response.clone());
                }
            }
        }
    }
}

/// Customer governance: proposals, votes, comments, the supplier's response, the manager's
/// decision and following.
fn governance(spec: &mut Value) {
    let proposal_id = id_param("id", "Proposal id");
    let key = |what: &str| {
        json!({ "name": "Idempotency-Key", "in": "header", "required": true, "schema": { "type": "string", "maxLength": 100 },
                "description": format!("A retry with the same key and body returns the {what} created the first time (Idempotent-Replayed: true); with another body it is refused (409)") })
    };
    let created = |description: &str, schema: &str, errors: &[&str]| {
        let mut responses = problem_responses(errors);
        responses["201"] = json!({
            "description": description,
            "headers": { "Location": { "schema": { "type": "string" } }, "Idempotent-Replayed": { "schema": { "type": "string" } } },
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
        });
        responses
    };
    let paths = json!({
        "/frameworks/{id}/proposals": {
            "get": {
                "summary": "The roadmap: the framework's proposals, most supported first (for its customers, its supplier, its manager and auditors)",
                "operationId": "listProposals",
                "parameters": [id_param("id", "Framework id"), { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["open", "accepted", "deferred", "declined"] }, "description": "Only proposals with this status" }],
                "responses": ok("Proposals", "ProposalList", &["401", "403", "404", "422"])
            },
            "post": {
                "summary": "Raise a proposal (buyers, approvers and organisation admins of verified customer organisations eligible on the framework). The organisation's support is recorded with it and the raiser follows it; the manager and the supplier are told.",
                "operationId": "raiseProposal",
                "parameters": [id_param("id", "Framework id"), key("proposal")],
                "requestBody": json_body("ProposalInput"),
                "responses": created("Raised", "ProposalView", &["400", "401", "403", "404", "409", "422"])
            }
        },
        "/proposals/{id}": { "get": {
            "summary": "A proposal with its supporters, comments, the supplier's response, the decision, the change requests answering it, and what the signed-in user may do",
            "operationId": "getProposal", "parameters": [proposal_id.clone()],
            "responses": ok("The proposal", "ProposalView", &["401", "404"])
        }},
        "/proposals/{id}/votes": { "post": {
            "summary": "Support the proposal for the signed-in user's organisation (customers only). One vote per organisation: a second is refused with 409 naming `vote`, as is support for a decided proposal. The organisation is its own idempotency key.",
            "operationId": "supportProposal", "parameters": [proposal_id.clone()],
            "responses": created("Supported", "ProposalView", &["401", "403", "404", "409"])
        }},
        "/proposals/{id}/comments": { "post": {
            "summary": "Comment on an open or deferred proposal (customers, the supplier, the manager); the author then follows it",
            "operationId": "commentOnProposal", "parameters": [proposal_id.clone(), key("comment")],
            "requestBody": json_body("CommentInput"),
            "responses": created("Added", "ProposalComment", &["400", "401", "403", "404", "409", "422"])
        }},
        "/proposals/{id}/response": { "post": {
            "summary": "The supplier's response to an open or deferred proposal; sending another replaces it. Followers are told.",
            "operationId": "respondToProposal", "parameters": [proposal_id.clone()],
            "requestBody": json_body("SupplierResponseInput"),
            "responses": ok("The proposal", "ProposalView", &["400", "401", "403", "404", "409", "422"])
        }},
        "/proposals/{id}/decision": { "post": {
            "summary": "The framework manager's decision, with a reason: accept (as a change request or onto the roadmap, with an optional target quarter), decline or defer. Accepted and declined are final (409 naming `decision`); a deferred proposal may be decided again. Followers are told.",
            "operationId": "decideProposal", "parameters": [proposal_id.clone()],
            "requestBody": json_body("ProposalDecision"),
            "responses": ok("The proposal", "ProposalView", &["400", "401", "403", "404", "409", "422"])
        }},
        "/proposals/{id}/follow": {
            "post": {
                "summary": "Follow the proposal: be told when the supplier responds and when the manager decides (customers, the supplier, the manager)",
                "operationId": "followProposal", "parameters": [proposal_id.clone()],
                "responses": ok("Following", "Following", &["401", "403", "404"])
            },
            "delete": {
                "summary": "Stop following the proposal", "operationId": "unfollowProposal", "parameters": [proposal_id],
                "responses": ok("Not following", "Following", &["401", "403", "404"])
            }
        }
    });
    let named = |id_name: &str| json!({ "type": "object", "properties": { "id": { "type": "string" }, id_name: { "type": "string" } } });
    let schemas = json!({
        "ProposalInput": { "type": "object", "required": ["kind", "title", "rationale"], "properties": {
            "kind": { "type": "string", "enum": ["new_product", "change", "retire"] },
            "item_id": { "type": "string", "description": "change and retire: the item (or give sku)" },
            "sku": { "type": "string", "description": "change and retire: the item's SKU, if item_id is not given" },
            "lot": { "type": "integer", "minimum": 1, "description": "new_product, optionally: its lot. A change or retirement is in its item's lot." },
            "title": { "type": "string", "minLength": 1, "maxLength": 120 },
            "rationale": { "type": "string", "minLength": 1, "maxLength": 5000 }
        }},
        "Proposal": { "type": "object", "properties": {
            "id": { "type": "string" }, "framework_id": { "type": "string" },
            "kind": { "type": "string", "enum": ["new_product", "change", "retire"] },
            "raised_by": { "type": "object", "properties": { "organisation": named("name"), "user": named("name") } },
            "item": { "type": "object", "nullable": true, "properties": { "id": { "type": "string" }, "sku": { "type": "string" }, "name": { "type": "string" } } },
            "lot": { "type": "integer", "nullable": true }, "title": { "type": "string" }, "rationale": { "type": "string" },
            "status": { "type": "string", "enum": ["open", "accepted", "deferred", "declined"] },
            "outcome": { "type": "string", "nullable": true, "enum": ["change_request", "roadmap"] },
            "target_quarter": { "type": "string", "nullable": true, "description": "Calendar quarter, e.g. 2027-Q2 (April to June 2027)" },
            "decision": { "type": "object", "nullable": true, "properties": {
                "reason": { "type": "string" }, "decided_at": { "type": "string", "format": "date-time" }, "decided_by": named("name")
            }},
            "supplier_response": { "type": "object", "nullable": true, "properties": {
                "text": { "type": "string" }, "responded_at": { "type": "string", "format": "date-time" }, "responded_by": named("name")
            }},
            "support_count": { "type": "integer" }, "comment_count": { "type": "integer" },
            "created_at": { "type": "string", "format": "date-time" }, "updated_at": { "type": "string", "format": "date-time" }
        }},
        "ProposalList": { "type": "object", "properties": {
            "framework_id": { "type": "string" }, "you_may_raise": { "type": "boolean" },
            "proposals": { "type": "array", "items": { "$ref": "#/components/schemas/Proposal" } }
        }},
        "ProposalComment": { "type": "object", "properties": {
            "id": { "type": "string" }, "proposal_id": { "type": "string" }, "body": { "type": "string" },
            "created_at": { "type": "string", "format": "date-time" }, "author": named("name"), "organisation": named("name")
        }},
        "ProposalView": { "allOf": [{ "$ref": "#/components/schemas/Proposal" }, { "type": "object", "properties": {
            "supporters": { "type": "array", "items": { "type": "object", "properties": {
                "organisation": named("name"), "supported_at": { "type": "string", "format": "date-time" }
            }}},
            "comments": { "type": "array", "items": { "$ref": "#/components/schemas/ProposalComment" } },
            "change_requests": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "string" }
            }}},
            "followers": { "type": "integer" }, "you_follow": { "type": "boolean" },
            "you_may": { "type": "object", "properties": {
                "support": { "type": "boolean" }, "comment": { "type": "boolean" }, "respond": { "type": "boolean" },
                "decide": { "type": "boolean" }, "follow": { "type": "boolean" }, "answer_with_change_request": { "type": "boolean" }
            }}
        }}]},
        "CommentInput": { "type": "object", "required": ["comment"], "properties": { "comment": { "type": "string", "minLength": 1, "maxLength": 2000 } } },
        "SupplierResponseInput": { "type": "object", "required": ["response"], "properties": { "response": { "type": "string", "minLength": 1, "maxLength": 5000 } } },
        "ProposalDecision": { "type": "object", "required": ["decision", "reason"], "properties": {
            "decision": { "type": "string", "enum": ["accept", "decline", "defer"] },
            "outcome": { "type": "string", "enum": ["change_request", "roadmap"], "description": "Required to accept" },
            "target_quarter": { "type": "string", "description": "Accepting onto the roadmap, optionally: a calendar quarter from this one, e.g. 2027-Q2" },
            "reason": { "type": "string", "minLength": 1, "maxLength": 2000 }
        }},
        "Following": { "type": "object", "properties": { "proposal_id": { "type": "string" }, "you_follow": { "type": "boolean" } } }
    });
    if let (Some(all), Value::Object(more)) = (spec["paths"].as_object_mut(), paths) {
        all.extend(more);
    }
    if let (Some(all), Value::Object(more)) = (spec["components"]["schemas"].as_object_mut(), schemas) {
        all.extend(more);
    }
    spec["components"]["schemas"]["ChangeRequest"]["properties"]["proposal_id"] =
        json!({ "type": "string", "nullable": true, "description": "The accepted proposal it answers" });
    spec["components"]["schemas"]["ProposeChanges"]["properties"]["proposal_id"] = json!({ "type": "string", "description": "Optional: a proposal on this framework accepted as a change request" });
}

/// Two-factor sign-in: the code at sign-in, and setting it up.
fn two_factor(spec: &mut Value) {
    let status = json!({ "type": "object", "properties": {
        "enabled": { "type": "boolean" }, "required": { "type": "boolean", "description": "Framework managers and organisation admins must use it" },
        "set_up_in_progress": { "type": "boolean" }, "recovery_codes_left": { "type": "integer" }
    }});
    let codes = json!({ "type": "object", "properties": {
        "enabled": { "type": "boolean" },
        "recovery_codes": { "type": "array", "items": { "type": "string" }, "description": "Each works once in place of a code; shown only now" }
    }});
    let mut started = problem_responses(&[]);
    started["201"] = json!({ "description": "A new key, replacing any set-up in progress", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TwoFactorKey" } } } });
    let paths = json!({
        "/account/two-factor": {
            "get": { "summary": "Whether two-factor sign-in is on, required, or being set up", "operationId": "getTwoFactor",
                     "responses": ok("Status", "TwoFactorStatus", &[]) },
            "post": { "summary": "Start setting up two-factor sign-in: a new key for an authenticator app (TOTP, SHA-1, 6 digits, 30 s). Refused (409) while it is on.",
                      "operationId": "startTwoFactor", "responses": started }
        },
        "/account/two-factor/confirm": { "post": {
            "summary": "Turn two-factor sign-in on with a code from the new key; returns the recovery codes once. A token held back for set-up becomes a full one.",
            "operationId": "confirmTwoFactor", "requestBody": json_body("TwoFactorCode"), "responses": ok("On", "RecoveryCodes", &["409"])
        }},
        "/account/two-factor/recovery-codes": { "post": {
            "summary": "Replace the recovery codes, with a current code", "operationId": "replaceRecoveryCodes",
            "requestBody": json_body("TwoFactorCode"), "responses": ok("New recovery codes", "RecoveryCodes", &[])
        }},
        "/account/two-factor/turn-off": { "post": {
            "summary": "Turn two-factor sign-in off, with a current code (refused, 403, for framework managers and organisation admins)",
            "operationId": "turnOffTwoFactor", "requestBody": json_body("TwoFactorCode"), "responses": ok("Off", "RecoveryCodes", &[])
        }}
    });
    let schemas = json!({
        "TwoFactorStatus": status,
        "TwoFactorKey": { "type": "object", "properties": {
            "secret": { "type": "string", "description": "Base32 key for an authenticator app" },
            "otpauth_uri": { "type": "string", "description": "The otpauth:// address a QR code carries" }
        }},
        "TwoFactorCode": { "type": "object", "required": ["code"], "properties": { "code": { "type": "string", "maxLength": 64 } } },
        "RecoveryCodes": codes
    });
    if let (Some(all), Value::Object(more)) = (spec["paths"].as_object_mut(), paths) {
        all.extend(more);
    }
    if let (Some(all), Value::Object(more)) = (spec["components"]["schemas"].as_object_mut(), schemas) {
        all.extend(more);
    }
    spec["components"]["schemas"]["SignIn"]["properties"]["code"] = json!({ "type": "string", "maxLength": 64,
        "description": "Required for people with two-factor sign-in: the 6-digit code from their authenticator app, or a recovery code (422 naming `code` when missing or wrong)" });
    spec["components"]["schemas"]["Session"]["properties"]["two_factor_set_up_required"] = json!({ "type": "boolean",
        "description": "A framework manager or organisation admin without two-factor sign-in: until it is set up (/account/two-factor), the token reaches nothing else (403)" });
}

/// Everything but governance.
fn core() -> Value {
    let read_errors = ["401", "404"];
    let mut place_responses = problem_responses(&["400", "401", "403", "409", "415", "422"]);
    place_responses["201"] = json!({
        "description": "Placed; or, when the buyer's approval rules cover its value, a `draft` awaiting approval that holds its headroom (see `approvals`). A retried Idempotency-Key returns the call-off created the first time, with Idempotent-Replayed: true.",
        "headers": { "Location": { "schema": { "type": "string" } }, "Idempotent-Replayed": { "schema": { "type": "string" } } },
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CallOff" } } }
    });
    let mut session_responses = problem_responses(&["400", "415", "422"]);
    session_responses["201"] = json!({ "description": "Signed in", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Session" } } } });
    let mut registered = problem_responses(&["400", "415", "422"]);
    registered["201"] = json!({ "description": "Registered, pending verification", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OrganisationDecision" } } } });
    let mut invited = problem_responses(&["400", "401", "403", "415", "422"]);
    invited["201"] = json!({ "description": "Invited", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Changed" } } } });
    let mut joined = problem_responses(&["400", "404", "409", "415", "422"]);
    joined["201"] = json!({ "description": "Joined", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Changed" } } } });
    let mut milestone_recorded = problem_responses(&["400", "401", "403", "404", "409", "415", "422"]);
    milestone_recorded["201"] = json!({ "description": "Recorded", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CallOff" } } } });
    let mut varied = problem_responses(&["400", "401", "403", "404", "409", "415", "422"]);
    varied["201"] = json!({ "description": "Varied: the call-off, with `variation` (status applied, number, values, cumulative change, warning)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CallOff" } } } });
    varied["202"] = json!({ "description": "The increase needs approval under the buyer's rules: the call-off as it stands, with `variation` (status awaiting_approval, approval_request_id); the increase's headroom is held meanwhile", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CallOff" } } } });
    let mut change_proposed = problem_responses(&["400", "401", "403", "404", "415", "422"]);
    change_proposed["201"] = json!({ "description": "Submitted", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChangeRequestView" } } } });
    let mut indexation_proposed = problem_responses(&["400", "401", "403", "404", "415", "422"]);
    indexation_proposed["201"] = json!({ "description": "Submitted", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChangeRequest" } } } });
    let mut sign_out_responses = problem_responses(&["401"]);
    sign_out_responses["204"] = json!({ "description": "Signed out" });

    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "calloff API",
            "version": "1.0.0",
            "description": "Buy through public-sector framework agreements: browse catalogues, price quotes, place and decide call-offs. Money is integer pence; unit prices are integer millionths of a pound. Errors are RFC 9457 problem details."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": {
            "/sessions": { "post": {
                "summary": "Sign in and get a bearer token", "security": [], "operationId": "signIn",
                "requestBody": json_body("SignIn"), "responses": session_responses
            }},
            "/sessions/current": { "delete": { "summary": "Sign out (revoke this token)", "operationId": "signOut", "responses": sign_out_responses }},
            "/frameworks": { "get": { "summary": "Frameworks", "operationId": "listFrameworks", "responses": ok("Frameworks", "FrameworkList", &read_errors) }},
            "/frameworks/{id}": { "get": {
                "summary": "A framework with its ceiling, committed value and headroom, overall and per lot", "operationId": "getFramework",
                "parameters": [id_param("id", "Framework id")], "responses": ok("The framework", "FrameworkOverview", &read_errors)
            }},
            "/frameworks/{id}/items": { "get": {
                "summary": "Search a framework's catalogue", "operationId": "searchItems",
                "parameters": [
                    id_param("id", "Framework id"),
                    { "name": "q", "in": "query", "schema": { "type": "string", "maxLength": 200 }, "description": "Words of the name, description, SKU or CPV code; each word matches as a prefix and all must match" },
                    { "name": "lot", "in": "query", "schema": { "type": "integer", "minimum": 1 }, "description": "Only this lot" },
                    { "name": "unit", "in": "query", "schema": { "type": "string", "enum": ["per_month", "per_user_per_month", "one_off", "per_minute", "per_gb"] } },
                    { "name": "price_band", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": 3 }, "description": "0 under £10, 1 £10 to £100, 2 £100 to £1,000, 3 £1,000 or more (unit price ex VAT)" },
                    { "name": "term_band", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": 4 }, "description": "Minimum term: 0 none, 1 up to 12 months, 2 13 to 24, 3 25 to 36, 4 over 36" },
                    { "name": "supplier", "in": "query", "schema": { "type": "string" }, "description": "Supplier organisation id" },
                    { "name": "sort", "in": "query", "schema": { "type": "string", "enum": ["relevance", "price_low", "price_high", "name"] }, "description": "Relevance: an exact SKU first, then items whose name has every word" },
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 }, "description": "20 items a page" }
                ],
                "responses": ok("A page of matching items, the facets of all of them, and suggestions when none match", "SearchResults", &["401", "404", "422"])
            }},
            "/items/{id}": { "get": { "summary": "A catalogue item", "operationId": "getItem", "parameters": [id_param("id", "Item id")], "responses": ok("The item", "Item", &read_errors) }},
            "/quotes": { "post": {
                "summary": "Price a basket at today's catalogue prices (writes nothing)", "operationId": "priceQuote",
                "requestBody": json_body("QuoteRequest"), "responses": ok("The priced quote", "Quote", &["400", "401", "415", "422"])
            }},
            "/call-offs": {
                "get": {
                    "summary": "Call-offs of the user's organisation (buyers) or addressed to the user's supplier (supplier users), most recently changed first",
                    "operationId": "listCallOffs",
                    "parameters": [{ "name": "cursor", "in": "query", "schema": { "type": "string" }, "description": "next_cursor from the previous page" }],
                    "responses": ok("A page of call-offs", "CallOffPage", &["401", "422"])
                },
                "post": {
                    "summary": "Place a direct-award call-off", "operationId": "placeCallOff",
                    "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": true, "schema": { "type": "string", "maxLength": 100 }, "description": "A retry with the same key and body returns the first call-off; with another body it is refused (409)" }],
                    "requestBody": json_body("PlaceCallOff"), "responses": place_responses
                }
            },
            "/call-offs/{id}": { "get": { "summary": "A call-off", "operationId": "getCallOff", "parameters": [id_param("id", "Call-off id")], "responses": ok("The call-off", "CallOff", &read_errors) }},
            "/call-offs/{id}/milestones": { "post": {
                "summary": "Record a provisioning milestone (the supplier, while the call-off is accepted); dates run in order",
                "operationId": "recordMilestone", "parameters": [id_param("id", "Call-off id")],
                "requestBody": json_body("Milestone"), "responses": milestone_recorded
            }},
            "/call-offs/{id}/variations": { "post": {
                "summary": "Vary an accepted or live call-off (its buyer): the full new set of lines. Kept lines keep their prices and terms may only be extended; the value is re-checked against the ceilings, and a warning is given past the framework's modification limit.",
                "operationId": "varyCallOff", "parameters": [id_param("id", "Call-off id")],
                "requestBody": json_body("Variation"), "responses": varied
            }},
            "/call-offs/{id}/{action}": { "post": {
                "summary": "Move a call-off on: accept, reject (supplier, with reason), go-live (supplier), end (on or after its end date), terminate (early, with reason), cancel (buyer, with reason), withdraw (buyer: the request awaiting approval, releasing its headroom), resubmit (buyer: a returned, withdrawn or expired draft)",
                "operationId": "actOnCallOff",
                "parameters": [id_param("id", "Call-off id"), { "name": "action", "in": "path", "required": true, "schema": { "type": "string", "enum": ["accept", "reject", "go-live", "end", "terminate", "cancel", "withdraw", "resubmit"] } }],
                "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Reason" } } } },
                "responses": ok("The call-off after the change", "CallOff", &["400", "401", "403", "404", "409", "422"])
            }},
            "/frameworks/{id}/change-requests": {
                "get": {
                    "summary": "The framework's catalogue change requests, newest first: all of them for its manager, a supplier's own for its users",
                    "operationId": "listChangeRequests", "parameters": [id_param("id", "Framework id")],
                    "responses": ok("Change requests", "ChangeRequestList", &["401", "403", "404"])
                },
                "post": {
                    "summary": "Propose changes to the supplier's items (new items, edits, price changes, withdrawals), each from an effective date, as one request for the framework manager to approve. The whole request is checked first; every error names changes[i].field and nothing is written unless all are valid.",
                    "operationId": "proposeChanges", "parameters": [id_param("id", "Framework id")],
                    "requestBody": json_body("ProposeChanges"), "responses": change_proposed
                }
            },
            "/frameworks/{id}/indexation": { "post": {
                "summary": "Propose the annual price indexation: every price of the supplier's items up by at most the framework's cap, from an effective date, once a year",
                "operationId": "proposeIndexation", "parameters": [id_param("id", "Framework id")],
                "requestBody": json_body("Indexation"), "responses": indexation_proposed
            }},
            "/change-requests/{id}": { "get": {
                "summary": "A change request with a page of its changes, each beside the version in force",
                "operationId": "getChangeRequest",
                "parameters": [id_param("id", "Change request id"), { "name": "after", "in": "query", "schema": { "type": "integer" }, "description": "next_after from the previous page" }],
                "responses": ok("The request", "ChangeRequestView", &read_errors)
            }},
            "/change-requests/{id}/{decision}": { "post": {
                "summary": "Approve a change request, or reject it with a reason (the framework's manager). Approved changes apply from their effective dates.",
                "operationId": "decideChangeRequest",
                "parameters": [id_param("id", "Change request id"), { "name": "decision", "in": "path", "required": true, "schema": { "type": "string", "enum": ["approve", "reject"] } }],
                "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Reason" } } } },
                "responses": ok("The request after the decision", "ChangeRequest", &["400", "401", "403", "404", "409", "422"])
            }},
            "/items/{id}/versions": { "get": {
                "summary": "Every version of an item, oldest first, with the date each was in force from",
                "operationId": "getItemVersions", "parameters": [id_param("id", "Item id")],
                "responses": ok("Versions", "ItemVersions", &read_errors)
            }},
            "/items/{id}/demand-bands": { "post": {
                "summary": "Set an item's demand bands (the framework's manager): once the quantity bought across the framework reaches a band, new call-offs by everyone pay its price. Each change is a new version of the item, in force from today.",
                "operationId": "setDemandBands", "parameters": [id_param("id", "Item id")],
                "requestBody": json_body("DemandBandsInput"),
                "responses": ok("The item with its bands", "Item", &["400", "401", "403", "404", "415", "422"])
            }},
            "/frameworks/{id}/catalogue/as-of": { "get": {
                "summary": "The catalogue as it stood, or will stand, at the end of a day: each item's version then in force (at most 1,000 items; truncated says if there were more)",
                "operationId": "getCatalogueAsOf",
                "parameters": [id_param("id", "Framework id"), { "name": "date", "in": "query", "required": true, "schema": { "type": "string", "format": "date" }, "description": "A future date includes the approved changes due by then (items to be added have no item_id yet)" }],
                "responses": ok("The catalogue on that date", "CatalogueAsOf", &["401", "404", "422"])
            }},
            "/frameworks/{id}/catalogue-settings": {
                "get": {
                    "summary": "The framework's indexation cap and whether item pages name the bodies that bought each item",
                    "operationId": "getCatalogueSettings", "parameters": [id_param("id", "Framework id")],
                    "responses": ok("The settings", "CatalogueSettings", &["401", "404"])
                },
                "post": {
                    "summary": "Set the indexation cap (0 to 2,500 basis points) and whether buyers are named (the framework's manager)",
                    "operationId": "setCatalogueSettings", "parameters": [id_param("id", "Framework id")],
                    "requestBody": json_body("CatalogueSettings"),
                    "responses": ok("The settings now in force", "CatalogueSettings", &["400", "401", "403", "404", "415", "422"])
                }
            },
            "/approvals": { "get": {
                "summary": "Requests of the approver's organisation awaiting approval, oldest first, each saying whether this approver may decide",
                "operationId": "listAwaitingApproval", "responses": ok("Requests", "AwaitingApprovalList", &["401", "403"])
            }},
            "/approvals/{id}/decision": { "post": {
                "summary": "Approve, or return with a comment, a request of the approver's organisation. Nobody decides on their own call-off; each approver decides once. The last approval places the call-off or applies the variation.",
                "operationId": "decideApproval", "parameters": [id_param("id", "Approval request id")],
                "requestBody": json_body("ApprovalDecision"),
                "responses": ok("The outcome", "ApprovalOutcome", &["400", "401", "403", "404", "409", "415", "422"])
            }},
            "/organisation/approval-rules": {
                "get": {
                    "summary": "The signed-in user's organisation's approval rules", "operationId": "getApprovalRules",
                    "responses": ok("The rules", "ApprovalRules", &["401"])
                },
                "post": {
                    "summary": "Replace the organisation's approval rules (organisation admins)", "operationId": "setApprovalRules",
                    "requestBody": json_body("ApprovalRulesInput"),
                    "responses": ok("The rules now in force", "ApprovalRules", &["400", "401", "403", "415", "422"])
                }
            },
            "/organisations": { "post": {
                "summary": "Register an organisation (pending verification) and its first user, who becomes its admin and a buyer",
                "security": [], "operationId": "registerOrganisation",
                "requestBody": json_body("Registration"), "responses": registered
            }},
            "/organisations/pending": { "get": {
                "summary": "Organisations waiting for verification (framework managers)", "operationId": "listPendingOrganisations",
                "responses": ok("Organisations", "OrganisationList", &["401", "403"])
            }},
            "/organisations/{id}/{decision}": { "post": {
                "summary": "Verify an organisation, or reject it with a reason (framework managers)", "operationId": "decideOrganisation",
                "parameters": [id_param("id", "Organisation id"), { "name": "decision", "in": "path", "required": true, "schema": { "type": "string", "enum": ["verify", "reject"] } }],
                "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Reason" } } } },
                "responses": ok("The decision", "OrganisationDecision", &["400", "401", "403", "404", "409", "422"])
            }},
            "/frameworks/{id}/eligibility": { "get": {
                "summary": "The framework's eligibility register: kinds of body admitted and bodies named", "operationId": "getEligibility",
                "parameters": [id_param("id", "Framework id")], "responses": ok("The register", "EligibilityRegister", &read_errors)
            }},
            "/organisation/people": { "get": {
                "summary": "The users of the signed-in admin's organisation", "operationId": "listPeople",
                "responses": ok("People", "People", &["401", "403"])
            }},
            "/organisation/invitations": { "post": {
                "summary": "Invite someone by email, with roles; the single-use link expires after 7 days and is sent only by email",
                "operationId": "invitePerson", "requestBody": json_body("Invitation"),
                "responses": invited
            }},
            "/organisation/people/{id}/{change}": { "post": {
                "summary": "Set a user's roles (body: roles), or deactivate them", "operationId": "changePerson",
                "parameters": [id_param("id", "User id"), { "name": "change", "in": "path", "required": true, "schema": { "type": "string", "enum": ["roles", "deactivate"] } }],
                "requestBody": { "required": false, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Roles" } } } },
                "responses": ok("Changed", "Changed", &["400", "401", "403", "404", "422"])
            }},
            "/invitations/{token}": { "post": {
                "summary": "Accept an invitation: choose a name and password. Works once, before it expires.", "security": [],
                "operationId": "acceptInvitation", "parameters": [id_param("token", "The token from the invitation email")],
                "requestBody": json_body("Acceptance"), "responses": joined
            }},
            "/notifications": { "get": {
                "summary": "The signed-in user's notifications, newest first, with their email delivery state",
                "operationId": "listNotifications", "responses": ok("Notifications", "NotificationList", &["401"])
            }},
            "/notifications/read": { "post": {
                "summary": "Mark all the signed-in user's notifications as read", "operationId": "markNotificationsRead",
                "responses": ok("How many were marked", "MarkedRead", &["401"])
            }}
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Problem": { "type": "object", "required": ["type", "title", "status"], "properties": {
                    "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" }, "detail": { "type": "string" },
                    "errors": { "type": "array", "description": "Every field at fault, named as the client sent it (`lines[0].quantity`, a query parameter, or a header such as `Idempotency-Key`)",
                        "items": { "type": "object", "properties": { "field": { "type": "string" }, "message": { "type": "string" } } } },
                    "refused_by": { "type": "string", "enum": ["framework", "lot"], "description": "headroom-exceeded only: which ceiling refused" },
                    "lot": { "type": "integer", "description": "headroom-exceeded by a lot: its number" },
                    "value_pence": { "type": "integer", "format": "int64", "description": "headroom-exceeded only: the value that did not fit" },
                    "headroom_left_pence": { "type": "integer", "format": "int64", "description": "headroom-exceeded only: the headroom left under that ceiling" }
                }},
                "Money": { "type": "object", "properties": { "pence": { "type": "integer", "format": "int64" }, "display": { "type": "string", "example": "£1,234.56" } } },
                "SignIn": { "type": "object", "required": ["email", "password"], "properties": { "email": { "type": "string" }, "password": { "type": "string" } } },
                "Session": { "type": "object", "properties": { "token": { "type": "string" }, "token_type": { "type": "string" }, "expires_in_seconds": { "type": "integer" }, "user": { "type": "object" } } },
                "Spend": { "type": "object", "properties": {
                    "ceiling": { "$ref": "#/components/schemas/Money" }, "committed": { "$ref": "#/components/schemas/Money" },
                    "headroom": { "$ref": "#/components/schemas/Money" },
                    "basis_points_used": { "type": "integer", "description": "Share of the ceiling committed, in hundredths of a percent" }
                }},
                "Framework": { "type": "object", "properties": {
                    "id": { "type": "string" }, "reference": { "type": "string" }, "title": { "type": "string" },
                    "status": { "type": "string", "enum": ["draft", "live", "expired", "suspended"] },
                    "maximum_value": { "$ref": "#/components/schemas/Money" }, "start_date": { "type": "string", "format": "date" }, "end_date": { "type": "string", "format": "date" }
                }},
                "FrameworkList": { "type": "object", "properties": { "frameworks": { "type": "array", "items": { "$ref": "#/components/schemas/Framework" } } } },
                "FrameworkOverview": { "allOf": [{ "$ref": "#/components/schemas/Framework" }, { "type": "object", "properties": {
                    "spend": { "$ref": "#/components/schemas/Spend" }, "eligible_bodies": { "type": "integer" },
                    "savings": { "type": "object", "description": "Saved against list prices on call-offs that went ahead: all_buyers and your_organisation (Money)" },
                    "volume_savings": { "type": "object", "description": "Saved through quantity tiers and demand bands, against catalogue prices, on call-offs that went ahead: all_buyers and your_organisation (Money)" },
                    "lots": { "type": "array", "items": { "type": "object", "properties": {
                        "number": { "type": "integer" }, "title": { "type": "string" }, "item_count": { "type": "integer" },
                        "spend": { "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Spend" }] }
                    }}}
                }}]},
                "Item": { "type": "object", "properties": {
                    "id": { "type": "string" }, "framework_id": { "type": "string" }, "lot": { "type": "integer" }, "sku": { "type": "string" },
                    "name": { "type": "string" }, "description": { "type": "string" },
                    "unit": { "type": "string", "enum": ["per_month", "per_user_per_month", "one_off", "per_minute", "per_gb"] },
                    "unit_price_micros": { "type": "integer", "format": "int64", "description": "Millionths of a pound, excluding VAT" },
                    "minimum_term_months": { "type": "integer" }, "cpv": { "type": "string" },
                    "list_price_micros": { "type": "integer", "nullable": true },
                    "quantity_tiers": { "$ref": "#/components/schemas/PriceBreaks" },
                    "demand_bands": { "$ref": "#/components/schemas/PriceBreaks" },
                    "prices_paid": { "type": "object", "description": "On GET /items/{id}: how many bodies bought the item, on how many call-off lines, and the median, lowest and highest unit prices paid (micros and display); buyers named only if the framework allows it" }
                }},
                "SearchResults": { "type": "object", "properties": {
                    "items": { "type": "array", "items": { "$ref": "#/components/schemas/Item" } },
                    "total": { "type": "integer" }, "page": { "type": "integer" }, "pages": { "type": "integer" },
                    "facets": { "type": "object", "description": "lot, unit, price_band, term_band and supplier: each a list of { value, label, count }" },
                    "suggestions": { "type": "array", "items": { "type": "object", "properties": {
                        "label": { "type": "string" }, "count": { "type": "integer" }, "query": { "type": "string", "description": "query parameters of the loosened search" }
                    }}}
                }},
                "LineInput": { "type": "object", "required": ["sku", "quantity", "term_months"], "properties": {
                    "sku": { "type": "string" }, "quantity": { "type": "integer", "minimum": 1, "maximum": 100000 },
                    "term_months": { "type": "integer", "minimum": 1, "maximum": 120 },
                    "monthly_usage": { "type": "integer", "minimum": 1, "description": "Estimated minutes or GB per month for each unit; required for per-minute and per-GB items" }
                }},
                "QuoteRequest": { "type": "object", "required": ["framework_id", "lines"], "properties": {
                    "framework_id": { "type": "string" }, "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineInput" } }
                }},
                "PlaceCallOff": { "type": "object", "required": ["framework_id", "lines", "cost_centre"], "properties": {
                    "framework_id": { "type": "string" }, "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineInput" } },
                    "cost_centre": { "type": "string", "maxLength": 40, "description": "What the buyer charges the call-off to" }
                }},
                "Line": { "type": "object", "properties": {
                    "sku": { "type": "string" }, "name": { "type": "string" }, "unit": { "type": "string" }, "unit_price_micros": { "type": "integer" },
                    "quantity": { "type": "integer" }, "term_months": { "type": "integer" }, "monthly_usage": { "type": "integer", "nullable": true },
                    "value": { "$ref": "#/components/schemas/Money" },
                    "price_basis": { "type": "object", "description": "Why the line pays its unit price: { basis: catalogue } or { basis: quantity_tier | demand_band, from }" },
                    "catalogue_price_micros": { "type": "integer", "nullable": true, "description": "The catalogue price a tier or band replaced" },
                    "catalogue_value": { "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Money" }], "description": "The line at the catalogue price" },
                    "volume_saving": { "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Money" }] },
                    "next_band": { "type": "object", "nullable": true, "description": "On quotes: the next demand band, how many more units must be bought across the framework to reach it, and its price" },
                    "item_version": { "type": "integer", "nullable": true }
                }},
                "PriceBreaks": { "type": "array", "items": { "type": "object", "properties": {
                    "from": { "type": "integer" }, "unit_price_micros": { "type": "integer" }, "unit_price_display": { "type": "string" }
                }}},
                "DemandBandsInput": { "type": "object", "required": ["demand_bands"], "properties": {
                    "demand_bands": { "type": "string", "example": "5000 = 3.20; 20000 = 2.90", "description": "Empty for none" }
                }},
                "CatalogueSettings": { "type": "object", "required": ["indexation_cap_bp", "names_buyers"], "properties": {
                    "indexation_cap_bp": { "type": "integer", "minimum": 0, "maximum": 2500 },
                    "names_buyers": { "type": "boolean" }
                }},
                "CatalogueAsOf": { "type": "object", "properties": {
                    "date": { "type": "string", "format": "date" }, "truncated": { "type": "boolean" },
                    "items": { "type": "array", "items": { "type": "object", "description": "An item version, with item_id and sku" } }
                }},
                "Totals": { "type": "object", "properties": {
                    "contract_value": { "$ref": "#/components/schemas/Money" }, "vat": { "$ref": "#/components/schemas/Money" }, "total_inc_vat": { "$ref": "#/components/schemas/Money" }
                }},
                "Quote": { "type": "object", "properties": {
                    "framework_id": { "type": "string" },
                    "route_to_market": { "type": "object", "description": "Whether a direct award applies, and why", "properties": {
                        "route": { "type": "string", "enum": ["direct_award", "further_competition"] },
                        "reasons": { "type": "array", "items": { "type": "string" } }
                    }},
                    "lines": { "type": "array", "items": { "$ref": "#/components/schemas/Line" } }, "totals": { "$ref": "#/components/schemas/Totals" }
                }},
                "CallOff": { "type": "object", "properties": {
                    "id": { "type": "string" }, "reference": { "type": "string" },
                    "state": { "type": "string", "enum": ["draft", "placed", "accepted", "rejected", "live", "ended", "cancelled"] },
                    "framework": { "type": "object" }, "buyer": { "type": "object" }, "supplier": { "type": "object" },
                    "lines": { "type": "array", "items": { "$ref": "#/components/schemas/Line" } }, "totals": { "$ref": "#/components/schemas/Totals" },
                    "rejection_reason": { "type": "string", "nullable": true }, "placed_at": { "type": "string", "format": "date-time" },
                    "updated_at": { "type": "string", "format": "date-time" }, "change_seq": { "type": "integer" },
                    "live_on": { "type": "string", "format": "date", "nullable": true }, "ends_on": { "type": "string", "format": "date", "nullable": true },
                    "milestones": { "type": "array", "items": { "$ref": "#/components/schemas/Milestone" } },
                    "cost_centre": { "type": "string", "nullable": true },
                    "approvals": { "type": "array", "items": { "$ref": "#/components/schemas/ApprovalRequest" } },
                    "variations": { "type": "array", "items": { "type": "object", "properties": {
                        "number": { "type": "integer" }, "previous_value": { "$ref": "#/components/schemas/Money" },
                        "new_value": { "$ref": "#/components/schemas/Money" }, "original_value": { "$ref": "#/components/schemas/Money" },
                        "over_modification_limit": { "type": "boolean" }, "varied_at": { "type": "string", "format": "date-time" }
                    }}}
                }},
                "ChangeInput": { "type": "object", "required": ["kind", "sku", "effective_from"], "properties": {
                    "kind": { "type": "string", "enum": ["add", "edit", "price", "withdraw"] },
                    "sku": { "type": "string", "maxLength": 40 }, "effective_from": { "type": "string", "format": "date" },
                    "lot": { "type": "integer", "description": "add and edit" }, "name": { "type": "string", "maxLength": 200 },
                    "description": { "type": "string", "maxLength": 2000 },
                    "unit": { "type": "string", "enum": ["per_month", "per_user_per_month", "one_off", "per_minute", "per_gb"] },
                    "price": { "type": "string", "description": "Pounds excluding VAT, up to six decimal places: add, edit and price" },
                    "minimum_term_months": { "type": "integer", "minimum": 0, "maximum": 120 }, "cpv": { "type": "string" },
                    "list_price": { "type": "string", "description": "Optional, add and edit: the off-framework price in pounds" },
                    "quantity_tiers": { "type": "string", "example": "100 = 3.50; 1000 = 3.00", "description": "Optional, add and edit: lower prices from a quantity on one line up, each below the price. An edit sets every detail, so an edit without it removes the item's tiers (as without list_price, its list price)" }
                }},
                "ProposeChanges": { "type": "object", "required": ["title", "changes"], "properties": {
                    "title": { "type": "string", "maxLength": 200 },
                    "changes": { "type": "array", "items": { "$ref": "#/components/schemas/ChangeInput" } }
                }},
                "Indexation": { "type": "object", "required": ["uplift_basis_points", "effective_from"], "properties": {
                    "uplift_basis_points": { "type": "integer", "minimum": 1, "description": "350 = 3.5%; at most the framework's cap" },
                    "effective_from": { "type": "string", "format": "date" }
                }},
                "ChangeRequest": { "type": "object", "properties": {
                    "id": { "type": "string" }, "framework_id": { "type": "string" }, "supplier_id": { "type": "string" },
                    "title": { "type": "string" }, "status": { "type": "string", "enum": ["submitted", "approved", "rejected"] },
                    "indexation_basis_points": { "type": "integer", "nullable": true }, "change_count": { "type": "integer" },
                    "submitted_by": { "type": "string" }, "submitted_at": { "type": "string", "format": "date-time" },
                    "decided_by": { "type": "string", "nullable": true }, "decided_at": { "type": "string", "nullable": true },
                    "decision_reason": { "type": "string", "nullable": true }
                }},
                "ChangeRequestList": { "type": "object", "properties": { "change_requests": { "type": "array", "items": { "$ref": "#/components/schemas/ChangeRequest" } } } },
                "ChangeRequestView": { "allOf": [{ "$ref": "#/components/schemas/ChangeRequest" }, { "type": "object", "properties": {
                    "changes": { "type": "array", "items": { "type": "object", "properties": {
                        "position": { "type": "integer" }, "kind": { "type": "string" }, "sku": { "type": "string" },
                        "effective_from": { "type": "string", "format": "date" },
                        "status": { "type": "string", "enum": ["proposed", "scheduled", "applied", "rejected"] },
                        "applied_at": { "type": "string", "nullable": true }, "details": { "type": "object", "nullable": true },
                        "new_price_micros": { "type": "integer", "nullable": true },
                        "current": { "nullable": true, "allOf": [{ "$ref": "#/components/schemas/Item" }] },
                        "diff": { "type": "array", "items": { "type": "object", "properties": {
                            "field": { "type": "string" }, "now": { "type": "string" }, "proposed": { "type": "string" }
                        }}}
                    }}},
                    "next_after": { "type": "integer", "nullable": true }
                }}]},
                "ItemVersions": { "type": "object", "properties": {
                    "item_id": { "type": "string" },
                    "versions": { "type": "array", "items": { "type": "object", "properties": {
                        "version": { "type": "integer" }, "effective_from": { "type": "string", "format": "date" },
                        "withdrawn": { "type": "boolean" }, "change_request_id": { "type": "string", "nullable": true },
                        "details": { "type": "object" },
                        "demand_bands": { "$ref": "#/components/schemas/PriceBreaks" }
                    }}}
                }},
                "ApprovalRequest": { "type": "object", "properties": {
                    "id": { "type": "string" }, "call_off_id": { "type": "string" },
                    "kind": { "type": "string", "enum": ["submission", "variation"] },
                    "value": { "$ref": "#/components/schemas/Money" },
                    "approvers_required": { "type": "integer" }, "approvals_given": { "type": "integer" },
                    "status": { "type": "string", "enum": ["awaiting", "approved", "returned", "withdrawn", "expired"] },
                    "requested_by": { "type": "string" }, "requested_at": { "type": "string", "format": "date-time" },
                    "expires_at": { "type": "string", "format": "date-time" }, "closed_at": { "type": "string", "nullable": true },
                    "decisions": { "type": "array", "items": { "type": "object", "properties": {
                        "approver": { "type": "object" }, "decision": { "type": "string", "enum": ["approve", "return"] },
                        "comment": { "type": "string" }, "decided_at": { "type": "string", "format": "date-time" }
                    }}}
                }},
                "AwaitingApprovalList": { "type": "object", "properties": { "approvals": { "type": "array", "items": { "allOf": [
                    { "$ref": "#/components/schemas/ApprovalRequest" },
                    { "type": "object", "properties": {
                        "call_off": { "type": "object" }, "you_may_decide": { "type": "boolean" }, "why_not": { "type": "string", "nullable": true }
                    }}
                ]}}}},
                "ApprovalDecision": { "type": "object", "required": ["decision"], "properties": {
                    "decision": { "type": "string", "enum": ["approve", "return"] },
                    "comment": { "type": "string", "maxLength": 2000, "description": "Required to return" }
                }},
                "ApprovalOutcome": { "type": "object", "properties": {
                    "outcome": { "type": "string", "enum": ["recorded", "approved", "returned"] },
                    "approvals_given": { "type": "integer" }, "approvers_required": { "type": "integer" }
                }},
                "ApprovalRules": { "type": "object", "properties": {
                    "thresholds": { "type": "array", "items": { "type": "object", "properties": {
                        "from_value": { "$ref": "#/components/schemas/Money" }, "approvers": { "type": "integer" }
                    }}},
                    "expiry_days": { "type": "integer" }
                }},
                "ApprovalRulesInput": { "type": "object", "required": ["thresholds"], "properties": {
                    "thresholds": { "type": "array", "maxItems": 10, "items": { "type": "object", "required": ["from_value_pence", "approvers"], "properties": {
                        "from_value_pence": { "type": "integer", "minimum": 0 }, "approvers": { "type": "integer", "minimum": 0, "maximum": 5 }
                    }}},
                    "expiry_days": { "type": "integer", "minimum": 1, "maximum": 365, "default": 30 }
                }},
                "CallOffPage": { "type": "object", "properties": {
                    "call_offs": { "type": "array", "items": { "$ref": "#/components/schemas/CallOff" } }, "next_cursor": { "type": "string", "nullable": true }
                }},
                "Notification": { "type": "object", "properties": {
                    "id": { "type": "string" }, "event": { "type": "string" }, "subject": { "type": "string" }, "body": { "type": "string" },
                    "link": { "type": "string" }, "created_at": { "type": "string", "format": "date-time" },
                    "sent_at": { "type": "string", "nullable": true }, "send_attempts": { "type": "integer" },
                    "last_error": { "type": "string", "nullable": true }, "read_at": { "type": "string", "nullable": true }
                }},
                "NotificationList": { "type": "object", "properties": { "notifications": { "type": "array", "items": { "$ref": "#/components/schemas/Notification" } } } },
                "MarkedRead": { "type": "object", "properties": { "marked_read": { "type": "integer" } } },
                "Registration": { "type": "object", "required": ["organisation_name", "kind", "identifier_scheme", "identifier", "your_name", "email", "password"], "properties": {
                    "organisation_name": { "type": "string" }, "kind": { "type": "string" },
                    "identifier_scheme": { "type": "string", "enum": ["GB-LAE", "GB-NHS", "GB-EDU", "GB-SHPE", "GB-COH", "GB-PPON", "ONS-GSS", "ONS-PFA"] },
                    "identifier": { "type": "string" }, "your_name": { "type": "string" }, "email": { "type": "string" }, "password": { "type": "string", "minLength": 10 }
                }},
                "Organisation": { "type": "object", "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" }, "kind": { "type": "string" },
                    "identifiers": { "type": "array", "items": { "type": "string" } }, "verification": { "type": "string", "enum": ["pending", "verified"] }
                }},
                "OrganisationList": { "type": "object", "properties": { "organisations": { "type": "array", "items": { "$ref": "#/components/schemas/Organisation" } } } },
                "OrganisationDecision": { "type": "object", "properties": { "id": { "type": "string" }, "decision": { "type": "string" }, "verification": { "type": "string" } } },
                "EligibilityRegister": { "type": "object", "properties": {
                    "framework_id": { "type": "string" }, "kinds": { "type": "array", "items": { "type": "string" } },
                    "named": { "type": "array", "items": { "$ref": "#/components/schemas/Organisation" } }
                }},
                "People": { "type": "object", "properties": { "people": { "type": "array", "items": { "type": "object", "properties": {
                    "id": { "type": "string" }, "name": { "type": "string" }, "email": { "type": "string" },
                    "roles": { "type": "array", "items": { "type": "string" } }, "status": { "type": "string", "enum": ["active", "invited", "deactivated"] }
                }}}}},
                "Invitation": { "type": "object", "required": ["email", "roles"], "properties": {
                    "email": { "type": "string" }, "roles": { "type": "array", "items": { "type": "string" } }
                }},
                "Roles": { "type": "object", "properties": { "roles": { "type": "array", "items": { "type": "string" } } } },
                "Acceptance": { "type": "object", "required": ["name", "password"], "properties": { "name": { "type": "string" }, "password": { "type": "string", "minLength": 10 } } },
                "Changed": { "type": "object" },
                "Variation": { "type": "object", "required": ["lines"], "properties": {
                    "lines": { "type": "array", "items": { "$ref": "#/components/schemas/LineInput" } }
                }},
                "Milestone": { "type": "object", "required": ["name", "done_on"], "properties": {
                    "name": { "type": "string", "maxLength": 200 }, "done_on": { "type": "string", "format": "date" }
                }},
                "Reason": { "type": "object", "properties": {
                    "reason": { "type": "string", "maxLength": 2000 },
                    "cost_centre": { "type": "string", "maxLength": 40, "description": "resubmit only: a corrected cost centre" }
                }}
            }
        }
    })
}
