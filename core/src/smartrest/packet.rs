//! The size of an MQTT PUBLISH and Cumulocity's 16 184-byte limit on it.
//!
//! Cumulocity counts the whole MQTT packet: fixed header, topic, packet id and payload
//! (docs/protocol.md §1.7). [`pack_rows`] fills as few packets as possible with encoded rows.

/// Cumulocity's limit on one MQTT message, fixed header included, in bytes.
pub const MAX_PACKET_SIZE: usize = 16_184;

/// MQTT quality of service of a publish or subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum QoS {
    /// At most once (0): no acknowledgement.
    AtMostOnce = 0,
    /// At least once (1): acknowledged with PUBACK; the default for data.
    #[default]
    AtLeastOnce = 1,
    /// Exactly once (2): PUBREC / PUBREL / PUBCOMP.
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for a wire value 0, 1 or 2.
    pub fn from_u8(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::AtMostOnce),
            1 => Some(Self::AtLeastOnce),
            2 => Some(Self::ExactlyOnce),
            _ => None,
        }
    }
}

/// A QoS given as a number (or text) that is not 0, 1 or 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("QoS must be 0, 1 or 2, not {0}")]
pub struct InvalidQoS(pub String);

impl TryFrom<u32> for QoS {
    type Error = InvalidQoS;

    /// The QoS of a number 0, 1 or 2, the one conversion every face (C, Python) uses.
    fn try_from(value: u32) -> Result<Self, Self::Error> {
        u8::try_from(value)
            .ok()
            .and_then(Self::from_u8)
            .ok_or_else(|| InvalidQoS(value.to_string()))
    }
}

impl std::str::FromStr for QoS {
    type Err = InvalidQoS;

    /// The QoS of a decimal `0`, `1` or `2` (surrounding blanks ignored).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidQoS(format!("{text:?}"));
        Self::try_from(text.trim().parse::<u32>().map_err(|_| invalid())?).map_err(|_| invalid())
    }
}

/// A message that does not fit in one MQTT packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("message of {size} bytes exceeds Cumulocity's MQTT packet limit of {limit} bytes")]
pub struct MessageTooLarge {
    /// Size of the whole PUBLISH packet in bytes.
    pub size: usize,
    /// The limit ([`MAX_PACKET_SIZE`]).
    pub limit: usize,
}

/// One row that cannot fit in a packet on its own, found by [`pack_rows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("row {index} alone makes a packet of {size} bytes, over the {limit}-byte limit")]
pub struct RowTooLarge {
    /// 0-based position of the row in the input.
    pub index: usize,
    /// Size of a PUBLISH carrying only that row.
    pub size: usize,
    /// The limit ([`MAX_PACKET_SIZE`]).
    pub limit: usize,
}

