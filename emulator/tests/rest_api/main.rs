//! The HTTP control API against an in-memory fake model, over real HTTP on 127.0.0.1.

mod auth_errors;
mod data;
mod devicecontrol;
mod fake;
mod inventory;
