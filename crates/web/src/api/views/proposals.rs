//! Customer governance: proposals, their comments, supporters and who may do what.

use super::{OrganisationRef, PersonRef, RecordedPerson};
use calloff_app::proposals::{Comment, Proposal};
use calloff_domain::change_control::RequestStatus;
use calloff_domain::governance::{Outcome, ProposalKind, ProposalStatus};
use calloff_domain::ids::{FrameworkId, ItemId, ProposalId};
use serde::Serialize;
use utoipa::ToSchema;

/// Who raised a proposal, for which organisation.
#[derive(Serialize, ToSchema)]
pub struct RaisedBy {
    pub organisation: OrganisationRef,
    pub user: PersonRef,
}

/// The item a change or retirement is about.
#[derive(Serialize, ToSchema)]
pub struct ProposalItem {
    pub id: ItemId,
    pub sku: Option<String>,
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalDecisionView {
    pub reason: Option<String>,
    #[schema(format = DateTime)]
    pub decided_at: String,
    pub decided_by: RecordedPerson,
}

#[derive(Serialize, ToSchema)]
pub struct SupplierResponseView {
    pub text: Option<String>,
    #[schema(format = DateTime)]
    pub responded_at: String,
    pub responded_by: RecordedPerson,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalView {
    pub id: ProposalId,
    pub framework_id: FrameworkId,
    pub kind: ProposalKind,
    pub raised_by: RaisedBy,
    pub item: Option<ProposalItem>,
    pub lot: Option<u32>,
    pub title: String,
    pub rationale: String,
    pub status: ProposalStatus,
    pub outcome: Option<Outcome>,
    /// Calendar quarter, e.g. 2027-Q2 (April to June 2027).
    pub target_quarter: Option<String>,
    pub decision: Option<ProposalDecisionView>,
    pub supplier_response: Option<SupplierResponseView>,
    pub support_count: i64,
    pub comment_count: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&Proposal> for ProposalView {
    fn from(p: &Proposal) -> Self {
        Self {
            id: p.id.clone(),
            framework_id: p.framework_id.clone(),
            kind: p.kind,
            raised_by: RaisedBy {
                organisation: OrganisationRef {
                    id: p.organisation_id.clone(),
                    name: p.organisation_name.clone(),
                },
                user: PersonRef {
                    id: p.raised_by.clone(),
                    name: p.raised_by_name.clone(),
                },
            },
            item: p.item_id.as_ref().map(|id| ProposalItem {
                id: id.clone(),
                sku: p.item_sku.clone(),
                name: p.item_name.clone(),
            }),
            lot: p.lot_number,
            title: p.title.clone(),
            rationale: p.rationale.clone(),
            status: p.status,
            outcome: p.outcome,
            target_quarter: p.target_quarter.map(|q| q.to_string()),
            decision: p.decided_at.as_ref().map(|at| ProposalDecisionView {
                reason: p.decision_reason.clone(),
                decided_at: at.clone(),
                decided_by: RecordedPerson {
                    id: p.decided_by.clone(),
                    name: p.decided_by_name.clone(),
                },
            }),
            supplier_response: p.responded_at.as_ref().map(|at| SupplierResponseView {
                text: p.supplier_response.clone(),
                responded_at: at.clone(),
                responded_by: RecordedPerson {
                    id: p.responded_by.clone(),
                    name: p.responded_by_name.clone(),
                },
            }),
            support_count: p.support_count,
            comment_count: p.comment_count,
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProposalList {
    pub framework_id: FrameworkId,
    pub you_may_raise: bool,
    pub proposals: Vec<ProposalView>,
}

#[derive(Serialize, ToSchema)]
pub struct ProposalCommentView {
    pub id: String,
    pub proposal_id: ProposalId,
    pub body: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub author: PersonRef,
    pub organisation: OrganisationRef,
}

impl From<&Comment> for ProposalCommentView {
    fn from(c: &Comment) -> Self {
        Self {
            id: c.id.clone(),
            proposal_id: c.proposal_id.clone(),
            body: c.body.clone(),
            created_at: c.created_at.clone(),
            author: PersonRef {
                id: c.author_id.clone(),
                name: c.author_name.clone(),
            },
            organisation: OrganisationRef {
                id: c.organisation_id.clone(),
                name: c.organisation_name.clone(),
            },
        }
    }
}

/// An organisation's support.
#[derive(Serialize, ToSchema)]
pub struct Supporter {
    pub organisation: OrganisationRef,
    #[schema(format = DateTime)]
    pub supported_at: String,
}

/// A change request answering the proposal.
#[derive(Serialize, ToSchema)]
pub struct AnsweringRequest {
    pub id: String,
    pub title: String,
    pub status: RequestStatus,
}

/// What the signed-in user may do with the proposal.
#[derive(Serialize, ToSchema)]
pub struct ProposalPermissions {
    pub support: bool,
    pub comment: bool,
    pub respond: bool,
    pub decide: bool,
    pub follow: bool,
    pub answer_with_change_request: bool,
}

/// A proposal with its supporters, comments, the change requests answering it, and what the
/// signed-in user may do.
#[derive(Serialize, ToSchema)]
pub struct ProposalDetail {
    #[serde(flatten)]
    pub proposal: ProposalView,
    pub supporters: Vec<Supporter>,
    pub comments: Vec<ProposalCommentView>,
    pub change_requests: Vec<AnsweringRequest>,
    pub followers: i64,
    pub you_follow: bool,
    pub you_may: ProposalPermissions,
}

impl From<&calloff_app::proposals::ProposalView> for ProposalDetail {
    fn from(v: &calloff_app::proposals::ProposalView) -> Self {
        let a = v.allowed;
        Self {
            proposal: (&v.proposal).into(),
            supporters: v
                .votes
                .iter()
                .map(|vote| Supporter {
                    organisation: OrganisationRef {
                        id: vote.organisation_id.clone(),
                        name: vote.organisation_name.clone(),
                    },
                    supported_at: vote.voted_at.clone(),
                })
                .collect(),
            comments: v.comments.iter().map(Into::into).collect(),
            change_requests: v
                .change_requests
                .iter()
                .map(|r| AnsweringRequest {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    status: r.status,
                })
                .collect(),
            followers: v.followers,
            you_follow: v.following,
            you_may: ProposalPermissions {
                support: a.support,
                comment: a.comment,
                respond: a.respond,
                decide: a.decide,
                follow: a.follow,
                answer_with_change_request: a.answer_with_change_request,
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Following {
    pub proposal_id: ProposalId,
    pub you_follow: bool,
}
