//! HTTP tests against the real server on a loopback port with a real SQLite file.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod admin;
mod catalog;
mod hardening;
mod hardening_accounts;
mod hardening_inputs;
mod practice;
mod reviews;
mod security;
mod team;
mod threats;
