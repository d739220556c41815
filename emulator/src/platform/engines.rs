//! Routes a device's publishes on the SmartREST 2.0, SmartREST 1.0 and JSON topics to their
//! engines ([`crate::platform::sr2`], [`crate::platform::sr1`], [`crate::platform::json_mqtt`]), and renders operations for the
//! downstream channels those engines own (`s/dc/<X-ID>`, `s/dd`, `devicecontrol/notifications`).
//!
//! Static templates (`s/us`) and bootstrap (`s/ucr`) stay with the platform itself
//! ([`crate::platform::cumulocity`]); everything here runs outside the model lock and reaches the model only
//! through [`ApiExecutor`].

use c8y_mqtt::templates::downstream::{DownstreamLine, ErrorLine};
use c8y_mqtt::topic::{DownstreamTopic, ProcessingMode, SmartRestChannel, UpstreamTopic};
use serde_json::Value;

use crate::platform::delivery::target_device;
use crate::platform::endpoint::SessionInfo;
use crate::platform::json_mqtt;
use crate::platform::request::{ApiExecutor, Document, Reply, RequestContext};
use crate::platform::sr1::Sr1Registry;
use crate::platform::sr2::{Sr2Channel, Sr2Registry, Sr2Subscription};

/// The request engines of one emulated tenant.
#[derive(Debug, Default)]
pub struct Engines {
    /// SmartREST 2.0 collections (`s/ut`, `s/uc`, `s/ud`).
    pub sr2: Sr2Registry,
    /// SmartREST 1.0 collections (`s/ul`).
    pub sr1: Sr1Registry,
}

/// The request context of a publish: the session's tenant, the device named by the topic (the
/// last child level, else the session's device), and whether the processing mode stores data
/// (`t/` transient and `c/` CEP do not).
pub(crate) fn request_context(
    session: &SessionInfo,
    mode: ProcessingMode,
    children: &[c8y_mqtt::topic::ExternalId],
) -> RequestContext {
    RequestContext {
        tenant: session.tenant().to_owned(),
        device: children
            .last()
            .map_or_else(|| session.device_id.clone(), |child| child.as_str().to_owned()),
        persistent: mode.stores_data(),
        scope: Some(session.device_id.clone()),
    }
}

impl Engines {
    /// Processes a publish on a SmartREST 2.0, SmartREST 1.0 or JSON topic; returns the replies
    /// for the session's device (the connections deliver those it subscribed to). Static and
    /// bootstrap topics give nothing here.
    pub(crate) fn on_publish(
        &self,
        session: &SessionInfo,
        topic: &UpstreamTopic,
        payload: &[u8],
        message_id: Option<u16>,
        executor: &dyn ApiExecutor,
    ) -> Vec<Reply> {
        match topic {
            UpstreamTopic::Template(xid) => {
                // A collection is the tenant's, stored in the inventory outside any device's
                // hierarchy (docs/protocol.md §7.4).
                let context = RequestContext {
                    scope: None,
                    ..request_context(session, ProcessingMode::Persistent, &[])
                };
                self.sr2
                    .on_template_topic(&context, xid.as_str(), payload, executor)
            }
            UpstreamTopic::SmartRest(t) => {
                let context = request_context(session, t.mode, &t.children);
                match &t.channel {
                    SmartRestChannel::Static => Vec::new(),
                    SmartRestChannel::Custom(xid) => {
                        self.sr2
                            .on_use(&context, xid.as_str(), Sr2Channel::Custom, payload, executor)
                    }
                    SmartRestChannel::Default => match &session.default_xid {
                        Some(xid) => self
                            .sr2
                            .on_use(&context, xid, Sr2Channel::Default, payload, executor),
                        None => vec![no_default_xid()],
                    },
                    SmartRestChannel::Legacy(xid) => {
                        self.sr1.on_publish(&context, xid.as_str(), payload, executor)
                    }
                }
            }
            UpstreamTopic::Json(json) => {
                let context = request_context(session, json.mode(), &[]);
                json_mqtt::on_publish(&context, json, payload, message_id, executor)
            }
            UpstreamTopic::CredentialsRequest | UpstreamTopic::TokenRequest => Vec::new(),
        }
    }

    /// Renders `operation` for the SmartREST 2.0, SmartREST 1.0 (`s/ol/<X-ID>`) and JSON channels
    /// the root device's session
    /// subscribed to (`subscriptions`, its topics), with `default_xid` from its client id.
    pub(crate) fn render_operation(
        &self,
        tenant: &str,
        subscriptions: &[String],
        default_xid: Option<&str>,
        operation: &Document,
    ) -> Vec<Reply> {
        let Some(device) = target_device(operation) else {
            return Vec::new();
        };
        let mut sr2_subscriptions = Vec::new();
        let mut replies = Vec::new();
        let op = Value::Object(operation.clone());
        for topic in subscriptions {
            match topic.parse::<DownstreamTopic>() {
                Ok(DownstreamTopic::Custom(xid)) => sr2_subscriptions.push(Sr2Subscription {
                    xid: xid.as_str().to_owned(),
                    channel: Sr2Channel::Custom,
                }),
                Ok(DownstreamTopic::Default) => {
                    if let Some(xid) = default_xid {
                        sr2_subscriptions.push(Sr2Subscription {
                            xid: xid.to_owned(),
                            channel: Sr2Channel::Default,
                        });
                    }
                }
                Ok(DownstreamTopic::LegacyOperations(xid)) => {
                    replies.extend(self.sr1.render_operation(tenant, xid.as_str(), &op));
                }
                Ok(DownstreamTopic::JsonOperations | DownstreamTopic::JsonOperationsLegacy) => {
                    replies.push(Reply::new(
                        topic.clone(),
                        json_mqtt::operation_notification(&op, device),
                    ));
                }
                _ => {}
            }
        }
        replies.extend(self.sr2.render_operation(tenant, &sr2_subscriptions, &op, device));
        replies
    }
}

/// The `s/e` line for `s/ud` from a session whose client id names no default X-ID.
fn no_default_xid() -> Reply {
    let line = ErrorLine::new(40, "", "No default X-ID in the client id (d:<id>:<X-ID>)");
    Reply::new(DownstreamTopic::Error.to_string(), line.to_row())
}
