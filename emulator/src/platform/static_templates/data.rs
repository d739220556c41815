//! Static measurement and event templates (docs/protocol.md §5.3, §5.5): 200–212, 400–402 and
//! 407. Transient and CEP modes create records without storing them.

use c8y_mqtt::templates::downstream::ErrorLine;
use c8y_mqtt::templates::upstream::Upstream;
use serde_json::{Value, json};

use super::{Row, add_series, position, record};
use crate::platform::request::Resource;
use crate::platform::store::{Model, number};

/// Applies `template` if it is of this family (`None` otherwise).
pub(super) fn apply(model: &mut Model, row: &Row, template: &Upstream) -> Option<Result<(), ErrorLine>> {
    let Row { device, persist, .. } = *row;
    match template {
        Upstream::CustomMeasurement(t) => {
            let mut body = record(t.fragment(), t.time().map(ToString::to_string));
            add_series(&mut body, t.fragment(), t.series(), number(t.value()), t.unit());
            model.add_record(Resource::Measurement, device, body, persist);
        }
        Upstream::MultiSeriesMeasurement(t) => {
            let mut body = record(t.measurement_type(), t.time().map(ToString::to_string));
            for s in t.series() {
                add_series(&mut body, s.fragment(), s.series(), number(s.value()), s.unit());
            }
            model.add_record(Resource::Measurement, device, body, persist);
        }
        Upstream::SignalStrength(t) => {
            let mut body = record("c8y_SignalStrength", t.time().map(ToString::to_string));
            if let Some(rssi) = t.rssi() {
                add_series(&mut body, "c8y_SignalStrength", "rssi", number(rssi), Some("dBm"));
            }
            if let Some(ber) = t.ber() {
                add_series(&mut body, "c8y_SignalStrength", "ber", number(ber), Some("%"));
            }
            model.add_record(Resource::Measurement, device, body, persist);
        }
        Upstream::Temperature(t) => {
            let mut body = record("c8y_TemperatureMeasurement", t.time().map(ToString::to_string));
            add_series(
                &mut body,
                "c8y_TemperatureMeasurement",
                "T",
                number(t.value()),
                Some("C"),
            );
            model.add_record(Resource::Measurement, device, body, persist);
        }
        Upstream::Battery(t) => {
            let mut body = record("c8y_Battery", t.time().map(ToString::to_string));
            add_series(&mut body, "c8y_Battery", "level", number(t.value()), Some("%"));
            model.add_record(Resource::Measurement, device, body, persist);
        }
        Upstream::Event(t) => {
            let mut body = record(t.event_type(), t.time().map(ToString::to_string));
            body.insert("text".into(), json!(t.text()));
            model.add_record(Resource::Event, device, body, persist);
        }
        Upstream::LocationUpdate(t) => {
            let position = position(t.latitude(), t.longitude(), t.altitude(), t.accuracy());
            location_event(
                model,
                device,
                persist,
                position,
                t.time().map(ToString::to_string),
            );
        }
        Upstream::LocationUpdateWithDevice(t) => {
            let position = position(t.latitude(), t.longitude(), t.altitude(), t.accuracy());
            location_event(
                model,
                device,
                persist,
                position.clone(),
                t.time().map(ToString::to_string),
            );
            model.set_fragment(device, "c8y_Position", position);
        }
        Upstream::ClearEventFragments(t) => {
            if let Some(index) = model.latest_event_of_type(device, t.event_type()) {
                model.update_event_at(
                    index,
                    t.fragments().iter().map(|f| (f.clone(), Value::Null)).collect(),
                );
            }
        }
        _ => return None,
    }
    Some(Ok(()))
}

/// Creates the `c8y_LocationUpdate` event.
fn location_event(model: &mut Model, device: u64, persist: bool, position: Value, time: Option<String>) {
    let mut body = record("c8y_LocationUpdate", time);
    body.insert("text".into(), json!("Location updated"));
    body.insert("c8y_Position".into(), position);
    model.add_record(Resource::Event, device, body, persist);
}