fn remaining_length_bytes(remaining: usize) -> usize {
    match remaining {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// The size in bytes of a PUBLISH packet with this topic, payload length and QoS.
pub fn publish_packet_size(topic: &str, payload_len: usize, qos: QoS) -> usize {
    let packet_id = if qos == QoS::AtMostOnce { 0 } else { 2 };
    let remaining = 2 + topic.len() + packet_id + payload_len;
    1 + remaining_length_bytes(remaining) + remaining
}

/// Checks that a PUBLISH of `payload_len` bytes on `topic` fits Cumulocity's limit.
pub fn check_packet_size(topic: &str, payload_len: usize, qos: QoS) -> Result<(), MessageTooLarge> {
    let size = publish_packet_size(topic, payload_len, qos);
    if size > MAX_PACKET_SIZE {
        Err(MessageTooLarge {
            size,
            limit: MAX_PACKET_SIZE,
        })
    } else {
        Ok(())
    }
}

/// The longest payload that fits in one packet on `topic` (0 if even an empty one does not).
pub fn max_payload_len(topic: &str, qos: QoS) -> usize {
    let mut len = MAX_PACKET_SIZE.saturating_sub(publish_packet_size(topic, 0, qos));
    while len > 0 && publish_packet_size(topic, len, qos) > MAX_PACKET_SIZE {
        len -= 1;
    }
    len
}

/// Packs encoded rows, in order, into as few payloads as fit on `topic`; rows inside a payload are
/// separated by LF. A row that does not fit in a packet on its own is an error, and nothing is
/// returned then.
pub fn pack_rows<S: AsRef<str>>(
    topic: &str,
    qos: QoS,
    rows: impl IntoIterator<Item = S>,
) -> Result<Vec<String>, RowTooLarge> {
    let limit = max_payload_len(topic, qos);
    let mut packets = Vec::new();
    let mut current = String::new();
    for (index, row) in rows.into_iter().enumerate() {
        let row = row.as_ref();
        if row.len() > limit {
            return Err(RowTooLarge {
                index,
                size: publish_packet_size(topic, row.len(), qos),
                limit: MAX_PACKET_SIZE,
            });
        }
        if !current.is_empty() && current.len() + 1 + row.len() > limit {
            packets.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(row);
    }
    if !current.is_empty() {
        packets.push(current);
    }
    Ok(packets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qos_from_numbers_and_text() {
        assert_eq!(QoS::try_from(0), Ok(QoS::AtMostOnce));
        assert_eq!(QoS::try_from(2), Ok(QoS::ExactlyOnce));
        assert!(QoS::try_from(3).is_err());
        assert!(QoS::try_from(256 + 1).is_err(), "no wrap-around to 1");
        assert_eq!(" 1".parse::<QoS>(), Ok(QoS::AtLeastOnce));
        assert!("x".parse::<QoS>().is_err() && "-1".parse::<QoS>().is_err());
    }

    #[test]
    fn packet_size_counts_header_topic_and_packet_id() {
        // 0x30, remaining length 1 byte, 2-byte topic length, "s/us", payload "125".
        assert_eq!(publish_packet_size("s/us", 3, QoS::AtMostOnce), 1 + 1 + 2 + 4 + 3);
        assert_eq!(
            publish_packet_size("s/us", 3, QoS::AtLeastOnce),
            1 + 1 + 2 + 4 + 2 + 3
        );
        // remaining length 128 needs two bytes
        assert_eq!(publish_packet_size("", 126, QoS::AtMostOnce), 1 + 2 + 2 + 126);
    }

    #[test]
    fn limit_is_exact() {
        let max = max_payload_len("s/us", QoS::AtLeastOnce);
        assert_eq!(
            publish_packet_size("s/us", max, QoS::AtLeastOnce),
            MAX_PACKET_SIZE
        );
        assert!(check_packet_size("s/us", max, QoS::AtLeastOnce).is_ok());
        assert_eq!(
            check_packet_size("s/us", max + 1, QoS::AtLeastOnce),
            Err(MessageTooLarge {
                size: MAX_PACKET_SIZE + 1,
                limit: MAX_PACKET_SIZE
            })
        );
        // 16184 = 1 + 2 (remaining length) + 2 + 4 + 2 + payload
        assert_eq!(max, 16_184 - 11);
    }

    #[test]
    fn packing_uses_as_few_packets_as_fit() {
        let max = max_payload_len("s/us", QoS::AtLeastOnce);
        let row = "x".repeat(max / 2 - 1);
        let packets = pack_rows("s/us", QoS::AtLeastOnce, [&row, &row, &row]).unwrap();
        assert_eq!(packets.len(), 2);
        assert_eq!(packets[0], format!("{row}\n{row}"));
        assert_eq!(packets[1], row);
        for p in &packets {
            assert!(check_packet_size("s/us", p.len(), QoS::AtLeastOnce).is_ok());
        }
        assert!(
            pack_rows("s/us", QoS::AtMostOnce, Vec::<String>::new())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_row_too_large_alone_is_an_error() {
        let max = max_payload_len("s/us", QoS::AtLeastOnce);
        let big = "y".repeat(max + 1);
        let err = pack_rows("s/us", QoS::AtLeastOnce, ["125", big.as_str()]).unwrap_err();
        assert_eq!(err.index, 1);
        assert_eq!(err.size, MAX_PACKET_SIZE + 1);
        let exact = "y".repeat(max);
        assert_eq!(pack_rows("s/us", QoS::AtLeastOnce, [&exact]).unwrap(), [exact]);
    }

    #[test]
    fn qos_from_wire() {
        assert_eq!(QoS::from_u8(2), Some(QoS::ExactlyOnce));
        assert_eq!(QoS::from_u8(3), None);
        assert_eq!(QoS::default(), QoS::AtLeastOnce);
    }
}
