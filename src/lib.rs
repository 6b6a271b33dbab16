//! rolo: a terminal workspace for HighLevel CRM contacts.
//!
//! `api` and `sandbox` know nothing of the terminal; the binary wires them
//! to the UI.

pub mod api;
pub mod app;
pub mod arena;
pub mod auth;
pub mod cache;
pub mod config;
pub mod demo;
pub mod due;
pub mod editor;
pub mod export;
pub mod filter;
pub mod identity;
pub mod input;
pub mod keymap;
pub mod sandbox;
pub mod screen;
pub mod search;
pub mod searches;
pub mod shell;
pub mod text;
pub mod theme;
pub mod tui;
pub mod ui;
pub mod zone;
