//! HTTP tests of every page and API endpoint, against the real router served on loopback.

mod a11y;
mod api;
mod authz;
mod browser;
mod feed;
mod journeys;
mod ocds;
mod orders;
mod pages;
mod public;
mod quotes;
mod register;
mod returns;
mod shapes;
mod transparency;
mod trust;
