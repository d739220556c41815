//! One MQTT connection from CONNECT to close: CONNECT validation and CONNACK codes, then the
//! packet loop (QoS 0/1/2 both ways, SUBSCRIBE rules, keep-alive, last will, size limit).
//!
//! CONNACK decisions (docs/protocol.md §1.5; checked in this order):
//! 1. protocol other than 3.1 / 3.1.1 → 1;
//! 2. the `refuse_connections` fault → 3;
//! 3. client id not `[d:]id[:xid]` (parsed by `c8y_mqtt::topic::ClientId`) → 2;
//! 4. credentials, or the TLS client certificate (see `auth`) → 4 or 5;
//! 5. clean session = false → 5 ("forbidden action": docs/protocol.md says clean session is
//!    required, and a refusal is more visible to an SDK than silently dropping session state);
//! 6. MQTT 3.1 with a client id of 24 characters or more → 5 (docs/protocol.md's table says 5, not 2).
//!
//! Before the credentials, an address over the wrong-password limit (`login_limit`) → 5.
//!
//! After a refusal the connection is closed. Inbound QoS 2 is processed on PUBREL (docs/protocol.md §1.6:
//! "PUBREL → server processes and sends PUBCOMP"). Retain is ignored on input and never set on
//! output. Outbound QoS 1/2 are not retransmitted.
//!
//! Limits ([`crate::Limits`]): keep-alive is 1.5 × the CONNECT's value counted from the last
//! complete packet (docs/protocol.md §1.6); a packet whose first byte arrived must complete within
//! the packet timeout, also with keep-alive 0; more unreleased QoS 2 publishes than allowed
//! close the connection.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use c8y_mqtt::QoS;
use rumqttc::mqttbytes::QoS as WireQoS;
use rumqttc::mqttbytes::v4::{
    ConnAck, Connect, ConnectReturnCode, Packet, PubAck, PubComp, PubRec, PubRel, Publish, SubAck, Subscribe,
    SubscribeReasonCode, UnsubAck, Unsubscribe,
};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::journal::EmulatorEvent;
use crate::mqtt::codec::{self, FirstPacket, FrameError, ProtocolVersion};
use crate::mqtt::faults::AckFault;
use crate::mqtt::shared::Shared;
use crate::mqtt::topics;
use crate::mqtt::transport::Connection;
use crate::mqtt::transport::tls::ClientCertificate;
use crate::platform::endpoint::{DevicePublish, DisconnectReason, PublishOrigin, SessionInfo, Transport};
use crate::{lock, mqtt::session_table::SessionCommand};
use c8y_mqtt::topic::ClientId;

/// MQTT 3.1 client ids are limited to 23 characters.
const MQTT31_MAX_CLIENT_ID: usize = 23;

/// Serves one accepted connection until it closes.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    mut conn: Connection,
    transport: Transport,
    certificate: Option<ClientCertificate>,
    peer: IpAddr,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buf = BytesMut::new();
    let first = tokio::select! {
        first = tokio::time::timeout(shared.config.connect_timeout, read_first(&mut conn, &mut buf)) => first,
        () = crate::mqtt::shared::stopped(&mut shutdown) => return,
    };
    let (connect, protocol) = match first {
        Ok(Some(FirstPacket::Connect(connect, protocol))) => (connect, protocol),
        Ok(Some(FirstPacket::UnsupportedProtocol)) => {
            let _ = send_connack(&mut conn, ConnectReturnCode::RefusedProtocolVersion).await;
            shared.journal.record(EmulatorEvent::Refused {
                transport,
                client_id: String::new(),
                username: None,
                code: 1,
            });
            conn.close().await;
            return;
        }
        // Not a CONNECT, malformed, closed, or too slow: close without CONNACK.
        _ => {
            conn.close().await;
            return;
        }
    };
    let info = match admit(&shared, &connect, protocol, transport, certificate.as_ref(), peer) {
        Ok(info) => info,
        Err(code) => {
            let _ = send_connack(&mut conn, code).await;
            shared.journal.record(EmulatorEvent::Refused {
                transport,
                client_id: connect.client_id.clone(),
                username: connect.login.as_ref().map(|l| l.username.clone()),
                code: code as u8,
            });
            conn.close().await;
            return;
        }
    };

    let (commands_tx, commands) = mpsc::unbounded_channel();
    shared.registry.register(info.clone(), commands_tx);
    if send_connack(&mut conn, ConnectReturnCode::Success).await.is_err() {
        shared.registry.unregister(&info);
        return;
    }
    shared.journal.record(EmulatorEvent::Connected(info.clone()));
    if let Some(platform) = &shared.platform {
        platform.on_connect(&info);
    }

    let mut session = Session {
        shared: Arc::clone(&shared),
        info,
        conn,
        buf,
        pending_qos2: HashMap::new(),
        outbound_inflight: HashMap::new(),
        next_pkid: 0,
    };
    let reason = session.run(commands, shutdown).await;
    session.conn.close().await;
    session.finish(&connect, reason);
}

