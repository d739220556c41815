//! Rights: which devices a login may act for, as the platform enforces them
//! (docs/protocol.md §1.3, §1.4, §2.4, §3).
//!
//! * Users named `device_*` are device users. A device user has rights on the devices it owns
//!   and their children: the root device it claimed by connecting first with that device id
//!   (a new device, which it then owns), and the device it was registered for (bootstrap names
//!   the user `device_<id>`). Any other existing device is refused (CONNACK 5), so a device user
//!   cannot take over another device's session.
//! * Other users are the tenant's administrators: any device of their tenant.
//! * A device's publishes reach only its own hierarchy: [`Model::scope_device`] resolves (or
//!   creates, as a first-level child) the device a request names and refuses devices outside
//!   the session's hierarchy; [`Model::check_scope`] refuses existing objects of other devices.

use super::json::{source_of, text};
use super::{Model, parse_id};
use crate::platform::request::{ApiError, RequestContext, Resource};

/// The user-name prefix of device users.
pub(crate) const DEVICE_USER_PREFIX: &str = "device_";

/// Whether `user` is a device user (rights on its own devices only).
pub(crate) fn is_device_user(user: &str) -> bool {
    user.starts_with(DEVICE_USER_PREFIX)
}

impl Model {
    /// Whether `user` may connect with device id `serial`; a device user claims a new device
    /// id here (it owns it from now on).
    pub(crate) fn claim_device(&mut self, user: &str, serial: &str) -> bool {
        if !is_device_user(user) || user.strip_prefix(DEVICE_USER_PREFIX) == Some(serial) {
            return true;
        }
        match self.owners.get(serial) {
            Some(owner) => owner == user,
            None if self.find_serial(serial).is_some() => false,
            None => {
                self.owners.insert(serial.to_owned(), user.to_owned());
                true
            }
        }
    }

    /// Whether device user `user` has rights on managed object `id` (it is in the hierarchy of
    /// a device the user owns). Administrators have rights on everything: check
    /// [`is_device_user`] first.
    pub(crate) fn owns(&self, user: &str, id: u64) -> bool {
        let root = self.root_of(id);
        self.serial_of(root).is_some_and(|serial| {
            user.strip_prefix(DEVICE_USER_PREFIX) == Some(serial)
                || self.owners.get(serial).is_some_and(|owner| owner == user)
        })
    }

    /// The scope's root device, auto-created when unknown (a session's device appears on its
    /// first request).
    fn scope_root(&mut self, context: &RequestContext) -> Option<u64> {
        let serial = context.scope.as_deref()?;
        Some(match self.find_serial(serial) {
            Some(id) => id,
            None => self.create_device(serial, None, None),
        })
    }

    /// The request's device. Unknown devices are auto-created: as a root device without scope,
    /// as a first-level child of the scope's root otherwise (as `s/us/<child>` does). A device
    /// outside the scope's hierarchy is refused.
    pub(crate) fn scope_device(&mut self, context: &RequestContext) -> Result<u64, ApiError> {
        let root = self.scope_root(context);
        match (self.find_serial(&context.device), root) {
            (Some(id), Some(root)) if !self.in_hierarchy(root, id) => Err(outside(context, &context.device)),
            (Some(id), _) => Ok(id),
            (None, None) => Ok(self.create_device(&context.device, None, None)),
            (None, Some(root)) => Ok(self.create_child_device(root, &context.device, None, None, true)),
        }
    }

    /// Refuses an existing object (managed object `key`, or record index `key` of `resource`)
    /// outside the scope's hierarchy.
    pub(crate) fn check_scope(
        &mut self,
        context: &RequestContext,
        resource: Resource,
        key: u64,
    ) -> Result<(), ApiError> {
        let Some(root) = self.scope_root(context) else {
            return Ok(());
        };
        let device = match resource {
            Resource::ManagedObject => Some(key),
            _ => {
                let record = usize::try_from(key)
                    .ok()
                    .and_then(|index| self.records(resource).get(index));
                record
                    .and_then(|r| match resource {
                        Resource::Operation => text(r, "deviceId"),
                        _ => source_of(r),
                    })
                    .and_then(parse_id)
            }
        };
        match device {
            Some(device) if self.in_hierarchy(root, device) => Ok(()),
            _ => Err(outside(context, &format!("{resource:?} {key}"))),
        }
    }

    /// Whether managed object `id` is in the scope's hierarchy (always without scope).
    pub(crate) fn in_scope(&mut self, context: &RequestContext, id: u64) -> bool {
        self.scope_root(context)
            .is_none_or(|root| self.in_hierarchy(root, id))
    }
}

/// The refusal of `what` outside the hierarchy of the context's scope.
fn outside(context: &RequestContext, what: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "{what} is not in the hierarchy of device {}",
        context.scope.as_deref().unwrap_or_default()
    ))
}
