//! Who a person is to a framework: its customer, its supplier, its manager, an auditor, or only a
//! reader; and so what they may see and do with its catalogue, change control and governance.

use crate::governance::{Outcome, ProposalStatus};
use crate::ids::OrganisationId;
use crate::role::Role;

/// The roles through which a customer organisation's people act.
const CUSTOMER_ROLES: [Role; 3] = [Role::Buyer, Role::Approver, Role::OrganisationAdmin];

/// What the viewer's organisation is to a framework as a buyer; the caller reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuyingStatus {
    /// A verified body on the framework's eligibility register.
    Eligible,
    /// A verified body the register does not admit.
    NotEligible,
    /// A body not yet verified (waiting, or rejected).
    Unverified,
    /// A supplier: it sells, it does not buy.
    Supplier,
    /// No organisation on record.
    Unregistered,
}

/// Why someone is not a customer of a framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCustomer {
    /// They hold none of the customer roles.
    Role,
    Unregistered,
    Supplier,
    Unverified,
    NotEligible,
}

impl NotCustomer {
    /// The refusal in the person's terms: `organisation` is theirs, `framework` its reference.
    pub fn explain(self, organisation: &str, framework: &str) -> String {
        match self {
            NotCustomer::Role => "only buyers, approvers and organisation admins of the framework's customers can raise and support proposals".into(),
            NotCustomer::Unregistered => "your organisation is not registered".into(),
            NotCustomer::Supplier => "suppliers respond to proposals but do not raise or support them".into(),
            NotCustomer::Unverified => {
                format!("{organisation} is not yet verified, so it cannot raise or support proposals")
            }
            NotCustomer::NotEligible => format!("{organisation} is not eligible to buy through {framework}"),
        }
    }
}

/// A person's standing towards one framework. Someone may stand in several ways at once (a
/// manager whose authority also buys through it), so each is a flag. Everyone signed in is at
/// least a reader: headroom, the catalogue and who may buy are public information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkStanding {
    viewer: OrganisationId,
    customer: Result<(), NotCustomer>,
    buyer: bool,
    supplier: bool,
    manager: bool,
    auditor: bool,
}

impl FrameworkStanding {
    /// The standing of someone at `viewer` holding `roles`, towards the framework that
    /// `authority` manages and `suppliers` sell through; `buying` is what their organisation is
    /// to it as a buyer.
    pub fn of(
        viewer: &OrganisationId,
        roles: &[Role],
        authority: &OrganisationId,
        suppliers: &[OrganisationId],
        buying: BuyingStatus,
    ) -> Self {
        let customer = if !CUSTOMER_ROLES.iter().any(|r| roles.contains(r)) {
            Err(NotCustomer::Role)
        } else {
            match buying {
                BuyingStatus::Eligible => Ok(()),
                BuyingStatus::NotEligible => Err(NotCustomer::NotEligible),
                BuyingStatus::Unverified => Err(NotCustomer::Unverified),
                BuyingStatus::Supplier => Err(NotCustomer::Supplier),
                BuyingStatus::Unregistered => Err(NotCustomer::Unregistered),
            }
        };
        FrameworkStanding {
            viewer: viewer.clone(),
            customer,
            buyer: roles.contains(&Role::Buyer),
            supplier: roles.contains(&Role::SupplierUser) && suppliers.contains(viewer),
            manager: roles.contains(&Role::FrameworkManager) && viewer == authority,
            // Auditors read every framework's record; they belong to no one framework.
            auditor: roles.contains(&Role::Auditor),
        }
    }

    /// A buyer, approver or organisation admin of a verified body eligible on the framework.
    pub fn is_customer(&self) -> bool {
        self.customer.is_ok()
    }

    /// Why they are not a customer, if they are not.
    pub fn why_not_customer(&self) -> Option<NotCustomer> {
        self.customer.err()
    }

    /// A user of one of the framework's suppliers.
    pub fn is_supplier(&self) -> bool {
        self.supplier
    }

    /// A framework manager of the framework's managing authority.
    pub fn is_manager(&self) -> bool {
        self.manager
    }

    pub fn is_auditor(&self) -> bool {
        self.auditor
    }

    /// The overview, headroom, catalogue (as it stands and as of a date), its settings and the
    /// eligibility register: every signed-in person.
    pub fn reads_framework(&self) -> bool {
        true
    }

    /// Building a quote from the catalogue: buyers (placing the call-off checks eligibility).
    pub fn may_quote(&self) -> bool {
        self.buyer
    }

