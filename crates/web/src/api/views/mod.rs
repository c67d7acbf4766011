//! JSON representations, one type per shape: the handlers serialize them and the OpenAPI
//! document is generated from them. Money is integer pence (`*_pence`) and unit prices integer
//! millionths of a pound (`unit_price_micros`), with display strings beside them.

mod call_offs;
mod catalogue;
mod invoices;
mod proposals;
mod returns;

pub use call_offs::*;
pub use catalogue::*;
pub use invoices::*;
pub use proposals::*;
pub use returns::*;

use calloff_app::frameworks::FrameworkOverview;
use calloff_app::Actor;
use calloff_domain::framework::{Framework, FrameworkStatus, Headroom};
use calloff_domain::ids::{FrameworkId, OrganisationId, UserId};
use calloff_domain::money::{Money, UnitPrice};
use calloff_domain::organisation::{Organisation, OrganisationKind, Verification};
use calloff_domain::role::Role;
use serde::Serialize;
use utoipa::ToSchema;

/// An amount of money: integer pence and how it reads.
#[derive(Serialize, ToSchema)]
pub struct MoneyView {
    pub pence: i64,
    #[schema(example = "£1,234.56")]
    pub display: String,
}

impl From<Money> for MoneyView {
    fn from(m: Money) -> Self {
        Self {
            pence: m.pence(),
            display: m.to_string(),
        }
    }
}

/// A unit price: integer millionths of a pound and how it reads.
#[derive(Serialize, ToSchema)]
pub struct UnitPriceView {
    pub micros: i64,
    pub display: String,
}

impl From<UnitPrice> for UnitPriceView {
    fn from(u: UnitPrice) -> Self {
        Self {
            micros: u.micros(),
            display: u.to_string(),
        }
    }
}

/// An organisation by id and name.
#[derive(Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: OrganisationId,
    pub name: String,
}

/// A person by id and name.
#[derive(Serialize, ToSchema)]
pub struct PersonRef {
    pub id: UserId,
    pub name: String,
}

