//! Gauntlet: a self-hosted platform for practising and grading five-round interview gauntlets.
//!
//! Layers, from the bottom: `content` (model, parser, importer) and `align` (pure engine);
//! `db` (SQLite queries) and `auth` (passwords, sessions, throttling); `web` (HTTP handlers,
//! one module per area) over `state`; `server` and `cli` on top.

pub mod align;
pub mod assign;
pub mod auth;
pub mod builtin;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod content_store;
pub mod db;
pub mod doctor;
pub mod drills;
pub mod export;
pub mod grading;
pub mod in_transit;
pub mod live;
pub mod metrics;
pub mod notify;
pub mod page_cache;
pub mod pieces;
pub mod practice;
pub mod role;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod web;