    /// The roadmap and each proposal: customers, the supplier, the manager and auditors.
    pub fn sees_proposals(&self) -> bool {
        self.takes_part_in_proposals() || self.auditor
    }

    /// Commenting and following: everyone who sees proposals except auditors, who change nothing.
    pub fn takes_part_in_proposals(&self) -> bool {
        self.is_customer() || self.supplier || self.manager
    }

    /// Raising a proposal, and supporting one (their organisation's vote): customers.
    pub fn may_raise_proposals(&self) -> bool {
        self.is_customer()
    }

    pub fn may_respond_to_proposals(&self) -> bool {
        self.supplier
    }

    pub fn may_decide_proposals(&self) -> bool {
        self.manager
    }

    /// What they may do with one proposal in `status`; `supported` when their organisation
    /// already supports it.
    pub fn on_proposal(&self, status: ProposalStatus, outcome: Option<Outcome>, supported: bool) -> ProposalActions {
        let open = !status.is_final();
        ProposalActions {
            support: open && self.may_raise_proposals() && !supported,
            comment: open && self.takes_part_in_proposals(),
            respond: open && self.may_respond_to_proposals(),
            decide: open && self.may_decide_proposals(),
            follow: self.takes_part_in_proposals(),
            answer_with_change_request: self.supplier && outcome == Some(Outcome::ChangeRequest),
        }
    }

    /// Proposing catalogue changes, an indexation or a price list: the framework's suppliers.
    pub fn may_propose_catalogue_changes(&self) -> bool {
        self.supplier
    }

    /// The framework's change requests: its manager (all) and its suppliers (their own).
    pub fn sees_change_requests(&self) -> bool {
        self.manager || self.supplier
    }

    /// One change request, proposed by `supplier`: the manager, and that supplier.
    pub fn sees_change_request(&self, supplier: &OrganisationId) -> bool {
        self.manager || (self.supplier && self.viewer == *supplier)
    }

    pub fn may_decide_change_requests(&self) -> bool {
        self.manager
    }

    /// Demand bands on its items: the manager.
    pub fn may_set_demand_bands(&self) -> bool {
        self.manager
    }

    /// The indexation cap and whether buyers are named: the manager.
    pub fn may_change_catalogue_settings(&self) -> bool {
        self.manager
    }

    /// The order register (every call-off placed under the framework, across all customers, and
    /// its CSV and XLSX exports): the manager, and auditors, who only read. Not customers, who
    /// see their own call-offs, nor suppliers, who see those addressed to them in their inbox:
    /// the register would show them other bodies' orders.
    pub fn reads_order_register(&self) -> bool {
        self.manager || self.auditor
    }

    /// Opening a call-off listed in the register: the manager (see [`super::Standing`]).
    /// Auditors read the register and the audit log, not the call-offs' pages.
    pub fn opens_registered_call_offs(&self) -> bool {
        self.manager
    }
}