/// Reads until the first packet is complete.
async fn read_first(conn: &mut Connection, buf: &mut BytesMut) -> Option<FirstPacket> {
    loop {
        match codec::read_connect(buf) {
            Ok(Some(first)) => return Some(first),
            Ok(None) => {}
            Err(_) => return None,
        }
        match conn.read_into(buf).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Validates a CONNECT; returns the session or the CONNACK refusal code.
fn admit(
    shared: &Shared,
    connect: &Connect,
    protocol: ProtocolVersion,
    transport: Transport,
    certificate: Option<&ClientCertificate>,
    peer: IpAddr,
) -> Result<SessionInfo, ConnectReturnCode> {
    if shared.faults.refusing() {
        return Err(ConnectReturnCode::ServiceUnavailable);
    }
    let identity: ClientId = connect
        .client_id
        .parse()
        .map_err(|_| ConnectReturnCode::BadClientId)?;
    if shared.login_limiter.is_blocked(peer) {
        return Err(ConnectReturnCode::NotAuthorized);
    }
    let credentials = lock(&shared.credentials);
    let login = match certificate {
        Some(certificate) => credentials.authenticate_certificate(certificate, identity.device().as_str()),
        None => match &connect.login {
            Some(login) => credentials.authenticate(Some(&login.username), &login.password),
            None => credentials.authenticate(None, ""),
        },
    };
    drop(credentials);
    let principal = login.map_err(|e| match e.connack_code() {
        4 => {
            shared.login_limiter.record_failure(peer);
            ConnectReturnCode::BadUserNamePassword
        }
        _ => ConnectReturnCode::NotAuthorized,
    })?;
    if !connect.clean_session {
        return Err(ConnectReturnCode::NotAuthorized);
    }
    if protocol == ProtocolVersion::V31 && connect.client_id.chars().count() > MQTT31_MAX_CLIENT_ID {
        return Err(ConnectReturnCode::NotAuthorized);
    }
    let info = SessionInfo {
        connection_id: shared.next_connection_id(),
        client_id: connect.client_id.clone(),
        device_id: identity.device().to_string(),
        default_xid: identity.default_xid().map(ToString::to_string),
        principal,
        transport,
        protocol,
        keep_alive: connect.keep_alive,
    };
    // The platform decides whose device this is (docs/protocol.md §1.4, §1.5: "no permission"
    // is CONNACK 5).
    match &shared.platform {
        Some(platform) if !platform.authorize_connect(&info) => Err(ConnectReturnCode::NotAuthorized),
        _ => Ok(info),
    }
}

async fn send_connack(conn: &mut Connection, code: ConnectReturnCode) -> std::io::Result<()> {
    let mut out = BytesMut::new();
    codec::write_packet(&Packet::ConnAck(ConnAck::new(code, false)), &mut out)
        .map_err(std::io::Error::other)?;
    conn.send(out).await
}

/// An accepted session.
struct Session {
    shared: Arc<Shared>,
    info: SessionInfo,
    conn: Connection,
    buf: BytesMut,
    /// Inbound QoS 2 publishes held until PUBREL, by packet id.
    pending_qos2: HashMap<u16, DevicePublish>,
    /// Outbound QoS 1/2 publishes not yet completed: packet id → (topic, QoS).
    outbound_inflight: HashMap<u16, (String, QoS)>,
    next_pkid: u16,
}

/// What the packet loop does next.
enum Step {
    Continue,
    End(DisconnectReason),
}

impl Session {
    async fn run(
        &mut self,
        mut commands: mpsc::UnboundedReceiver<SessionCommand>,
        mut shutdown: watch::Receiver<bool>,
    ) -> DisconnectReason {
        let keep_alive =
            (self.info.keep_alive > 0).then(|| Duration::from_millis(u64::from(self.info.keep_alive) * 1500));
        let packet_timeout = self.shared.config.limits.packet_timeout;
        let mut deadline = keep_alive.map(|k| Instant::now() + k);
        // When the first byte of a packet not yet complete arrived.
        let mut partial_since: Option<Instant> = None;
        loop {
            // Handle every complete packet already buffered (CONNECT may arrive with others).
            let mut completed = false;
            loop {
                match codec::read_packet(&mut self.buf) {
                    Ok(Some(packet)) => {
                        completed = true;
                        if let Step::End(reason) = self.on_packet(packet).await {
                            return reason;
                        }
                    }
                    Ok(None) => break,
                    Err(FrameError::TooLarge { size }) => return DisconnectReason::PacketTooLarge { size },
                    Err(FrameError::Malformed(e)) => return DisconnectReason::ProtocolError(e.to_string()),
                }
            }
            // Keep-alive runs from the last complete packet: a byte trickle does not reset it
            // (docs/protocol.md §1.6), and a started packet must complete within the packet
            // timeout even with keep-alive 0.
            if completed {
                deadline = keep_alive.map(|k| Instant::now() + k);
            }
            partial_since = match (self.buf.is_empty(), completed) {
                (true, _) => None,
                (false, true) => Some(Instant::now()),
                (false, false) => partial_since.or_else(|| Some(Instant::now())),
            };
            let partial_deadline = partial_since.map(|since| since + packet_timeout);
            let expiry = async {
                match (deadline, partial_deadline) {
                    (Some(keep), Some(partial)) if partial < keep => {
                        tokio::time::sleep_until(partial).await;
                        DisconnectReason::ProtocolError(format!(
                            "a packet stayed incomplete for {packet_timeout:?}"
                        ))
                    }
                    (Some(keep), _) => {
                        tokio::time::sleep_until(keep).await;
                        DisconnectReason::KeepAliveExpired
                    }
                    (None, Some(partial)) => {
                        tokio::time::sleep_until(partial).await;
                        DisconnectReason::ProtocolError(format!(
                            "a packet stayed incomplete for {packet_timeout:?}"
                        ))
                    }
                    (None, None) => std::future::pending().await,
                }
            };
            tokio::select! {
                // Commands first (a close reason sent before the stop flag wins, and a device
                // flooding the connection cannot starve them), then reads, keep-alive, stop.
                biased;
                command = commands.recv() => match command {
                    Some(SessionCommand::Deliver { topic, payload, qos }) => {
                        if let Err(e) = self.deliver(topic, payload, qos).await {
                            return DisconnectReason::ConnectionLost(e.to_string());
                        }
                    }
                    Some(SessionCommand::Close(reason)) => return reason,
                    None => return DisconnectReason::Shutdown,
                },
                read = self.conn.read_into(&mut self.buf) => match read {
                    Ok(0) => {
                        return DisconnectReason::ConnectionLost(
                            "closed by the client without DISCONNECT".to_owned(),
                        );
                    }
                    Ok(_) => {}
                    Err(e) => return DisconnectReason::ConnectionLost(e.to_string()),
                },
                reason = expiry => return reason,
                () = crate::mqtt::shared::stopped(&mut shutdown) => return DisconnectReason::Shutdown,
            }
        }
    }

    async fn on_packet(&mut self, packet: Packet) -> Step {
        let result = match packet {
            Packet::Publish(publish) if publish.topic.is_empty() || publish.topic.contains(['+', '#']) => {
                return Step::End(DisconnectReason::ProtocolError(format!(
                    "invalid topic name in PUBLISH: {:?}",
                    publish.topic
                )));
            }
            Packet::Publish(publish)
                if publish.qos == WireQoS::ExactlyOnce
                    && !self.pending_qos2.contains_key(&publish.pkid)
                    && self.pending_qos2.len() >= self.shared.config.limits.max_pending_qos2 =>
            {
                return Step::End(DisconnectReason::ProtocolError(format!(
                    "more than {} QoS 2 publishes without PUBREL",
                    self.shared.config.limits.max_pending_qos2
                )));
            }
            Packet::Publish(publish) => self.on_publish(publish).await,
            Packet::PubRel(PubRel { pkid }) => {
                if let Some(publish) = self.pending_qos2.remove(&pkid) {
                    self.dispatch(&publish);
                }
                self.send(Packet::PubComp(PubComp::new(pkid))).await
            }
            Packet::PubAck(PubAck { pkid }) | Packet::PubComp(PubComp { pkid }) => {
                if let Some((topic, qos)) = self.outbound_inflight.remove(&pkid) {
                    self.shared.journal.record(EmulatorEvent::Acknowledged {
                        tenant: self.info.tenant().to_owned(),
                        device_id: self.info.device_id.clone(),
                        topic,
                        qos,
                    });
                }
                Ok(())
            }
            Packet::PubRec(PubRec { pkid }) => self.send(Packet::PubRel(PubRel::new(pkid))).await,
            Packet::Subscribe(subscribe) => self.on_subscribe(subscribe).await,
            Packet::Unsubscribe(unsubscribe) => self.on_unsubscribe(unsubscribe).await,
            Packet::PingReq => self.send(Packet::PingResp).await,
            Packet::Disconnect => return Step::End(DisconnectReason::ClientDisconnect),
            other => {
                return Step::End(DisconnectReason::ProtocolError(format!(
                    "unexpected packet from a client: {other:?}"
                )));
            }
        };
        match result {
            Ok(()) => Step::Continue,
            Err(e) => Step::End(DisconnectReason::ConnectionLost(e.to_string())),
        }
    }

    async fn on_publish(&mut self, publish: Publish) -> std::io::Result<()> {
        if publish.topic.is_empty() || publish.topic.contains(['+', '#']) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "invalid publish topic",
            ));
        }
        let device_publish = DevicePublish {
            topic: publish.topic,
            payload: publish.payload,
            qos: from_wire(publish.qos),
            origin: PublishOrigin::Device,
        };
        let withheld = match self.shared.faults.ack_fault(&self.info.device_id) {
            AckFault::None => false,
            AckFault::Withhold => true,
            AckFault::Delay(delay) => {
                // A slow server: the session stalls before acknowledging.
                if publish.qos != WireQoS::AtMostOnce {
                    tokio::time::sleep(delay).await;
                }
                false
            }
        };
        match publish.qos {
            WireQoS::AtMostOnce => {
                self.dispatch(&device_publish);
                Ok(())
            }
            WireQoS::AtLeastOnce => {
                self.dispatch(&device_publish);
                if withheld {
                    Ok(())
                } else {
                    self.send(Packet::PubAck(PubAck::new(publish.pkid))).await
                }
            }
            WireQoS::ExactlyOnce => {
                // A re-sent PUBLISH with the same packet id replaces the held one: processed once.
                self.pending_qos2.insert(publish.pkid, device_publish);
                if withheld {
                    Ok(())
                } else {
                    self.send(Packet::PubRec(PubRec::new(publish.pkid))).await
                }
            }
        }
    }

    async fn on_subscribe(&mut self, subscribe: Subscribe) -> std::io::Result<()> {
        let mut codes = Vec::with_capacity(subscribe.filters.len());
        for filter in subscribe.filters {
            let allowed = topics::is_subscribable(&filter.path)
                && self
                    .shared
                    .platform
                    .as_ref()
                    .is_none_or(|p| p.authorize_subscribe(&self.info, &filter.path));
            let granted = allowed.then(|| from_wire(filter.qos));
            if let Some(qos) = granted {
                self.shared
                    .registry
                    .set_subscription(&self.info, &filter.path, Some(qos));
            }
            codes.push(match granted {
                Some(_) => SubscribeReasonCode::Success(filter.qos),
                None => SubscribeReasonCode::Failure,
            });
            self.shared.journal.record(EmulatorEvent::Subscribed {
                session: self.info.clone(),
                topic: filter.path,
                granted,
            });
        }
        self.send(Packet::SubAck(SubAck::new(subscribe.pkid, codes)))
            .await
    }

    async fn on_unsubscribe(&mut self, unsubscribe: Unsubscribe) -> std::io::Result<()> {
        for topic in &unsubscribe.topics {
            self.shared.registry.set_subscription(&self.info, topic, None);
        }
        self.send(Packet::UnsubAck(UnsubAck::new(unsubscribe.pkid))).await
    }

    /// Hands an accepted publish to the journal and the platform.
    fn dispatch(&self, publish: &DevicePublish) {
        self.shared.journal.record(EmulatorEvent::Published {
            session: self.info.clone(),
            publish: publish.clone(),
        });
        if let Some(platform) = &self.shared.platform {
            platform.on_publish(&self.info, publish);
        }
    }

    async fn deliver(&mut self, topic: String, payload: Bytes, qos: QoS) -> std::io::Result<()> {
        let mut publish = Publish::from_bytes(topic.clone(), to_wire(qos), payload.clone());
        publish.retain = false;
        if qos != QoS::AtMostOnce {
            publish.pkid = self.allocate_pkid();
            self.outbound_inflight.insert(publish.pkid, (topic.clone(), qos));
        }
        self.send(Packet::Publish(publish)).await?;
        self.shared.journal.record(EmulatorEvent::Delivered {
            tenant: self.info.tenant().to_owned(),
            device_id: self.info.device_id.clone(),
            topic,
            payload,
            qos,
        });
        Ok(())
    }

    /// The next packet id in 1..=65535 not in flight (wraps; with 65535 in flight, reuses one).
    fn allocate_pkid(&mut self) -> u16 {
        for _ in 0..u16::MAX {
            self.next_pkid = self.next_pkid.checked_add(1).unwrap_or(1);
            if !self.outbound_inflight.contains_key(&self.next_pkid) {
                break;
            }
        }
        self.next_pkid
    }

    async fn send(&mut self, packet: Packet) -> std::io::Result<()> {
        let mut out = BytesMut::new();
        codec::write_packet(&packet, &mut out).map_err(std::io::Error::other)?;
        self.conn.send(out).await
    }

    /// Unregisters the session, publishes the will on an abnormal end, and records the end.
    fn finish(self, connect: &Connect, reason: DisconnectReason) {
        self.shared.registry.unregister(&self.info);
        if reason.publishes_will()
            && let Some(will) = &connect.last_will
        {
            self.dispatch(&DevicePublish {
                topic: will.topic.clone(),
                payload: will.message.clone(),
                qos: from_wire(will.qos),
                origin: PublishOrigin::LastWill,
            });
        }
        if let Some(platform) = &self.shared.platform {
            platform.on_disconnect(&self.info, &reason);
        }
        self.shared.journal.record(EmulatorEvent::Disconnected {
            session: self.info,
            reason,
        });
    }
}

fn from_wire(qos: WireQoS) -> QoS {
    match qos {
        WireQoS::AtMostOnce => QoS::AtMostOnce,
        WireQoS::AtLeastOnce => QoS::AtLeastOnce,
        WireQoS::ExactlyOnce => QoS::ExactlyOnce,
    }
}

fn to_wire(qos: QoS) -> WireQoS {
    match qos {
        QoS::AtMostOnce => WireQoS::AtMostOnce,
        QoS::AtLeastOnce => WireQoS::AtLeastOnce,
        QoS::ExactlyOnce => WireQoS::ExactlyOnce,
    }
}
