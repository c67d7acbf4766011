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

/// The audit log (every entry of the chain, across frameworks and organisations): auditors. A
/// framework manager runs one framework, and the chain also records other frameworks and each
/// body's own people and approvals, so managers read their framework's order register instead.
pub fn may_read_audit_log(roles: &[Role]) -> bool {
    roles.contains(&Role::Auditor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_auditors_read_the_audit_log() {
        for role in Role::ALL {
            assert_eq!(may_read_audit_log(&[role]), role == Role::Auditor, "{role:?}");
        }
        assert!(may_read_audit_log(&[Role::FrameworkManager, Role::Auditor]));
        assert!(!may_read_audit_log(&[]));
    }
}
