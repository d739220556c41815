//! Splitting a list template over several packets: each packet carries one row, as full as fits
//! Cumulocity's packet limit, and no item is ever cut between two rows.

use crate::smartrest::{MAX_PACKET_SIZE, QoS, RowBuilder, max_payload_len, publish_packet_size};
use crate::templates::TemplateError;

/// How a list template is written in parts.
pub(super) struct ListRows<'a, T> {
    /// Template id of the first row.
    pub first_id: u16,
    /// Template id of every following row (the same as `first_id` for lists that repeat).
    pub next_id: u16,
    /// Writes the fields every row starts with (for example the alarm type of 307).
    pub head: &'a dyn Fn(&mut RowBuilder),
    /// The items, in order.
    pub items: &'a [T],
    /// Writes one item.
    pub item: &'a dyn Fn(&mut RowBuilder, &T),
}

impl<T> ListRows<'_, T> {
    fn start(&self, id: u16) -> RowBuilder {
        let mut row = RowBuilder::with_template(id);
        (self.head)(&mut row);
        row
    }

    fn render(&self, id: u16, items: &[T]) -> String {
        let mut row = self.start(id);
        for item in items {
            (self.item)(&mut row, item);
        }
        row.finish()
    }

    /// The rows, one per payload, each fitting one PUBLISH on `topic`. An item that does not fit
    /// in a row on its own (or a head that does not fit) is [`TemplateError::TooLarge`].
    pub fn payloads(&self, topic: &str, qos: QoS) -> Result<Vec<String>, TemplateError> {
        let limit = max_payload_len(topic, qos);
        let too_large = |template: u16, len: usize| TemplateError::TooLarge {
            template,
            size: publish_packet_size(topic, len, qos),
            limit: MAX_PACKET_SIZE,
        };
        let mut payloads = Vec::new();
        let mut id = self.first_id;
        let mut row = self.start(id);
        let mut chunk_start = 0;
        for (index, item) in self.items.iter().enumerate() {
            (self.item)(&mut row, item);
            if row.len() <= limit {
                continue;
            }
            if index == chunk_start {
                return Err(too_large(id, row.len()));
            }
            // The row without this item fitted: write it again up to the previous item. This
            // happens once per packet, so the whole split stays linear in the output size.
            let done = self.items.get(chunk_start..index).unwrap_or_default();
            payloads.push(self.render(id, done));
            id = self.next_id;
            chunk_start = index;
            row = self.start(id);
            (self.item)(&mut row, item);
            if row.len() > limit {
                return Err(too_large(id, row.len()));
            }
        }
        if row.len() > limit {
            return Err(too_large(id, row.len()));
        }
        payloads.push(row.finish());
        Ok(payloads)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(items: &[&str], topic: &str) -> Result<Vec<String>, TemplateError> {
        ListRows {
            first_id: 140,
            next_id: 141,
            head: &|_| {},
            items,
            item: &|row, item: &&str| {
                row.field(item);
            },
        }
        .payloads(topic, QoS::AtMostOnce)
    }

    #[test]
    fn empty_list_is_one_row() {
        assert_eq!(split(&[], "s/us").unwrap(), ["140"]);
    }

    #[test]
    fn rows_are_as_full_as_fit() {
        let limit = max_payload_len("s/us", QoS::AtMostOnce);
        // "140" + ",x…" items of 1000 bytes each
        let item = "x".repeat(999);
        let per_row = (limit - 3) / 1000;
        let items: Vec<&str> = std::iter::repeat_n(item.as_str(), per_row * 2 + 1).collect();
        let payloads = split(&items, "s/us").unwrap();
        assert_eq!(payloads.len(), 3);
        assert!(payloads[0].starts_with("140,"));
        assert!(payloads[1].starts_with("141,"));
        assert_eq!(payloads[0].len(), 3 + per_row * 1000);
        assert_eq!(payloads[1].len(), 3 + per_row * 1000);
        assert_eq!(payloads[2], format!("141,{item}"));
    }

    #[test]
    fn an_item_too_large_alone_is_an_error() {
        let limit = max_payload_len("s/us", QoS::AtMostOnce);
        let huge = "y".repeat(limit);
        assert_eq!(
            split(&["a", &huge], "s/us"),
            Err(TemplateError::TooLarge {
                template: 141,
                size: MAX_PACKET_SIZE + 4,
                limit: MAX_PACKET_SIZE
            })
        );
        assert!(matches!(
            split(&[&huge], "s/us"),
            Err(TemplateError::TooLarge { template: 140, .. })
        ));
        let long_topic = "t".repeat(MAX_PACKET_SIZE);
        assert!(matches!(
            split(&[], &long_topic),
            Err(TemplateError::TooLarge { template: 140, .. })
        ));
    }
}
