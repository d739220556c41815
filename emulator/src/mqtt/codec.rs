//! Packet framing on top of rumqttc's MQTT 3.1.1 codec (`rumqttc::mqttbytes::v4`).
//!
//! The emulator never hand-writes MQTT framing: every packet is read with
//! [`Packet::read`] and written with [`Packet::write`]. This module adds what Cumulocity needs on
//! top of that codec:
//!
//! * the 16184-byte limit on the *whole* packet (fixed header included), which rumqttc only
//!   checks on the remaining length ([`MAX_PACKET_SIZE`] comes from the core crate);
//! * MQTT 3.1: rumqttc's CONNECT reader only knows the protocol name `MQTT` (3.1.1). A 3.1 CONNECT
//!   (`MQIsdp`, level 3) differs from a 3.1.1 one only in that name and level, so
//!   [`read_connect`] hands rumqttc the same packet with the 3.1.1 name and level and remembers
//!   the version. Any other protocol name or level is reported as [`ProtocolVersion::Unsupported`]
//!   so the session can answer CONNACK 1.

use bytes::{Bytes, BytesMut};
use c8y_mqtt::smartrest::MAX_PACKET_SIZE;
use rumqttc::mqttbytes::v4::{Connect, Packet};
use rumqttc::mqttbytes::{self, FixedHeader, Protocol};

pub use crate::platform::endpoint::ProtocolVersion;

/// A framing failure: the connection is closed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The packet is over the 16184-byte limit.
    #[error("packet of {size} bytes is over the {MAX_PACKET_SIZE}-byte limit")]
    TooLarge {
        /// Size of the packet in bytes (at least; the remaining length may be all that is known).
        size: usize,
    },
    /// The bytes are not a valid MQTT 3.1.1 packet.
    #[error("malformed packet: {0}")]
    Malformed(mqttbytes::Error),
}

/// The outcome of reading the first packet of a connection.
#[derive(Debug)]
pub enum FirstPacket {
    /// A CONNECT in a supported version.
    Connect(Box<Connect>, ProtocolVersion),
    /// A CONNECT in an unsupported protocol version (answer CONNACK 1).
    UnsupportedProtocol,
    /// Any other packet (a protocol violation: close).
    Other,
}

/// Splits one complete frame off `buf`, checking the size limit first.
///
/// Returns `Ok(None)` when more bytes are needed.
fn split_frame(buf: &mut BytesMut) -> Result<Option<(FixedHeader, Bytes)>, FrameError> {
    match mqttbytes::check(buf.iter(), MAX_PACKET_SIZE) {
        Ok(header) if header.frame_length() > MAX_PACKET_SIZE => Err(FrameError::TooLarge {
            size: header.frame_length(),
        }),
        Ok(header) => Ok(Some((header, buf.split_to(header.frame_length()).freeze()))),
        Err(mqttbytes::Error::InsufficientBytes(_)) => Ok(None),
        Err(mqttbytes::Error::PayloadSizeLimitExceeded(size)) => Err(FrameError::TooLarge { size }),
        Err(other) => Err(FrameError::Malformed(other)),
    }
}

/// Reads the next packet from `buf`, or `Ok(None)` when more bytes are needed.
pub fn read_packet(buf: &mut BytesMut) -> Result<Option<Packet>, FrameError> {
    let Some((_, frame)) = split_frame(buf)? else {
        return Ok(None);
    };
    let mut frame = BytesMut::from(frame.as_ref());
    Packet::read(&mut frame, MAX_PACKET_SIZE)
        .map(Some)
        .map_err(FrameError::Malformed)
}

/// Reads the first packet of a connection, which must be a CONNECT (3.1 or 3.1.1).
pub fn read_connect(buf: &mut BytesMut) -> Result<Option<FirstPacket>, FrameError> {
    let Some((header, frame)) = split_frame(buf)? else {
        return Ok(None);
    };
    if !matches!(header.packet_type(), Ok(mqttbytes::PacketType::Connect)) {
        return Ok(Some(FirstPacket::Other));
    }
    let Some(fixed_len) = fixed_header_len(&frame) else {
        return Err(FrameError::Malformed(mqttbytes::Error::MalformedRemainingLength));
    };
    let body = frame.get(fixed_len..).unwrap_or_default();
    let (version, rest) = match protocol_of(body) {
        Some((ProtocolVersion::V31, rest)) => (ProtocolVersion::V31, rest),
        Some((ProtocolVersion::V311, rest)) => (ProtocolVersion::V311, rest),
        _ => return Ok(Some(FirstPacket::UnsupportedProtocol)),
    };
    // Hand rumqttc the 3.1.1 protocol name and level followed by the rest of the packet.
    let mut normalized = BytesMut::with_capacity(frame.len());
    normalized.extend_from_slice(frame.get(..fixed_len).unwrap_or_default());
    normalized.extend_from_slice(V311_PROTOCOL);
    normalized.extend_from_slice(rest);
    let remaining = normalized.len() - fixed_len;
    let first_byte = frame.first().copied().unwrap_or_default();
    let header = FixedHeader::new(first_byte, fixed_len - 1, remaining);
    match Connect::read(header, normalized.freeze()) {
        Ok(connect) if connect.protocol == Protocol::V4 => {
            Ok(Some(FirstPacket::Connect(Box::new(connect), version)))
        }
        Ok(_) => Ok(Some(FirstPacket::UnsupportedProtocol)),
        Err(e) => Err(FrameError::Malformed(e)),
    }
}

