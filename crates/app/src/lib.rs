//! Use cases. Each takes an actor and a command, decides authorisation, runs one transaction
//! (claiming the audit chain, making guarded writes, appending the audit entry) and returns a
//! typed result. The web pages, the JSON API and the CLI call only these.

pub mod approvals;
pub mod audit;
pub mod auth;
pub mod call_offs;
pub mod catalogue;
pub mod change_requests;
pub mod demo;
mod error;
pub mod feed;
pub mod frameworks;
mod headroom;
pub mod idempotency;
pub mod imports;
pub mod invoices;
pub mod lifecycle;
pub mod notices;
pub mod notifications;
pub mod ocds;
pub mod people;
mod price_cache;
pub mod proposals;
pub mod public_frameworks;
pub mod quotes;
pub mod recent;
pub mod register;
pub mod registration;
pub mod returns;
pub mod saved_quotes;
pub mod search_index;
pub mod search_query;
pub mod spend;
pub mod supplier_status;
pub mod tasks;
pub mod transparency;
pub mod two_factor;
pub mod variations;

pub use calloff_store::Db;
pub use error::{AppError, AppResult, HeadroomScope};

use calloff_domain::ids::{OrganisationId, UserId};
use calloff_domain::role::Role;
use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::Arc;

/// The source of "now". Tests inject a fixed clock; the database never supplies the time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until moved, for tests of what happens later.
#[derive(Debug)]
pub struct SettableClock(std::sync::Mutex<DateTime<Utc>>);

impl SettableClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        SettableClock(std::sync::Mutex::new(at))
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for SettableClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The application: a database and a clock. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    pub db: Db,
    clock: Arc<dyn Clock>,
    prices: Arc<price_cache::PriceCache>,
    search_indexes: Arc<search_index::SearchIndexes>,
    browsing: Arc<recent::BrowsingReads>,
    ocid_prefix: Arc<calloff_interop::ocds::OcidPrefix>,
    public_url: Option<Arc<str>>,
}

impl App {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        App {
            db,
            clock,
            prices: Arc::default(),
            search_indexes: Arc::default(),
            browsing: Arc::default(),
            ocid_prefix: Arc::default(),
            public_url: None,
        }
    }

    /// The same application publishing open data under `prefix` (the test prefix otherwise).
    pub fn with_ocid_prefix(mut self, prefix: calloff_interop::ocds::OcidPrefix) -> Self {
        self.ocid_prefix = Arc::new(prefix);
        self
    }

    /// The same application reached at `url` (`https://calloff.example`): its open data's links
    /// are built from it, not from the address each request came to.
    pub fn with_public_url(mut self, url: Option<&str>) -> Self {
        self.public_url = url.map(|u| Arc::from(u.trim_end_matches('/')));
        self
    }

    /// The address people use to reach this application, when one is configured.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// The prefix of every ocid this application publishes.
    pub fn ocid_prefix(&self) -> &calloff_interop::ocds::OcidPrefix {
        &self.ocid_prefix
    }

    /// "Now" as stored: RFC 3339 UTC with milliseconds.
    pub fn now_text(&self) -> String {
        self.clock.now().to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date in the UK, against which framework terms are read.
    pub fn today(&self) -> chrono::NaiveDate {
        calloff_domain::calendar::uk_date(self.clock.now())
    }
}

/// Who is acting: a signed-in user, with their organisation and roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Refuses unless the actor holds `role`.
    pub fn require(&self, role: Role, to: &str) -> AppResult<()> {
        if self.has(role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "only a {} can {to}",
                role.label().to_lowercase()
            )))
        }
    }
}
