//! The supplier uploads a month's MI return as a CSV or XLSX file, instead of having it
//! generated from invoices: checked whole, reconciled with the call-offs, errors listed by row
//! and column, nothing kept unless the whole file is valid.

use super::{error_page, render};
use crate::html::{csrf_field, error_for, input, layout, Chrome, Input, Section};
use crate::session::{PageUser, SignedInUpload};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::returns::{self, MiImportError, MiImportOptions};
use calloff_domain::ids::FrameworkId;
use calloff_domain::mi_return::Month;
use calloff_domain::FieldError;
use calloff_interop::csv_rows::CellError;
use maud::{html, Markup};

/// The largest file the page accepts; bigger returns go through `calloff import mi`.
pub const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

fn page(
    user: &PageUser,
    framework_id: &FrameworkId,
    errors: &[FieldError],
    cells: &[CellError],
    total: usize,
    period: &str,
) -> Markup {
    let chrome = Chrome {
        title: "Upload an MI return",
        actor: Some(&user.session.actor),
        csrf_token: Some(&user.session.csrf_token),
        section: Section::Frameworks,
        errors,
    };
    let file_error = error_for(errors, "file");
    layout(
        chrome,
        html! {
            a href={ "/frameworks/" (framework_id) "/returns" } class="govuk-back-link" { "Back to MI returns" }
            h1 class="govuk-heading-l" { "Upload an MI return" }
            p class="govuk-body" { "If you invoice outside calloff, upload the month's return as a CSV or XLSX file with a header row naming these columns, in any order:" }
            ul class="govuk-list govuk-list--bullet" {
                li { code { "order_reference" } ": the call-off's reference" }
                li { code { "customer_org_id" } ": the customer's org-id, like GB-LAE-CMD" }
                li { code { "lot" } ", " code { "sku" } " and, optionally, " code { "cpv" } }
                li { code { "quantity" } ", " code { "unit_price_gbp" } " (excluding VAT) and " code { "value_gbp" } " (quantity times unit price)" }
                li { "optionally " code { "vat_gbp" } }
                li { code { "invoice_number" } " and " code { "invoice_date" } " (year-month-day, in the month)" }
            }
            p class="govuk-body" {
                "Each row is checked against your call-offs: the order reference, the customer, the item, the price in force and what is left of the line's value. "
                "Nothing is kept unless every row is valid. A valid file becomes the month's submitted return, or a correction of it if it was already submitted."
            }
            (crate::html::file_errors(cells, total))
            form method="post" action={ "/frameworks/" (framework_id) "/returns/import" } enctype="multipart/form-data" novalidate {
                (csrf_field(&user.session.csrf_token))
                (input(Input {
                    error: error_for(errors, "period"),
                    hint: Some("Year and month, like 2026-11"),
                    ..Input::text("period", "Month of the return", period)
                }))
                (crate::html::file_upload("MI return (CSV or XLSX)", ".csv,.xlsx", file_error))
                button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { "Check and upload" }
            }
        },
    )
}

pub async fn form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> Response {
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    match returns::may_import(&state.app, actor, &framework_id).await {
        Ok(_) => {
            let last_month = Month::of(state.app.today()).previous().to_string();
            render(StatusCode::OK, page(&user, &framework_id, &[], &[], 0, &last_month))
        }
        Err(e) => error_page(Some(actor), &e),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedInUpload { user, fields, file }: SignedInUpload,
) -> Response {
    use calloff_interop::price_list::Format;
    let actor = &user.session.actor;
    let framework_id = FrameworkId::from_stored(id);
    if let Err(e) = returns::may_import(&state.app, actor, &framework_id).await {
        return error_page(Some(actor), &e);
    }
    let period = fields.text("period");
    let refuse = |errors: Vec<FieldError>, cells: &[CellError], total: usize| {
        render(
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&user, &framework_id, &errors, cells, total, &period),
        )
    };
    let month = Month::parse("period", &period);
    let file = file.filter(|f| !f.bytes.is_empty());
    let mut errors = Vec::new();
    if let Err(e) = &month {
        errors.push(e.clone());
    }
    if file.is_none() {
        errors.push(FieldError::new("file", "Choose a CSV or XLSX file"));
    }
    let (Ok(month), Some(file)) = (month, file) else {
        return refuse(errors, &[], 0);
    };
    let size = file.bytes.len() as u64;
    let format = Format::sniff(&file.bytes);
    let outcome = returns::import_file(
        &state.app,
        actor,
        &framework_id,
        month,
        (format, std::io::Cursor::new(file.bytes), size),
        MiImportOptions::default(),
        |_| {},
    )
    .await;
    match outcome {
        Ok(imported) => Redirect::to(&format!("/returns/{}?done=imported", imported.return_record.id)).into_response(),
        Err(MiImportError::Cells { errors, total }) => refuse(
            vec![FieldError::new(
                "file",
                format!(
                    "The file has {}, listed by row and column; nothing was kept",
                    calloff_domain::text::count(total, "error", "errors")
                ),
            )],
            &errors,
            total,
        ),
        Err(MiImportError::Stopped { .. }) => refuse(
            vec![FieldError::new("file", "The upload stopped; upload the file again")],
            &[],
            0,
        ),
        Err(MiImportError::App(e)) if !e.field_errors().is_empty() => refuse(e.field_errors(), &[], 0),
        Err(MiImportError::App(e)) => error_page(Some(actor), &e),
    }
}
