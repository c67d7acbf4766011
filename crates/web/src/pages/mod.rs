//! Server-rendered pages. Every journey works without JavaScript: forms post back, and errors
//! are shown in an error summary whose links go to the fields.

mod approvals;
mod audit;
mod call_offs;
mod catalogue;
mod change_requests;
mod confidentiality;
mod frameworks;
mod home;
mod invoices;
mod levy_rules;
mod notices;
mod notifications;
mod organisations;
mod people;
mod place;
mod price_breaks;
mod proposals;
mod public;
mod quote;
mod register;
mod returns;
mod returns_import;
mod saved_quotes;
mod sign_in;
mod spend;
mod supplier_status;
mod transparency;
mod two_factor;
mod variations;

pub use saved_quotes::csv_download;

use crate::html::{layout, Chrome, Section};
use crate::routes::Routes;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use calloff_app::{Actor, AppError};
use maud::{html, Markup};

pub fn routes() -> Routes {
    Routes::new()
        .get("/", home::show)
        .get("/sign-in", sign_in::form)
        .post("/sign-in", sign_in::submit)
        .get("/sign-in/code", sign_in::code_form)
        .post("/sign-in/code", sign_in::submit_code)
        .get("/account/two-factor", two_factor::show)
        .post("/account/two-factor/set-up", two_factor::start)
        .post("/account/two-factor/confirm", two_factor::confirm)
        .post("/account/two-factor/recovery-codes", two_factor::new_recovery_codes)
        .post("/account/two-factor/turn-off", two_factor::turn_off)
        .post("/sign-out", sign_in::sign_out)
        .get("/register", organisations::register_form)
        .post("/register", organisations::register)
        .get("/organisations/pending", organisations::pending)
        .post("/organisations/{id}/{decision}", organisations::decide)
        .get("/frameworks/{id}/eligibility", organisations::eligibility)
        .get("/frameworks/{id}/call-offs", register::show)
        .get("/audit", audit::show)
        .get("/organisation/people", people::show)
        .post("/organisation/invitations", people::invite)
        .post("/organisation/people/{id}/{change}", people::change)
        .get("/invitations/{token}", people::accept_form)
        .post("/invitations/{token}", people::accept)
        .get("/frameworks", frameworks::list)
        .get("/frameworks/{id}", frameworks::overview)
        // Public, with no sign-in: the open data in pages (issue 12).
        .get("/open-data", public::index)
        .get("/frameworks/{id}/public", public::framework)
        .get("/frameworks/{id}/catalogue", catalogue::search)
        .get("/frameworks/{id}/spend", spend::framework)
        .get("/organisation/spend", spend::organisation)
        .get("/frameworks/{id}/confidentiality", confidentiality::show)
        .post("/frameworks/{id}/confidentiality", confidentiality::save)
        .get("/organisation/supplier-status", supplier_status::show)
        .post("/organisation/supplier-status", supplier_status::declare)
        .get("/organisation/transparency", transparency::show)
        .get("/organisation/transparency/contracts.csv", transparency::contracts_csv)
        .get("/organisation/transparency/spend.csv", transparency::spend_csv)
        .get("/items/{id}", catalogue::item)
        .post("/items/{id}/demand-bands", catalogue::set_demand_bands)
        .get("/frameworks/{id}/catalogue/as-of", catalogue::as_of)
        .get("/frameworks/{id}/catalogue-settings", frameworks::catalogue_settings)
        .post(
            "/frameworks/{id}/catalogue-settings",
            frameworks::save_catalogue_settings,
        )
        .get("/frameworks/{id}/change-requests", change_requests::list)
        .get("/frameworks/{id}/change-requests/new", change_requests::new_request)
        .post("/frameworks/{id}/change-requests", change_requests::submit)
        .post("/frameworks/{id}/indexation", change_requests::indexation)
        .get("/frameworks/{id}/change-requests/import", change_requests::import_form)
        .post(
            "/frameworks/{id}/change-requests/import",
            axum::handler::Handler::layer(
                change_requests::import,
                axum::extract::DefaultBodyLimit::max(change_requests::MAX_UPLOAD_BYTES),
            ),
        )
        .get("/change-requests/{id}", change_requests::show)
        .post("/change-requests/{id}/{decision}", change_requests::decide)
        .get("/frameworks/{id}/proposals", proposals::roadmap)
        .get("/frameworks/{id}/proposals/new", proposals::new_form)
        .post("/frameworks/{id}/proposals", proposals::raise)
        .get("/proposals/{id}", proposals::show)
        .post("/proposals/{id}/support", proposals::support)
        .post("/proposals/{id}/comments", proposals::comment)
        .post("/proposals/{id}/response", proposals::respond)
        .post("/proposals/{id}/decision", proposals::decide)
        .post("/proposals/{id}/follow", proposals::follow)
        .post("/proposals/{id}/unfollow", proposals::unfollow)
        .get("/quote", quote::show)
        .post("/quote", quote::update)
        .post("/quote/lines", quote::add_line)
        .get("/quote/place", place::review)
        .get("/quotes", saved_quotes::list)
        .post("/quotes", saved_quotes::save)
        .get("/quotes/{id}", saved_quotes::show)
        .get("/quotes/{id}/csv", saved_quotes::csv)
        .post("/quotes/{id}/open", saved_quotes::open)
        .post("/quotes/{id}/shares", saved_quotes::share)
        .get("/quotes/{id}/delete", saved_quotes::confirm_delete)
        .post("/quotes/{id}/delete", saved_quotes::delete)
        .get("/call-offs", call_offs::list)
        .post("/call-offs", place::place)
        .get("/call-offs/{id}", call_offs::show)
        .get("/call-offs/{id}/order-form", call_offs::order_form)
        .post("/call-offs/{id}/milestones", call_offs::record_milestone)
        .get("/call-offs/{id}/invoices/new", invoices::new_form)
        .post("/call-offs/{id}/invoices", invoices::submit)
        .get("/invoices", invoices::to_decide)
        .get("/notices", notices::list)
        .get("/call-offs/{id}/notices/record", notices::record_form)
        .get("/call-offs/{id}/notices/{notice}/ocds", notices::data)
        .post("/call-offs/{id}/notices", notices::record)
        .get("/invoices/upload", invoices::upload_form)
        .post(
            "/invoices/upload",
            axum::handler::Handler::layer(
                invoices::upload,
                axum::extract::DefaultBodyLimit::max(calloff_interop::ubl::MAX_BYTES),
            ),
        )
        .get("/invoices/{id}", invoices::show)
        .get("/invoices/{id}/ubl", invoices::ubl)
        .post("/invoices/{id}/decision", invoices::decide)
        .get("/frameworks/{id}/returns", returns::list)
        .get("/frameworks/{id}/returns/import", returns_import::form)
        .post(
            "/frameworks/{id}/returns/import",
            axum::handler::Handler::layer(
                returns_import::upload,
                axum::extract::DefaultBodyLimit::max(returns_import::MAX_UPLOAD_BYTES),
            ),
        )
        .get("/frameworks/{id}/levy-rules/new", levy_rules::new_form)
        .post("/frameworks/{id}/levy-rules", levy_rules::add)
        .get("/returns/{id}", returns::show)
        .post("/returns/{id}/submit", returns::submit)
        .post("/returns/{id}/no-business", returns::no_business)
        .post("/returns/{id}/correction", returns::correct)
        .get("/returns/{id}/levy-invoice", returns::levy_invoice)
        .get("/call-offs/{id}/vary", variations::form)
        .post("/call-offs/{id}/vary", variations::submit)
        .get("/call-offs/{id}/{action}", call_offs::reason_form)
        .post("/call-offs/{id}/{action}", call_offs::act)
        .get("/supplier/inbox", call_offs::inbox)
        .get("/approvals", approvals::awaiting)
        .get("/approvals/{id}", approvals::show)
        .post("/approvals/{id}/decision", approvals::decide)
        .get("/organisation/approval-rules", approvals::rules)
        .post("/organisation/approval-rules", approvals::save_rules)
        .get("/notifications", notifications::list)
        .post("/notifications/read", notifications::mark_read)
}

