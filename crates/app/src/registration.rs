//! Organisations registering themselves, and framework managers verifying or rejecting them.
//! Until verified an organisation can browse but not buy.

use crate::{auth, Actor, App, AppError, AppResult};
use calloff_domain::ids::{OrganisationId, UserId};
use calloff_domain::organisation::{OrgIdentifier, Organisation, OrganisationKind, Verification};
use calloff_domain::role::Role;
use calloff_domain::standing::may_verify_organisations;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
use calloff_store::notifications;
use calloff_store::{organisations, users, with_retries};
use serde::{Deserialize, Serialize};

/// Longest organisation or person name accepted.
pub const MAX_NAME_LEN: usize = 200;

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Registration {
    /// A body from the register of known London bodies, by its org-id (`GB-LAE-HAV`; see
    /// `/register` for the list). When given, the organisation's name, kind and identifier come
    /// from the register and those fields are ignored. Leave it out, or send `not_listed`, to
    /// type them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_body: Option<String>,
    #[serde(default)]
    pub organisation_name: String,
    #[serde(default)]
    #[schema(value_type = calloff_domain::organisation::OrganisationKind)]
    pub kind: String,
    #[serde(default)]
    #[schema(schema_with = identifier_schemes)]
    pub identifier_scheme: String,
    #[serde(default)]
    pub identifier: String,
    /// How a framework manager can check that the applicant works for the organisation: a link
    /// to its website or staff directory, a job title, a colleague who can vouch.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub evidence: String,
    pub your_name: String,
    pub email: String,
    #[schema(min_length = 10)]
    pub password: String,
}

/// The org-id schemes a registration may use.
fn identifier_schemes() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(calloff_domain::organisation::KNOWN_SCHEMES))
        .build()
}

/// `known_body` meaning "my organisation is not listed": the applicant types its details.
pub const NOT_LISTED: &str = "not_listed";

/// The register of known London public bodies (the project's seed data), as a registration
/// offers them: each with the identifier that the register, not the applicant, supplies.
const KNOWN_BODIES_CSV: &str = include_str!("../seed/organisations.csv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownBody {
    pub name: String,
    pub kind: OrganisationKind,
    pub identifier: OrgIdentifier,
}

impl KnownBody {
    /// The key a registration names it by: its org-id, `GB-LAE-HAV`.
    pub fn key(&self) -> String {
        self.identifier.to_string()
    }
}

/// The known bodies that have an identifier, by name. (Bodies whose identifier is not yet known
/// register as "not listed" and type it.)
pub fn known_bodies() -> &'static [KnownBody] {
    static BODIES: std::sync::OnceLock<Vec<KnownBody>> = std::sync::OnceLock::new();
    BODIES.get_or_init(|| {
        let rows = calloff_interop::csv_rows::parse_organisations(KNOWN_BODIES_CSV.as_bytes())
            .expect("the seed organisations file is valid");
        let mut bodies: Vec<KnownBody> = rows
            .into_iter()
            .filter(|row| row.kind != OrganisationKind::Supplier)
            .filter_map(|row| {
                Some(KnownBody {
                    identifier: row.identifier?,
                    name: row.name,
                    kind: row.kind,
                })
            })
            .collect();
        bodies.sort_by(|a, b| a.name.cmp(&b.name));
        bodies
    })
}

/// The known body with this org-id.
pub fn known_body(key: &str) -> Option<&'static KnownBody> {
    known_bodies().iter().find(|b| b.key().eq_ignore_ascii_case(key.trim()))
}

struct Checked {
    organisation: Organisation,
    evidence: String,
    known_body: bool,
    /// Chosen from the register (so a clash is with the choice, not a typed identifier).
    chosen: bool,
    your_name: String,
    email: String,
    password: String,
}

