//! Store and use-case tests, each run on SQLite and on PostgreSQL.

mod approvals;
mod audit_chain;
mod call_offs;
mod change_requests;
mod concurrency;
mod demo;
mod idempotency;
mod imports;
mod invoices;
mod lifecycle;
mod mi_imports;
mod notices;
mod notifications;
mod ocds;
mod people;
mod proposals;
mod register;
mod registration;
mod returns;
mod schema;
mod search;
mod termination;
mod two_factor;
mod variations;
mod volume_pricing;