/// Form fields as posted, in order (repeated names are allowed).
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().trim().to_string()
    }
}

/// A fresh key for a form that creates something, so that pressing its button twice (or
/// resending it) creates one thing.
pub fn new_idempotency_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn render(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// A page for an error that is not a form error: not found, forbidden, or unexpected.
pub fn error_page(actor: Option<&Actor>, error: &AppError) -> Response {
    let status = crate::errors::classify(error).status;
    let (title, body) = match error {
        AppError::NotFound(what) => (
            "Page not found",
            format!("There is no {what} at this address, or you cannot see it."),
        ),
        AppError::Forbidden(why) => ("You cannot do this", format!("You cannot do this: {why}.")),
        AppError::Conflict(e) => ("This has changed", e.message.clone()),
        AppError::Invalid(_) | AppError::InvalidFields(_) => (
            "There is a problem",
            error
                .field_errors()
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        AppError::HeadroomExceeded { .. } => (
            "There is not enough headroom",
            format!("{}.", capitalised(&error.to_string())),
        ),
        AppError::Unauthenticated => ("Sign in", "Sign in to continue.".to_string()),
        AppError::RateLimited { .. } => ("Too many failed sign-ins", format!("{error}.")),
        AppError::Unexpected(_) => (
            "Sorry, there is a problem with the service",
            "Try again later.".to_string(),
        ),
    };
    let chrome = Chrome {
        title,
        actor,
        csrf_token: None,
        section: Section::None,
        errors: &[],
    };
    render(
        status,
        layout(
            chrome,
            html! {
                h1 class="govuk-heading-l" { (title) }
                p class="govuk-body" { (body) }
                p class="govuk-body" { a class="govuk-link" href="/frameworks" { "Go to frameworks" } }
            },
        ),
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

pub async fn not_found() -> Response {
    error_page(None, &AppError::NotFound("page".into()))
}

/// The page shown when a form's CSRF token is missing or wrong. Nothing is changed.
pub fn csrf_failure(actor: Option<&Actor>) -> Response {
    let chrome = Chrome {
        title: "Your form could not be sent",
        actor,
        csrf_token: None,
        section: Section::None,
        errors: &[],
    };
    render(
        StatusCode::FORBIDDEN,
        layout(
            chrome,
            html! {
                h1 class="govuk-heading-l" { "Your form could not be sent" }
                p class="govuk-body" {
                    "The form's security token (csrf_token) was missing or did not match your session, so nothing was changed. "
                    "Go back, reload the page and try again."
                }
            },
        ),
    )
}
