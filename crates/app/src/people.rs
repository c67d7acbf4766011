//! An organisation's people: an organisation admin invites users by email with a single-use link
//! that expires, sets their roles, and deactivates them. Only within their own organisation.

use crate::auth::{self, random_token, token_hash};
use crate::{Actor, App, AppError, AppResult};
use calloff_domain::ids::UserId;
use calloff_domain::organisation::OrganisationKind;
use calloff_domain::role::Role;
use calloff_domain::FieldError;
use calloff_store::audit::ChainHead;
use calloff_store::notifications::{self, Notification, Recipient};
use calloff_store::users::{self, UserRecord};
use calloff_store::{organisations, with_retries};
use chrono::{Duration, SecondsFormat};

/// Days an invitation link stays valid.
pub const INVITATION_DAYS: i64 = 7;

/// Roles an admin may give in their own organisation: suppliers' admins give supplier roles,
/// public bodies' admins give buying roles.
pub fn grantable_roles(kind: OrganisationKind) -> &'static [Role] {
    match kind {
        OrganisationKind::Supplier => &[Role::SupplierUser, Role::OrganisationAdmin],
        _ => &[Role::Buyer, Role::Approver, Role::OrganisationAdmin],
    }
}

async fn own_organisation_kind(app: &App, actor: &Actor) -> AppResult<OrganisationKind> {
    actor.require(Role::OrganisationAdmin, "manage your organisation's people")?;
    let mut conn = app.db.pool().acquire().await?;
    let org = organisations::get(&mut conn, &actor.organisation_id)
        .await?
        .ok_or_else(|| AppError::NotFound("organisation".into()))?;
    Ok(org.kind)
}

fn check_roles(kind: OrganisationKind, roles: &[Role]) -> AppResult<()> {
    if roles.is_empty() {
        return Err(AppError::invalid("roles", "Choose at least one role"));
    }
    if let Some(i) = (1..roles.len()).find(|&i| roles[..i].contains(&roles[i])) {
        return Err(AppError::invalid(
            format!("roles[{i}]"),
            format!("{} is listed twice", roles[i].label()),
        ));
    }
    if let Some(role) = roles.iter().find(|r| !grantable_roles(kind).contains(r)) {
        return Err(AppError::invalid(
            "roles",
            format!("{} is not a role you can give", role.label()),
        ));
    }
    Ok(())
}

/// Someone in the admin's organisation, as the people page shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub active: bool,
    /// "Active", "Invited" (not yet joined) or "Deactivated".
    pub status: &'static str,
}

/// Everyone in the admin's organisation.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<Person>> {
    own_organisation_kind(app, actor).await?;
    let mut conn = app.db.pool().acquire().await?;
    let records: Vec<UserRecord> = users::in_organisation(&mut conn, &actor.organisation_id).await?;
    Ok(records
        .into_iter()
        .map(|u| Person {
            status: match (u.active, u.password_hash.is_empty()) {
                (true, _) => "Active",
                (false, true) => "Invited",
                (false, false) => "Deactivated",
            },
            id: u.id,
            name: u.name,
            email: u.email,
            roles: u.roles,
            active: u.active,
        })
        .collect())
}

/// The roles this admin may give.
pub async fn grantable(app: &App, actor: &Actor) -> AppResult<&'static [Role]> {
    Ok(grantable_roles(own_organisation_kind(app, actor).await?))
}

/// Invites `email` with `roles`; the link goes out by email. Returns the link's token, which
/// only the invitee should ever see (tests read it; pages do not show it).
pub async fn invite(app: &App, actor: &Actor, email: &str, roles: &[Role]) -> AppResult<String> {
    let kind = own_organisation_kind(app, actor).await?;
    let email = email.trim().to_lowercase();
    let mut errors = Vec::new();
    if !email.contains('@') || email.len() > 254 {
        errors.push(FieldError::new(
            "email",
            "Enter an email address like name@example.gov.uk",
        ));
    }
    if let Err(AppError::Invalid(e)) = check_roles(kind, roles) {
        errors.push(e);
    }
    if !errors.is_empty() {
        return Err(if errors.len() == 1 {
            AppError::Invalid(errors.remove(0))
        } else {
            AppError::InvalidFields(errors)
        });
    }
    let token = random_token();
    with_retries(|| insert_invitation(app, actor, &email, roles, &token)).await?;
    Ok(token)
}

