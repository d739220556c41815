//! The HTTP side of the emulator: the control API (accepting bootstrap requests, test hooks) and
//! the Cumulocity-shaped REST resources (`inventory`, `identity`, `measurement`, `event`,
//! `alarm`, `devicecontrol`), served on one loopback port.
//!
//! Modules: `control` (the control API over the platform), [`rest`] (the REST routes).

pub(crate) mod control;
pub mod rest;