/// Every bad field of a registration, not just the first.
fn check(r: &Registration) -> Result<Checked, AppError> {
    let mut errors = Vec::new();
    let chosen = match r.known_body.as_deref().map(str::trim) {
        None | Some(NOT_LISTED) => None,
        Some("") => {
            errors.push(FieldError::new(
                "known_body",
                "Choose your organisation from the list, or choose \u{201c}My organisation is not listed\u{201d}",
            ));
            None
        }
        Some(key) => match known_body(key) {
            Some(body) => Some(body),
            None => {
                errors.push(FieldError::new(
                    "known_body",
                    "Choose your organisation from the list of known bodies, or choose \u{201c}My organisation is not listed\u{201d}",
                ));
                None
            }
        },
    };
    let typed = r.known_body.as_deref().map(str::trim).is_none_or(|k| k == NOT_LISTED);
    let evidence =
        match calloff_domain::text::at_most("evidence", r.evidence.trim(), calloff_domain::text::MAX_REASON_LEN) {
            Ok(e) => e.to_string(),
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
    let name = |field: &str, value: &str, what: &str, errors: &mut Vec<FieldError>| {
        let value = value.trim();
        if value.is_empty() {
            errors.push(FieldError::new(field, format!("Enter {what}")));
        } else if value.chars().count() > MAX_NAME_LEN {
            errors.push(FieldError::new(
                field,
                format!("{what} must be {MAX_NAME_LEN} characters or fewer"),
            ));
        }
        value.to_string()
    };
    let your_name = name("your_name", &r.your_name, "your name", &mut errors);
    let mut typed_errors = Vec::new();
    let organisation_name = name(
        "organisation_name",
        &r.organisation_name,
        "the organisation's name",
        &mut typed_errors,
    );
    let errors_before_kind = errors.len();
    let kind = match OrganisationKind::parse(r.kind.trim()) {
        Ok(OrganisationKind::Supplier) => {
            errors.push(FieldError::new(
                "kind",
                "Suppliers join a framework through its manager, not by registering",
            ));
            None
        }
        Ok(kind) => Some(kind),
        Err(_) => {
            errors.push(FieldError::new("kind", "Choose the kind of organisation"));
            None
        }
    };
    let identifier = OrgIdentifier::parse(&r.identifier_scheme, &r.identifier)
        .map_err(|e| errors.push(e))
        .ok();
    // The typed fields count only for a body that is not listed; a chosen one's come from the
    // register.
    let typed_field_errors: Vec<FieldError> = errors.drain(errors_before_kind..).collect();
    if typed {
        errors.extend(typed_errors);
        errors.extend(typed_field_errors);
    }
    let (organisation_name, kind, identifier) = match chosen {
        Some(body) => (body.name.clone(), Some(body.kind), Some(body.identifier.clone())),
        None => (organisation_name, kind, identifier),
    };
    let known_body = chosen.is_some()
        || identifier
            .as_ref()
            .is_some_and(|id| known_bodies().iter().any(|b| &b.identifier == id));
    let email = r.email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 {
        errors.push(FieldError::new(
            "email",
            "Enter an email address like name@example.gov.uk",
        ));
    }
    if r.password.chars().count() < auth::MIN_PASSWORD_LEN {
        errors.push(FieldError::new(
            "password",
            format!("Password must be at least {} characters", auth::MIN_PASSWORD_LEN),
        ));
    }
    match (kind, identifier) {
        (Some(kind), Some(identifier)) if errors.is_empty() => Ok(Checked {
            evidence,
            known_body,
            chosen: chosen.is_some(),
            organisation: Organisation {
                id: OrganisationId::generate(),
                name: organisation_name,
                kind,
                identifiers: vec![identifier],
                verification: Verification::Pending,
            },
            your_name,
            email,
            password: r.password.clone(),
        }),
        _ => Err(if errors.len() == 1 {
            AppError::Invalid(errors.remove(0))
        } else {
            AppError::InvalidFields(errors)
        }),
    }
}

/// Registers an organisation (pending verification) with its first user as organisation admin
/// and buyer, and tells the framework managers. Audited.
pub async fn register(app: &App, registration: &Registration) -> AppResult<OrganisationId> {
    let checked = check(registration)?;
    let password_hash = auth::hash_password_bounded(&checked.password).await?;
    let user_id = UserId::generate();
    with_retries(|| insert(app, &checked, &user_id, &password_hash)).await
}

async fn insert(app: &App, c: &Checked, user_id: &UserId, password_hash: &str) -> AppResult<OrganisationId> {
    let at = app.now_text();
    let org = &c.organisation;
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    if let Err(e) = organisations::insert(&mut tx, org, &at).await {
        return Err(if e.is_unique_violation() {
            AppError::Invalid(FieldError::new(
                if c.chosen { "known_body" } else { "identifier" },
                format!(
                    "{} or an organisation called {} is already registered: ask its organisation admin to invite you",
                    org.identifiers[0], org.name
                ),
            ))
        } else {
            e.into()
        });
    }
    let roles = [Role::OrganisationAdmin, Role::Buyer];
    let new_user = users::NewUser {
        active: true,
        id: user_id,
        organisation_id: &org.id,
        email: &c.email,
        name: &c.your_name,
        password_hash,
        roles: &roles,
    };
    if let Err(e) = users::insert(&mut tx, new_user, &at).await {
        return Err(if e.is_unique_violation() {
            AppError::invalid("email", "A user with this email address already exists")
        } else {
            e.into()
        });
    }
    organisations::insert_application(&mut tx, &org.id, user_id, &c.evidence, c.known_body, &at).await?;
    let org_id = org.org_id().unwrap_or_default();
    head.append(
        &mut tx,
        &at,
        user_id.as_str(),
        "organisation.registered",
        org.id.as_str(),
        serde_json::json!({ "name": org.name, "kind": org.kind.as_str(), "org_id": org_id }),
    )
    .await?;
    let subject = format!("{} asks to be verified", org.name);
    let body = format!(
        "{} ({}, {}) registered and is waiting for verification.",
        org.name,
        org.kind.label(),
        org_id
    );
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: "organisation.registered",
        subject: &subject,
        body: &body,
        link: "/organisations/pending",
        created_at: &at,
    };
    notifications::queue_for_role(&mut tx, &message, None, Role::FrameworkManager, user_id).await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(org.id.clone())
}

