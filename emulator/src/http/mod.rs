//! The HTTP side of the emulator: the control API (accepting bootstrap requests, test hooks) and
//! the Cumulocity-shaped REST resources (`inventory`, `identity`, `measurement`, `event`,
//! `alarm`, `devicecontrol`), served on one loopback port.
//!
//! Modules: `control` (one REST API per tenant, chosen by the login), [`rest`] (the REST
//! routes), `tenants` (tenant and user administration), [`remote_access`] (the platform's side
//! of Cloud Remote Access tunnels).

pub(crate) mod control;
pub mod remote_access;
pub mod rest;
pub(crate) mod tenants;
