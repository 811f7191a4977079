//! HTTP tests against the real server on a loopback port with a real SQLite file.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod admin;
mod assets;
mod author;
mod catalog;
mod drills;
mod hardening;
mod hardening_accounts;
mod hardening_inputs;
mod hardening_store;
mod live;
mod oidc;
mod practice;
mod reviews;
mod security;
mod team;
mod threats;
mod threats_access;
mod threats_input;
mod threats_output;
mod threats_passwords;
mod threats_sessions;
mod threats_source;