fn refuse_unless_verifier(actor: &Actor) -> AppResult<()> {
    if may_verify_organisations(&actor.roles) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only a framework manager can verify organisations".into(),
        ))
    }
}

/// An organisation waiting for verification with what its applicant said, if it registered
/// itself.
#[derive(Debug, Clone)]
pub struct PendingOrganisation {
    pub organisation: Organisation,
    pub application: Option<organisations::Application>,
}

/// Organisations waiting for verification, with their applications, for framework managers.
pub async fn pending_applications(app: &App, actor: &Actor) -> AppResult<Vec<PendingOrganisation>> {
    refuse_unless_verifier(actor)?;
    let mut conn = app.db.pool().acquire().await?;
    let pending = organisations::pending(&mut conn).await?;
    let mut out = Vec::with_capacity(pending.len());
    for organisation in pending {
        let application = organisations::application(&mut conn, &organisation.id).await?;
        out.push(PendingOrganisation {
            organisation,
            application,
        });
    }
    Ok(out)
}

/// The name of an organisation and the latest decision on it ("verified" or "rejected"), for the
/// page that confirms a decision.
pub async fn decided(app: &App, actor: &Actor, id: &OrganisationId) -> AppResult<Option<(String, String)>> {
    refuse_unless_verifier(actor)?;
    let mut conn = app.db.pool().acquire().await?;
    let Some(org) = organisations::get(&mut conn, id).await? else {
        return Ok(None);
    };
    let decision = organisations::latest_decision(&mut conn, id).await?;
    Ok(decision.map(|d| (org.name, d.decision)))
}

/// Organisations waiting for verification, for framework managers.
pub async fn pending(app: &App, actor: &Actor) -> AppResult<Vec<Organisation>> {
    refuse_unless_verifier(actor)?;
    let mut conn = app.db.pool().acquire().await?;
    Ok(organisations::pending(&mut conn).await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerificationDecision {
    Verify,
    Reject { reason: String },
}

/// A framework manager verifies a registered organisation, or rejects it with a reason (it stays
/// unverified and is told why). Audited; the organisation's admins are notified.
pub async fn decide(app: &App, actor: &Actor, id: &OrganisationId, decision: &VerificationDecision) -> AppResult<()> {
    refuse_unless_verifier(actor)?;
    if let VerificationDecision::Reject { reason } = decision {
        calloff_domain::text::required("reason", reason, calloff_domain::text::MAX_REASON_LEN, "a reason")?;
    }
    with_retries(|| apply(app, actor, id, decision)).await
}

async fn apply(app: &App, actor: &Actor, id: &OrganisationId, decision: &VerificationDecision) -> AppResult<()> {
    let at = app.now_text();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let org = organisations::get(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::NotFound("organisation".into()))?;
    if org.verification != Verification::Pending {
        return Err(AppError::Conflict(FieldError::new(
            "organisation",
            format!("{} is already verified", org.name),
        )));
    }
    let (name, reason) = match decision {
        VerificationDecision::Verify => {
            if !organisations::verify(&mut tx, id).await? {
                return Err(AppError::Conflict(FieldError::new(
                    "organisation",
                    "Someone else decided first",
                )));
            }
            ("verified", None)
        }
        VerificationDecision::Reject { reason } => ("rejected", Some(reason.trim())),
    };
    organisations::record_decision(
        &mut tx,
        &uuid::Uuid::now_v7().to_string(),
        id,
        name,
        reason,
        &actor.user_id,
        &at,
    )
    .await?;
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        &format!("organisation.{name}"),
        id.as_str(),
        serde_json::json!({ "reason": reason }),
    )
    .await?;
    let subject = format!("{} has been {name}", org.name);
    let body = match reason {
        Some(reason) => format!("A framework manager did not verify {}: {reason}", org.name),
        None => format!(
            "{} is verified and can now place call-offs on the frameworks it is eligible for.",
            org.name
        ),
    };
    let event = format!("organisation.{name}");
    let message = notifications::Message {
        id_prefix: &uuid::Uuid::now_v7().to_string(),
        event: &event,
        subject: &subject,
        body: &body,
        link: "/frameworks",
        created_at: &at,
    };
    notifications::queue_for_role(&mut tx, &message, Some(id), Role::OrganisationAdmin, &actor.user_id).await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Why the actor's organisation cannot buy yet, if it cannot: shown on its pages.
pub async fn standing(app: &App, actor: &Actor) -> AppResult<Option<String>> {
    let mut conn = app.db.pool().acquire().await?;
    let Some(org) = organisations::get(&mut conn, &actor.organisation_id).await? else {
        return Ok(None);
    };
    if org.verification == Verification::Verified || org.kind == OrganisationKind::Supplier {
        return Ok(None);
    }
    Ok(Some(match organisations::latest_decision(&mut conn, &org.id).await? {
        Some(d) if d.decision == "rejected" => format!(
            "{} was not verified: {}. You can browse the catalogue but cannot place call-offs.",
            org.name,
            d.reason.unwrap_or_default()
        ),
        _ => format!(
            "{} is waiting for a framework manager to verify it. Until then you can browse the catalogue but cannot place call-offs.",
            org.name
        ),
    }))
}