/// Length of the fixed header of a complete `frame` (rumqttc keeps it private): the packet-type
/// byte plus the bytes of the remaining-length number, the last of which has the high bit clear.
fn fixed_header_len(frame: &[u8]) -> Option<usize> {
    let length_bytes = frame.get(1..)?.iter().take(4).position(|b| b & 0x80 == 0)? + 1;
    Some(1 + length_bytes)
}

/// Protocol name (length-prefixed) and level of MQTT 3.1.1.
const V311_PROTOCOL: &[u8] = b"\x00\x04MQTT\x04";
/// Protocol name (length-prefixed) and level of MQTT 3.1.
const V31_PROTOCOL: &[u8] = b"\x00\x06MQIsdp\x03";

/// The protocol version at the start of a CONNECT's variable header, and the bytes after it.
fn protocol_of(body: &[u8]) -> Option<(ProtocolVersion, &[u8])> {
    if let Some(rest) = body.strip_prefix(V311_PROTOCOL) {
        Some((ProtocolVersion::V311, rest))
    } else if let Some(rest) = body.strip_prefix(V31_PROTOCOL) {
        Some((ProtocolVersion::V31, rest))
    } else {
        None
    }
}

/// Serializes `packet` into `out` with rumqttc's writer.
pub fn write_packet(packet: &Packet, out: &mut BytesMut) -> Result<(), mqttbytes::Error> {
    packet.write(out, usize::MAX).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rumqttc::mqttbytes::QoS;
    use rumqttc::mqttbytes::v4::Publish;

    fn bytes_of(packet: &Packet) -> BytesMut {
        let mut out = BytesMut::new();
        write_packet(packet, &mut out).unwrap();
        out
    }

    /// A 3.1 CONNECT: the 3.1.1 bytes with the protocol name and level swapped (remaining length
    /// grows by 2; below 128 in these tests, so the one-byte length is simply incremented).
    pub(crate) fn v31_connect(client_id: &str) -> BytesMut {
        let v311 = bytes_of(&Packet::Connect(Connect::new(client_id)));
        let mut out = BytesMut::new();
        out.extend_from_slice(&[v311[0], v311[1] + 2]);
        out.extend_from_slice(V31_PROTOCOL);
        out.extend_from_slice(&v311[2 + V311_PROTOCOL.len()..]);
        out
    }

    #[test]
    fn reads_a_311_connect() {
        let mut buf = bytes_of(&Packet::Connect(Connect::new("d:abc")));
        let Some(FirstPacket::Connect(connect, ProtocolVersion::V311)) = read_connect(&mut buf).unwrap()
        else {
            panic!("not a 3.1.1 connect");
        };
        assert_eq!(connect.client_id, "d:abc");
        assert!(buf.is_empty());
    }

    #[test]
    fn reads_a_31_connect() {
        let mut buf = v31_connect("abc");
        let Some(FirstPacket::Connect(connect, ProtocolVersion::V31)) = read_connect(&mut buf).unwrap()
        else {
            panic!("not a 3.1 connect");
        };
        assert_eq!(connect.client_id, "abc");
        assert!(buf.is_empty());
    }

    #[test]
    fn level_5_is_unsupported() {
        let mut buf = bytes_of(&Packet::Connect(Connect::new("abc")));
        buf[8] = 5;
        assert!(matches!(
            read_connect(&mut buf).unwrap(),
            Some(FirstPacket::UnsupportedProtocol)
        ));
    }

    #[test]
    fn partial_packets_wait_for_more_bytes() {
        let full = bytes_of(&Packet::Connect(Connect::new("abc")));
        let mut buf = BytesMut::from(&full[..5]);
        assert!(read_connect(&mut buf).unwrap().is_none());
        buf.extend_from_slice(&full[5..]);
        assert!(read_connect(&mut buf).unwrap().is_some());
    }

    #[test]
    fn size_limit_counts_the_whole_packet() {
        let topic = "s/us";
        // fixed header 3 bytes + topic (2 + 4) + payload: exactly the limit passes.
        let at_limit = Publish::new(topic, QoS::AtMostOnce, vec![b'x'; MAX_PACKET_SIZE - 9]);
        let mut buf = bytes_of(&Packet::Publish(at_limit));
        assert_eq!(buf.len(), MAX_PACKET_SIZE);
        assert!(matches!(read_packet(&mut buf).unwrap(), Some(Packet::Publish(_))));

        let over = Publish::new(topic, QoS::AtMostOnce, vec![b'x'; MAX_PACKET_SIZE - 8]);
        let mut buf = bytes_of(&Packet::Publish(over));
        assert!(matches!(
            read_packet(&mut buf),
            Err(FrameError::TooLarge { size }) if size == MAX_PACKET_SIZE + 1
        ));
    }
}
