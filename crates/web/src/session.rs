//! Session cookies, bearer tokens and CSRF tokens.

use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use calloff_app::auth::{self, Session};
use calloff_app::AppError;

pub const SESSION_COOKIE: &str = "__Host-calloff_session";
/// Double-submit cookie protecting the sign-in form, before there is a session.
pub const SIGN_IN_COOKIE: &str = "__Host-calloff_sign_in";
/// The sign-in waiting for its second factor (a short-lived session of its own).
pub const SECOND_FACTOR_COOKIE: &str = "__Host-calloff_second_factor";

/// Where a person whose roles require two-factor sign-in sets it up. Until they have, their
/// session reaches only these paths (and signing out).
pub const TWO_FACTOR_PAGE: &str = "/account/two-factor";
const TWO_FACTOR_API: &str = "/api/v1/account/two-factor";

fn reachable_while_enrolling(path: &str) -> bool {
    path == "/sign-out"
        || path == "/api/v1/sessions/current"
        || path.starts_with(TWO_FACTOR_PAGE)
        || path.starts_with(TWO_FACTOR_API)
}

/// The path as requested (a nested router sees it without its prefix).
fn requested_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.path(), |original| original.0.path())
}

fn enrolment_first() -> AppError {
    AppError::Forbidden(format!(
        "set up two-factor sign-in first: framework managers and organisation admins must sign in with a code (see {TWO_FACTOR_API})"
    ))
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Secure, HttpOnly, SameSite=Lax, for the whole site.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age_seconds}; HttpOnly; Secure; SameSite=Lax")
}

pub fn clear_cookie(name: &str) -> String {
    set_cookie(name, "", 0)
}

/// Compares secrets in time that does not depend on where they first differ.
pub use calloff_app::auth::secrets_match as tokens_match;

/// A new token for a form posted without a session (signing in, registering, joining), with
/// the cookie that holds it for `minutes`: a double submit, as there is no session to hold it.
pub fn new_public_form(minutes: i64) -> (String, String) {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let cookie = set_cookie(SIGN_IN_COOKIE, &token, minutes * 60);
    (token, cookie)
}

/// The token of a form posted without a session, if it matches the form's own cookie;
/// otherwise the "form could not be sent" page.
pub fn public_form_token(headers: &HeaderMap, fields: &crate::pages::Fields) -> Result<String, Response> {
    let submitted = fields.get("csrf_token").unwrap_or_default();
    let expected = cookie(headers, SIGN_IN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !tokens_match(submitted, &expected) {
        return Err(crate::pages::csrf_failure(None));
    }
    Ok(expected)
}

tokio::task_local! {
    /// The signed-in person's unread notifications, for the page being answered: set by
    /// [`PageUser`] when it reads the session, shown in the navigation by the layout.
    static UNREAD_NOTIFICATIONS: std::cell::Cell<Option<i64>>;
}

/// Gives each page request its own place for [`unread_notifications`].
pub async fn page_context(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    UNREAD_NOTIFICATIONS
        .scope(std::cell::Cell::new(None), next.run(request))
        .await
}

/// The unread notifications of the person the page is for, if they are signed in.
pub fn unread_notifications() -> Option<i64> {
    UNREAD_NOTIFICATIONS.try_with(std::cell::Cell::get).ok().flatten()
}

/// A signed-in user of the pages (by cookie). Others are sent to the sign-in page.
pub struct PageUser {
    pub token: String,
    pub session: Session,
}

impl PageUser {
    pub fn csrf_ok(&self, submitted: Option<&str>) -> bool {
        submitted.is_some_and(|s| tokens_match(s, &self.session.csrf_token))
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(Redirect::to("/sign-in").into_response());
        };
        match auth::session(&state.app, &token).await {
            Ok(session) if session.enrolling && !reachable_while_enrolling(requested_path(parts)) => {
                Err(Redirect::to(TWO_FACTOR_PAGE).into_response())
            }
            Ok(session) => {
                // For the navigation's count; a page still renders if it cannot be read.
                if let Ok(count) = calloff_app::tasks::unread_notifications(&state.app, &session.actor).await {
                    let _ = UNREAD_NOTIFICATIONS.try_with(|unread| unread.set(Some(count)));
                }
                Ok(PageUser { token, session })
            }
            Err(AppError::Unauthenticated) => Err(Redirect::to("/sign-in").into_response()),
            Err(e) => Err(crate::pages::error_page(None, &e)),
        }
    }
}

/// The token of `Authorization: Bearer <token>`, if sent.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// A signed-in API client (by `Authorization: Bearer` token). Others get a 401 problem. A
/// session already read for this request (by the idempotency layer) is not read again.
pub struct ApiUser {
    pub session: Session,
    pub token: String,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_token(&parts.headers).map(str::to_string) else {
            return Err(crate::api::problem::from_app_error(&AppError::Unauthenticated));
        };
        let session = match parts.extensions.get::<Session>() {
            Some(session) => session.clone(),
            None => auth::session(&state.app, &token)
                .await
                .map_err(|e| crate::api::problem::from_app_error(&e))?,
        };
        if session.enrolling && !reachable_while_enrolling(requested_path(parts)) {
            return Err(crate::api::problem::from_app_error(&enrolment_first()));
        }
        Ok(ApiUser { session, token })
    }
}

/// A form posted by a signed-in user, with its CSRF token already checked: a forged post gets
/// the "form could not be sent" page and changes nothing.
pub struct SignedInForm {
    pub user: PageUser,
    pub fields: crate::pages::Fields,
}

impl axum::extract::FromRequest<AppState> for SignedInForm {
    type Rejection = Response;

    async fn from_request(request: axum::extract::Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = PageUser::from_request_parts(&mut parts, state).await?;
        let request = axum::extract::Request::from_parts(parts, body);
        let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = crate::pages::Fields(fields);
        if !user.csrf_ok(fields.get("csrf_token")) {
            return Err(crate::pages::csrf_failure(Some(&user.session.actor)));
        }
        Ok(SignedInForm { user, fields })
    }
}

/// An uploaded file.
pub struct Upload {
    pub file_name: String,
    pub bytes: axum::body::Bytes,
}

/// A multipart form with one file, posted by a signed-in user, its CSRF token checked like
/// [`SignedInForm`]'s.
pub struct SignedInUpload {
    pub user: PageUser,
    pub fields: crate::pages::Fields,
    pub file: Option<Upload>,
}

impl axum::extract::FromRequest<AppState> for SignedInUpload {
    type Rejection = Response;

    async fn from_request(request: axum::extract::Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = PageUser::from_request_parts(&mut parts, state).await?;
        let request = axum::extract::Request::from_parts(parts, body);
        let mut multipart = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut fields = Vec::new();
        let mut file = None;
        while let Some(field) = multipart.next_field().await.map_err(IntoResponse::into_response)? {
            let name = field.name().unwrap_or_default().to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(IntoResponse::into_response)?;
                    if !bytes.is_empty() {
                        file = Some(Upload { file_name, bytes });
                    }
                }
                None => {
                    let text = field.text().await.map_err(IntoResponse::into_response)?;
                    fields.push((name, text));
                }
            }
        }
        let fields = crate::pages::Fields(fields);
        if !user.csrf_ok(fields.get("csrf_token")) {
            return Err(crate::pages::csrf_failure(Some(&user.session.actor)));
        }
        Ok(SignedInUpload { user, fields, file })
    }
}

/// The client's address as the connection shows it (not a forwarded header, which anyone can
/// send), for backing off failed sign-ins. None when served without connection info.
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string()),
        ))
    }
}
