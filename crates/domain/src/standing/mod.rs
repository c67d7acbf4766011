//! Who a person is to a framework and to a call-off, and so what they may see and do. Written
//! once, here, and used by every use case, list, page and API answer: the web layer never
//! re-checks roles itself.

mod call_off;
mod framework;

pub use call_off::Standing;
pub use framework::{BuyingStatus, FrameworkStanding, NotCustomer, ProposalActions};

use crate::role::Role;

/// Verifying the organisations that register is a framework manager's work, on behalf of every
/// framework: an organisation is verified once, not per framework.
pub fn may_verify_organisations(roles: &[Role]) -> bool {
    roles.contains(&Role::FrameworkManager)
}
