//! Who a person is to a call-off, and so what they may see and do.

use crate::call_off::{CallOff, CallOffState};
use crate::ids::OrganisationId;
use crate::role::Role;

/// A person's standing towards one call-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Someone at the buying organisation (buyer, approver or admin).
    Customer,
    /// Someone at the supplier, once the call-off was sent to it.
    Supplier,
    /// A framework manager at the framework's managing authority.
    Manager,
}

impl Standing {
    /// The viewer's standing, or `None` if the call-off is none of their business (they are
    /// then told it is not found, so ids reveal nothing). `authority` is the organisation that
    /// manages the call-off's framework.
    pub fn of(viewer: &OrganisationId, roles: &[Role], call_off: &CallOff, authority: &OrganisationId) -> Option<Self> {
        if *viewer == call_off.buyer_id {
            Some(Standing::Customer)
        } else if *viewer == call_off.supplier_id {
            // A draft, or a draft cancelled before it was placed, was never sent.
            call_off.sent_to_supplier.then_some(Standing::Supplier)
        } else if *viewer == *authority && roles.contains(&Role::FrameworkManager) {
            Some(Standing::Manager)
        } else {
            None
        }
    }

    /// The buyer's approval trail (who approved or returned it, and their comments) is the
    /// buyer's internal business.
    pub fn sees_approvals(self) -> bool {
        self == Standing::Customer
    }

    /// Whether they see a change to the call-off, named by its audit action, in the change
    /// feed: the customer sees every one; the supplier and the manager only changes to a
    /// call-off that was placed (`sent_to_supplier`: a draft cancelled before placing stays the
    /// buyer's business), and not the buyer's own steps that wait on its approvers (submitting
    /// for approval, a variation awaiting approval).
    pub fn sees_change(self, action: &str, sent_to_supplier: bool) -> bool {
        self.sees_approvals()
            || (sent_to_supplier && !matches!(action, "call_off.submitted" | "call_off.variation_submitted"))
    }

    /// A buyer of the buying organisation: cancels, varies, withdraws and resubmits it.
    pub fn acts_as_buyer(self, roles: &[Role]) -> bool {
        self == Standing::Customer && roles.contains(&Role::Buyer)
    }

    /// A user of its supplier: accepts, rejects, records milestones and puts it live.
    pub fn acts_as_supplier(self, roles: &[Role]) -> bool {
        self == Standing::Supplier && roles.contains(&Role::SupplierUser)
    }

    /// Whether someone of this standing, holding `roles`, may move the call-off to `target`:
    /// the supplier accepts, rejects and puts it live; the buyer cancels; either ends it.
    pub fn may_move_to(self, roles: &[Role], target: CallOffState) -> bool {
        let supplier = self.acts_as_supplier(roles);
        let buyer = self.acts_as_buyer(roles);
        match target {
            CallOffState::Accepted | CallOffState::Rejected | CallOffState::Live => supplier,
            CallOffState::Ended => supplier || buyer,
            CallOffState::Cancelled => buyer,
            CallOffState::Draft | CallOffState::Placed => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Standing;

    #[test]
    fn only_the_customer_sees_changes_before_placing_and_awaiting_approval() {
        for action in [
            "call_off.submitted",
            "call_off.variation_submitted",
            "call_off.cancelled",
        ] {
            assert!(Standing::Customer.sees_change(action, false));
        }
        for other in [Standing::Supplier, Standing::Manager] {
            assert!(!other.sees_change("call_off.submitted", true));
            assert!(!other.sees_change("call_off.variation_submitted", true));
            assert!(!other.sees_change("call_off.cancelled", false), "a draft never placed");
            assert!(other.sees_change("call_off.placed", true));
            assert!(other.sees_change("call_off.varied", true));
        }
    }
}