async fn insert_invitation(app: &App, actor: &Actor, email: &str, roles: &[Role], token: &str) -> AppResult<()> {
    let now = app.now();
    let at = now.to_rfc3339_opts(SecondsFormat::Millis, true);
    let expires = (now + Duration::days(INVITATION_DAYS)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let user_id = UserId::generate();
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let new_user = users::NewUser {
        active: false,
        id: &user_id,
        organisation_id: &actor.organisation_id,
        email,
        name: email,
        password_hash: "",
        roles,
    };
    if let Err(e) = users::insert(&mut tx, new_user, &at).await {
        return Err(if e.is_unique_violation() {
            AppError::invalid("email", "Someone with this email address already has an account")
        } else {
            e.into()
        });
    }
    let token_hash = token_hash(token);
    let invitation = users::NewInvitation {
        token_hash: &token_hash,
        user: &user_id,
        organisation: &actor.organisation_id,
        invited_by: &actor.user_id,
        created_at: &at,
        expires_at: &expires,
    };
    users::insert_invitation(&mut tx, invitation).await?;
    let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        "user.invited",
        user_id.as_str(),
        serde_json::json!({ "organisation_id": actor.organisation_id.as_str(), "roles": role_names }),
    )
    .await?;
    let notification = Notification {
        id: uuid::Uuid::now_v7().to_string(),
        recipient: Recipient { user_id: user_id.clone(), email: email.to_string() },
        event: "user.invited".into(),
        subject: format!("{} invites you to calloff", actor.organisation_name),
        body: format!(
            "{} invited you to buy through calloff for {}. Follow the link within {INVITATION_DAYS} days to choose your password. It works once.",
            actor.name, actor.organisation_name
        ),
        link: format!("/invitations/{token}"),
        created_at: at.clone(),
        attempts: 0,
        sent_at: None,
        last_error: None,
        read_at: None,
    };
    notifications::insert(&mut tx, &notification).await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Follows an invitation link: sets the invitee's name and password and lets them sign in. The
/// link works once, before it expires.
pub async fn accept(app: &App, token: &str, name: &str, password: &str) -> AppResult<UserId> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "Enter your name"));
    }
    let password_hash = auth::hash_password_bounded(password).await?;
    let hash = token_hash(token);
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let at = app.now_text();
    let invitation = users::invitation(&mut tx, &hash)
        .await?
        .ok_or_else(|| AppError::NotFound("invitation".into()))?;
    if !users::use_invitation(&mut tx, &hash, &at).await? {
        let why = if invitation.used_at.is_some() {
            "This invitation has already been used. Sign in, or ask your organisation admin for a new one."
        } else {
            "This invitation has expired. Ask your organisation admin for a new one."
        };
        return Err(AppError::Conflict(FieldError::new("invitation", why)));
    }
    if !users::activate(&mut tx, &invitation.user_id, name, &password_hash).await? {
        return Err(AppError::Conflict(FieldError::new(
            "invitation",
            "This account has been deactivated",
        )));
    }
    head.append(
        &mut tx,
        &at,
        invitation.user_id.as_str(),
        "user.joined",
        invitation.user_id.as_str(),
        serde_json::json!({}),
    )
    .await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(invitation.user_id)
}

/// Finds a user of the admin's own organisation; others are not found.
async fn own_user(app: &App, actor: &Actor, user: &UserId) -> AppResult<UserRecord> {
    let mut conn = app.db.pool().acquire().await?;
    match users::get(&mut conn, user).await? {
        Some(u) if u.organisation_id == actor.organisation_id => Ok(u),
        _ => Err(AppError::NotFound("user".into())),
    }
}

pub async fn set_roles(app: &App, actor: &Actor, user: &UserId, roles: &[Role]) -> AppResult<()> {
    let kind = own_organisation_kind(app, actor).await?;
    let target = own_user(app, actor, user).await?;
    check_roles(kind, roles)?;
    if target.id == actor.user_id && !roles.contains(&Role::OrganisationAdmin) {
        return Err(AppError::invalid(
            "roles",
            "You cannot remove your own admin role; ask another admin",
        ));
    }
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let at = app.now_text();
    users::set_roles(&mut tx, &target.id, roles).await?;
    let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        "user.roles_changed",
        target.id.as_str(),
        serde_json::json!({ "roles": role_names }),
    )
    .await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn deactivate(app: &App, actor: &Actor, user: &UserId) -> AppResult<()> {
    own_organisation_kind(app, actor).await?;
    let target = own_user(app, actor, user).await?;
    if target.id == actor.user_id {
        return Err(AppError::invalid("user", "You cannot deactivate yourself"));
    }
    let mut tx = app.db.begin_write().await?;
    let mut head = ChainHead::claim(&mut tx).await?;
    let at = app.now_text();
    users::deactivate(&mut tx, &target.id).await?;
    head.append(
        &mut tx,
        &at,
        actor.user_id.as_str(),
        "user.deactivated",
        target.id.as_str(),
        serde_json::json!({}),
    )
    .await?;
    head.seal(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