/// What someone may do with one proposal, decided once so that pages and the API agree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProposalActions {
    pub support: bool,
    pub comment: bool,
    pub respond: bool,
    pub decide: bool,
    pub follow: bool,
    /// The supplier may propose the change request this accepted proposal asks for.
    pub answer_with_change_request: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standing::may_verify_organisations;

    struct Orgs {
        authority: OrganisationId,
        supplier: OrganisationId,
        other_supplier: OrganisationId,
        customer: OrganisationId,
    }

    fn orgs() -> Orgs {
        Orgs {
            authority: OrganisationId::generate(),
            supplier: OrganisationId::generate(),
            other_supplier: OrganisationId::generate(),
            customer: OrganisationId::generate(),
        }
    }

    fn standing(o: &Orgs, viewer: &OrganisationId, roles: &[Role], buying: BuyingStatus) -> FrameworkStanding {
        FrameworkStanding::of(viewer, roles, &o.authority, std::slice::from_ref(&o.supplier), buying)
    }

    /// Each answer, in order: customer, supplier, manager, sees proposals, takes part, raises,
    /// responds, decides proposals, proposes catalogue changes, sees change requests, decides
    /// them, sets demand bands and catalogue settings, quotes.
    type Answers = [bool; 13];

    fn answers(s: &FrameworkStanding) -> Answers {
        [
            s.is_customer(),
            s.is_supplier(),
            s.is_manager(),
            s.sees_proposals(),
            s.takes_part_in_proposals(),
            s.may_raise_proposals(),
            s.may_respond_to_proposals(),
            s.may_decide_proposals(),
            s.may_propose_catalogue_changes(),
            s.sees_change_requests(),
            s.may_decide_change_requests(),
            s.may_set_demand_bands() && s.may_change_catalogue_settings(),
            s.may_quote(),
        ]
    }

    const T: bool = true;
    const F: bool = false;

    #[test]
    fn roles_and_relations_decide_each_answer() {
        let o = orgs();
        use BuyingStatus::*;
        #[rustfmt::skip]
        let table: Vec<(&str, &OrganisationId, Vec<Role>, BuyingStatus, Answers)> = vec![
            ("buyer, eligible body", &o.customer, vec![Role::Buyer], Eligible,
                [T, F, F, T, T, T, F, F, F, F, F, F, T]),
            ("approver, eligible body", &o.customer, vec![Role::Approver], Eligible,
                [T, F, F, T, T, T, F, F, F, F, F, F, F]),
            ("admin, eligible body", &o.customer, vec![Role::OrganisationAdmin], Eligible,
                [T, F, F, T, T, T, F, F, F, F, F, F, F]),
            ("buyer, body not on the register", &o.customer, vec![Role::Buyer], NotEligible,
                [F, F, F, F, F, F, F, F, F, F, F, F, T]),
            ("buyer, unverified body", &o.customer, vec![Role::Buyer], Unverified,
                [F, F, F, F, F, F, F, F, F, F, F, F, T]),
            ("buyer, unregistered", &o.customer, vec![Role::Buyer], Unregistered,
                [F, F, F, F, F, F, F, F, F, F, F, F, T]),
            ("manager, authority", &o.authority, vec![Role::FrameworkManager], Eligible,
                [F, F, T, T, T, F, F, T, F, T, T, T, F]),
            ("manager, another body", &o.customer, vec![Role::FrameworkManager], Eligible,
                [F, F, F, F, F, F, F, F, F, F, F, F, F]),
            ("manager and buyer, authority on the register", &o.authority, vec![Role::FrameworkManager, Role::Buyer], Eligible,
                [T, F, T, T, T, T, F, T, F, T, T, T, T]),
            ("supplier user, its supplier", &o.supplier, vec![Role::SupplierUser], Supplier,
                [F, T, F, T, T, F, T, F, T, T, F, F, F]),
            ("supplier user, another supplier", &o.other_supplier, vec![Role::SupplierUser], Supplier,
                [F, F, F, F, F, F, F, F, F, F, F, F, F]),
            ("admin of its supplier", &o.supplier, vec![Role::OrganisationAdmin], Supplier,
                [F, F, F, F, F, F, F, F, F, F, F, F, F]),
            ("auditor", &o.authority, vec![Role::Auditor], Eligible,
                [F, F, F, T, F, F, F, F, F, F, F, F, F]),
            ("auditor elsewhere", &o.customer, vec![Role::Auditor], Eligible,
                [F, F, F, T, F, F, F, F, F, F, F, F, F]),
            ("no roles, authority", &o.authority, vec![], Eligible,
                [F, F, F, F, F, F, F, F, F, F, F, F, F]),
        ];
        for (who, viewer, roles, buying, want) in table {
            let s = standing(&o, viewer, &roles, buying);
            assert_eq!(answers(&s), want, "{who}");
            assert!(s.reads_framework(), "{who} reads the framework");
        }
    }

    #[test]
    fn the_reason_someone_is_not_a_customer_comes_from_their_roles_first() {
        let o = orgs();
        let cases = [
            (
                vec![Role::SupplierUser],
                BuyingStatus::Eligible,
                Some(NotCustomer::Role),
            ),
            (vec![Role::Buyer], BuyingStatus::Supplier, Some(NotCustomer::Supplier)),
            (
                vec![Role::Buyer],
                BuyingStatus::Unverified,
                Some(NotCustomer::Unverified),
            ),
            (
                vec![Role::Approver],
                BuyingStatus::NotEligible,
                Some(NotCustomer::NotEligible),
            ),
            (
                vec![Role::Buyer],
                BuyingStatus::Unregistered,
                Some(NotCustomer::Unregistered),
            ),
            (vec![Role::Buyer], BuyingStatus::Eligible, None),
        ];
        for (roles, buying, want) in cases {
            assert_eq!(standing(&o, &o.customer, &roles, buying).why_not_customer(), want);
        }
        assert_eq!(
            NotCustomer::NotEligible.explain("Camden", "RM-1"),
            "Camden is not eligible to buy through RM-1"
        );
    }

    #[test]
    fn a_supplier_sees_only_its_own_change_requests_and_the_manager_all() {
        let o = orgs();
        let supplier = standing(&o, &o.supplier, &[Role::SupplierUser], BuyingStatus::Supplier);
        assert!(supplier.sees_change_request(&o.supplier));
        assert!(!supplier.sees_change_request(&o.other_supplier));
        let manager = standing(&o, &o.authority, &[Role::FrameworkManager], BuyingStatus::Eligible);
        assert!(manager.sees_change_request(&o.supplier) && manager.sees_change_request(&o.other_supplier));
        let buyer = standing(&o, &o.customer, &[Role::Buyer], BuyingStatus::Eligible);
        assert!(!buyer.sees_change_request(&o.supplier));
    }

    #[test]
    fn a_decided_proposal_is_closed_to_all_but_following_and_answering() {
        let o = orgs();
        let customer = standing(&o, &o.customer, &[Role::Buyer], BuyingStatus::Eligible);
        let open = customer.on_proposal(ProposalStatus::Open, None, false);
        assert!(open.support && open.comment && open.follow && !open.respond && !open.decide);
        assert!(
            !customer.on_proposal(ProposalStatus::Open, None, true).support,
            "one vote each"
        );
        let decided = customer.on_proposal(ProposalStatus::Accepted, Some(Outcome::ChangeRequest), false);
        assert_eq!(
            decided,
            ProposalActions {
                follow: true,
                ..ProposalActions::default()
            }
        );
        let supplier = standing(&o, &o.supplier, &[Role::SupplierUser], BuyingStatus::Supplier);
        let accepted = supplier.on_proposal(ProposalStatus::Accepted, Some(Outcome::ChangeRequest), false);
        assert!(accepted.answer_with_change_request && !accepted.respond);
        let deferred = supplier.on_proposal(ProposalStatus::Deferred, None, false);
        assert!(deferred.respond && deferred.comment && !deferred.answer_with_change_request);
        let auditor = standing(&o, &o.authority, &[Role::Auditor], BuyingStatus::Eligible);
        assert_eq!(
            auditor.on_proposal(ProposalStatus::Open, None, false),
            ProposalActions::default()
        );
    }

    #[test]
    fn only_the_manager_and_auditors_read_the_order_register() {
        let o = orgs();
        use BuyingStatus::*;
        #[rustfmt::skip]
        // Who, at which organisation, with which roles and buying status: reads, opens.
        type Row<'a> = (&'a str, &'a OrganisationId, Vec<Role>, BuyingStatus, bool, bool);
        let table: Vec<Row> = vec![
            (
                "manager, authority",
                &o.authority,
                vec![Role::FrameworkManager],
                Eligible,
                true,
                true,
            ),
            (
                "manager, another body",
                &o.customer,
                vec![Role::FrameworkManager],
                Eligible,
                false,
                false,
            ),
            ("auditor", &o.authority, vec![Role::Auditor], Eligible, true, false),
            (
                "auditor elsewhere",
                &o.customer,
                vec![Role::Auditor],
                Eligible,
                true,
                false,
            ),
            (
                "buyer, eligible body",
                &o.customer,
                vec![Role::Buyer],
                Eligible,
                false,
                false,
            ),
            (
                "approver, eligible body",
                &o.customer,
                vec![Role::Approver],
                Eligible,
                false,
                false,
            ),
            (
                "admin, eligible body",
                &o.customer,
                vec![Role::OrganisationAdmin],
                Eligible,
                false,
                false,
            ),
            (
                "buyer at the authority",
                &o.authority,
                vec![Role::Buyer],
                Eligible,
                false,
                false,
            ),
            (
                "supplier user, its supplier",
                &o.supplier,
                vec![Role::SupplierUser],
                Supplier,
                false,
                false,
            ),
            (
                "supplier user, another supplier",
                &o.other_supplier,
                vec![Role::SupplierUser],
                Supplier,
                false,
                false,
            ),
            ("no roles, authority", &o.authority, vec![], Eligible, false, false),
        ];
        for (who, viewer, roles, buying, reads, opens) in table {
            let s = standing(&o, viewer, &roles, buying);
            assert_eq!(s.reads_order_register(), reads, "{who} reads the register");
            assert_eq!(s.opens_registered_call_offs(), opens, "{who} opens its call-offs");
        }
    }

    #[test]
    fn framework_managers_verify_organisations() {
        for role in Role::ALL {
            assert_eq!(
                may_verify_organisations(&[role]),
                role == Role::FrameworkManager,
                "{role:?}"
            );
        }
    }
}