/// A person as recorded on a decision or response; either part may be missing.
#[derive(Serialize, ToSchema)]
pub struct RecordedPerson {
    pub id: Option<UserId>,
    pub name: Option<String>,
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct ActorView {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub organisation: OrganisationRef,
    pub roles: Vec<Role>,
}

impl From<&Actor> for ActorView {
    fn from(a: &Actor) -> Self {
        Self {
            id: a.user_id.clone(),
            name: a.name.clone(),
            email: a.email.clone(),
            organisation: OrganisationRef {
                id: a.organisation_id.clone(),
                name: a.organisation_name.clone(),
            },
            roles: a.roles.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    pub expires_in_seconds: i64,
    pub user: ActorView,
    /// A framework manager or organisation admin without two-factor sign-in: until it is set
    /// up (`/account/two-factor`), the token reaches nothing else (403).
    pub two_factor_set_up_required: bool,
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkSummary {
    pub id: FrameworkId,
    pub reference: String,
    pub title: String,
    pub status: FrameworkStatus,
    pub maximum_value: MoneyView,
    #[schema(format = Date)]
    pub start_date: String,
    #[schema(format = Date)]
    pub end_date: String,
}

impl From<&Framework> for FrameworkSummary {
    fn from(f: &Framework) -> Self {
        Self {
            id: f.id.clone(),
            reference: f.reference.clone(),
            title: f.title.clone(),
            status: f.status,
            maximum_value: f.maximum_value.into(),
            start_date: f.term.start.to_string(),
            end_date: f.term.end.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkList {
    pub frameworks: Vec<FrameworkSummary>,
}

/// Spend against a ceiling.
#[derive(Serialize, ToSchema)]
pub struct SpendView {
    pub ceiling: MoneyView,
    pub committed: MoneyView,
    pub headroom: MoneyView,
    /// Share of the ceiling committed, in hundredths of a percent.
    pub basis_points_used: i64,
}

impl From<&Headroom> for SpendView {
    fn from(h: &Headroom) -> Self {
        Self {
            ceiling: h.ceiling.into(),
            committed: h.committed.into(),
            headroom: h.left().into(),
            basis_points_used: h.basis_points_used(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    /// Org-id identifiers, e.g. `GB-LAE-HAV`.
    pub identifiers: Vec<String>,
    pub verification: Verification,
}

impl From<&Organisation> for OrganisationView {
    fn from(o: &Organisation) -> Self {
        Self {
            id: o.id.clone(),
            name: o.name.clone(),
            kind: o.kind,
            identifiers: o.identifiers.iter().map(ToString::to_string).collect(),
            verification: o.verification,
        }
    }
}

/// Saved by all buyers and by the signed-in user's organisation.
#[derive(Serialize, ToSchema)]
pub struct SavingsView {
    pub all_buyers: MoneyView,
    pub your_organisation: MoneyView,
}

#[derive(Serialize, ToSchema)]
pub struct LotOverviewView {
    pub number: u32,
    pub title: String,
    pub item_count: i64,
    /// The lot's ceiling and spend, if it has a ceiling of its own.
    pub spend: Option<SpendView>,
}

/// A framework with its ceiling, committed value and headroom, overall and per lot.
#[derive(Serialize, ToSchema)]
pub struct FrameworkOverviewView {
    #[serde(flatten)]
    pub framework: FrameworkSummary,
    pub authority: Option<OrganisationView>,
    pub suppliers: Vec<OrganisationView>,
    pub eligible_bodies: i64,
    pub spend: SpendView,
    /// Saved against list prices on call-offs that went ahead.
    pub savings: SavingsView,
    /// Saved through quantity tiers and demand bands, against catalogue prices, on call-offs
    /// that went ahead.
    pub volume_savings: SavingsView,
    pub lots: Vec<LotOverviewView>,
}

impl From<&FrameworkOverview> for FrameworkOverviewView {
    fn from(o: &FrameworkOverview) -> Self {
        Self {
            framework: (&o.framework).into(),
            authority: o.authority.as_ref().map(Into::into),
            suppliers: o.suppliers.iter().map(Into::into).collect(),
            eligible_bodies: o.eligible_bodies,
            spend: (&o.headroom).into(),
            savings: SavingsView {
                all_buyers: o.savings.against_list.into(),
                your_organisation: o.savings_own.against_list.into(),
            },
            volume_savings: SavingsView {
                all_buyers: o.savings.through_volume.into(),
                your_organisation: o.savings_own.through_volume.into(),
            },
            lots: o
                .lots
                .iter()
                .map(|l| LotOverviewView {
                    number: l.lot.number,
                    title: l.lot.title.clone(),
                    item_count: l.item_count,
                    spend: l.headroom.as_ref().map(Into::into),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EligibilityRegisterView {
    pub framework_id: FrameworkId,
    /// Kinds of body admitted.
    pub kinds: Vec<OrganisationKind>,
    /// Bodies named.
    pub named: Vec<OrganisationView>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationList {
    pub organisations: Vec<OrganisationView>,
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub id: OrganisationId,
    pub verification: Verification,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationDecided {
    pub id: OrganisationId,
    #[schema(example = "verified")]
    pub decision: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonView {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    /// `active`, `invited` or `deactivated`.
    pub status: String,
}

impl From<&calloff_app::people::Person> for PersonView {
    fn from(p: &calloff_app::people::Person) -> Self {
        Self {
            id: p.id.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
            roles: p.roles.clone(),
            status: p.status.to_lowercase(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct People {
    pub people: Vec<PersonView>,
}

#[derive(Serialize, ToSchema)]
pub struct Invited {
    /// The invitee's email, as it will be matched.
    pub invited: String,
    pub expires_in_days: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PersonChanged {
    pub id: UserId,
    #[schema(example = "roles")]
    pub changed: String,
}

#[derive(Serialize, ToSchema)]
pub struct Joined {
    pub user_id: UserId,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub event: String,
    pub subject: String,
    pub body: String,
    pub link: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    pub send_attempts: i64,
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub read_at: Option<String>,
}

impl From<&calloff_app::notifications::Notification> for NotificationView {
    fn from(n: &calloff_app::notifications::Notification) -> Self {
        Self {
            id: n.id.clone(),
            event: n.event.clone(),
            subject: n.subject.clone(),
            body: n.body.clone(),
            link: n.link.clone(),
            created_at: n.created_at.clone(),
            sent_at: n.sent_at.clone(),
            send_attempts: n.attempts,
            last_error: n.last_error.clone(),
            read_at: n.read_at.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub notifications: Vec<NotificationView>,
}

#[derive(Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked_read: u64,
}
