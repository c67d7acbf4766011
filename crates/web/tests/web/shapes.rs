//! Snapshots of key responses as a real site serves them, with ids, tokens and timestamps
//! redacted: a change to what clients receive shows up as a diff to review, beside the
//! OpenAPI document's snapshot. Each is also checked against the schema the document declares.

use crate::api::{new_key, Api};
use crate::browser::Site;
use calloff_test_support::Backend;
use serde_json::{json, Value};

/// Ids (UUIDs) and RFC 3339 timestamps vary from run to run; their places in the shape do not.
fn redacted(value: Value) -> Value {
    match value {
        Value::String(s) if calloff_domain::ids::is_id(&s) => json!("[id]"),
        Value::String(s) if chrono::DateTime::parse_from_rfc3339(&s).is_ok() => json!("[timestamp]"),
        Value::Array(items) => Value::Array(items.into_iter().map(redacted).collect()),
        Value::Object(members) => members.into_iter().map(|(k, v)| (k, redacted(v))).collect(),
        other => other,
    }
}

/// The schema the document declares for `path`'s `method` answering `status`.
fn declared(spec: &Value, method: &str, path: &str, status: &str) -> Value {
    let content = &spec["paths"][path][method]["responses"][status]["content"];
    let schema = content["application/json"]["schema"].clone();
    if schema.is_null() {
        content["application/problem+json"]["schema"].clone()
    } else {
        schema
    }
}

/// Checks `value` against `schema` (the subset of JSON Schema the generated document uses):
/// types, required members, no undeclared members, and `$ref`, `allOf`, `oneOf` and `enum`.
fn conforms(spec: &Value, value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    if let Some(name) = schema["$ref"].as_str() {
        let name = name.trim_start_matches("#/components/schemas/");
        return conforms(spec, value, &spec["components"]["schemas"][name], at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options
            .iter()
            .find(|o| conforms(spec, value, o, at).is_ok())
            .map(|_| ())
            .ok_or_else(|| format!("{at}: {value} matches none of {}", options.len()));
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            return Err(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let fits = |t: &str| match t {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|t| fits(t)) {
        return Err(format!("{at}: {value} is not {types:?}"));
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            conforms(spec, item, schema, &format!("{at}[{i}]"))?;
        }
    }
    if let Some(members) = value.as_object() {
        // allOf parts (flattened types) each declare some members: take them together.
        let mut parts = vec![schema.clone()];
        while let Some(i) = parts
            .iter()
            .position(|p| p.get("allOf").is_some() || p.get("$ref").is_some())
        {
            let part = parts.remove(i);
            if let Some(name) = part["$ref"].as_str() {
                parts.push(spec["components"]["schemas"][name.trim_start_matches("#/components/schemas/")].clone());
            }
            parts.extend(part["allOf"].as_array().cloned().unwrap_or_default());
        }
        let declared: serde_json::Map<String, Value> = parts
            .iter()
            .filter_map(|p| p["properties"].as_object())
            .flat_map(|p| p.clone())
            .collect();
        for required in parts.iter().filter_map(|p| p["required"].as_array()).flatten() {
            let name = required.as_str().unwrap_or_default();
            if !members.contains_key(name) {
                return Err(format!("{at}: required member {name} is missing"));
            }
        }
        for (name, member) in members {
            let schema = declared
                .get(name)
                .ok_or_else(|| format!("{at}: member {name} is not in the schema"))?;
            conforms(spec, member, schema, &format!("{at}.{name}"))?;
        }
    }
    Ok(())
}

/// Fails unless `value` fits what the document declares for the operation's `status`.
fn assert_served_as_documented(value: &Value, method: &str, path: &str, status: &str) {
    let spec = calloff_web::api::openapi::spec();
    let schema = declared(&spec, method, path, status);
    assert!(!schema.is_null(), "{method} {path} declares no {status} schema");
    if let Err(e) = conforms(&spec, value, &schema, "") {
        panic!("{method} {path} {status} differs from its schema: {e}");
    }
}

#[tokio::test]
async fn key_responses_are_as_reviewed() {
    let site = Site::start(Backend::Sqlite).await;
    let framework = site.t.framework_id.to_string();

    let session: Value = site
        .api()
        .post(format!("{}/api/v1/sessions", site.base))
        .json(&json!({ "email": "buyer@camden.example", "password": calloff_app::demo::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_served_as_documented(&session, "post", "/sessions", "201");
    insta::assert_json_snapshot!("session", redacted(session), { ".token" => "[token]" });

    let buyer = Api::sign_in(&site, "buyer@camden.example").await;
    let (_, overview) = buyer.get(&format!("/frameworks/{framework}")).await;
    assert_served_as_documented(&overview, "get", "/frameworks/{id}", "200");
    insta::assert_json_snapshot!("framework_overview", redacted(overview));

    let basket = json!({ "framework_id": framework, "cost_centre": "IT-4021", "order": crate::browser::order_json(),
        "lines": [{ "sku": "L1-ETH-1G", "quantity": 2, "term_months": 36 }, { "sku": "L3-CALL-GEO", "quantity": 1, "term_months": 12, "monthly_usage": 100_000 }] });
    let (status, quote, _) = buyer.post("/quotes", basket.clone(), None).await;
    assert_eq!(status, 200, "{quote}");
    assert_served_as_documented(&quote, "post", "/quotes", "200");
    insta::assert_json_snapshot!("quote", redacted(quote));

    let (status, call_off, _) = buyer.post("/call-offs", basket, Some(&new_key())).await;
    assert_eq!(status, 201, "{call_off}");
    assert_served_as_documented(&call_off, "post", "/call-offs", "201");
    insta::assert_json_snapshot!("call_off", redacted(call_off));

    let invalid = json!({ "framework_id": framework, "cost_centre": "IT-4021", "order": crate::browser::order_json(),
        "lines": [{ "sku": "NOPE", "quantity": 0, "term_months": 0 }, { "sku": "L1-ETH-1G", "quantity": 1, "term_months": 1 }] });
    let (status, problem, _) = buyer.post("/call-offs", invalid, Some(&new_key())).await;
    assert_eq!(status, 422, "{problem}");
    assert_served_as_documented(&problem, "post", "/call-offs", "422");
    insta::assert_json_snapshot!("invalid_fields_problem", redacted(problem));

    // Over lot 1's £70m ceiling but within the framework's £200m.
    let too_big = json!({ "framework_id": framework, "cost_centre": "IT-4021", "order": crate::browser::order_json(),
        "lines": [{ "sku": "L1-ETH-10G", "quantity": 1_500, "term_months": 36 }] });
    let (status, problem, _) = buyer.post("/call-offs", too_big, Some(&new_key())).await;
    assert_eq!(status, 409, "{problem}");
    assert_served_as_documented(&problem, "post", "/call-offs", "409");
    insta::assert_json_snapshot!("headroom_exceeded_problem", redacted(problem));
}
