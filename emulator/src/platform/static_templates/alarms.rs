//! Static alarm templates (docs/protocol.md §5.4): raise 301–304 (a repeated raise of an active
//! alarm of the same type increments its `count`), 305–307 (severity, clear, clear fragments) on
//! the active alarm of that type; on none they do nothing.

use c8y_mqtt::templates::downstream::ErrorLine;
use c8y_mqtt::templates::upstream::Upstream;
use serde_json::{Value, json};

use super::{Row, doc, record};
use crate::platform::request::Resource;
use crate::platform::store::Model;

/// Applies `template` if it is of this family (`None` otherwise).
pub(super) fn apply(model: &mut Model, row: &Row, template: &Upstream) -> Option<Result<(), ErrorLine>> {
    let Row { device, persist, .. } = *row;
    match template {
        Upstream::CriticalAlarm(t) => raise(
            model,
            device,
            persist,
            "CRITICAL",
            t.alarm_type(),
            t.text(),
            t.time(),
        ),
        Upstream::MajorAlarm(t) => raise(
            model,
            device,
            persist,
            "MAJOR",
            t.alarm_type(),
            t.text(),
            t.time(),
        ),
        Upstream::MinorAlarm(t) => raise(
            model,
            device,
            persist,
            "MINOR",
            t.alarm_type(),
            t.text(),
            t.time(),
        ),
        Upstream::WarningAlarm(t) => raise(
            model,
            device,
            persist,
            "WARNING",
            t.alarm_type(),
            t.text(),
            t.time(),
        ),
        Upstream::AlarmSeverityUpdate(t) => {
            if let Some(index) = model.alarm_of_type(device, t.alarm_type()) {
                model.update_alarm_at(index, doc(json!({"severity": t.severity().as_str()})));
            }
        }
        Upstream::ClearAlarm(t) => {
            if let Some(index) = model.alarm_of_type(device, t.alarm_type()) {
                model.update_alarm_at(index, doc(json!({"status": "CLEARED"})));
            }
        }
        Upstream::ClearAlarmFragments(t) => {
            if let Some(index) = model.alarm_of_type(device, t.alarm_type()) {
                model.update_alarm_at(
                    index,
                    t.fragments().iter().map(|f| (f.clone(), Value::Null)).collect(),
                );
            }
        }
        _ => return None,
    }
    Some(Ok(()))
}

/// Raises an alarm from a 301–304 row.
fn raise(
    model: &mut Model,
    device: u64,
    persist: bool,
    severity: &str,
    alarm_type: &str,
    alarm_text: Option<&str>,
    time: Option<&c8y_mqtt::value::Timestamp>,
) {
    let mut body = record(alarm_type, time.map(ToString::to_string));
    let text = alarm_text.map_or_else(|| format!("Alarm of type {alarm_type} raised"), str::to_owned);
    body.insert("text".into(), Value::String(text));
    body.insert("severity".into(), json!(severity));
    model.add_record(Resource::Alarm, device, body, persist);
}
