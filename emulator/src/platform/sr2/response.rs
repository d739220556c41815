//! Evaluating SmartREST 2.0 response templates (`11` rows, reference §7.6) against a JSON
//! document: a request's result or an operation.
//!
//! Rules (reference §7.6, with the choices where it is silent):
//! * The condition is a path from the document's root (not from the base: the docs' `111`
//!   template has base `c8y_CustomConfiguration` and condition `deviceId`, a root member). The
//!   template fires when the path selects something (a `null` member counts); an invalid
//!   condition path never fires. No condition: the template always fires.
//! * Patterns are paths from the base (the root when the base is empty). A base that selects
//!   nothing leaves every pattern unresolved; a base with `[*]` uses its first match.
//! * An unresolved pattern is one empty field; a `[*]` pattern gives one field per match.
//! * Operation lines get the target device's external id after the message id; request
//!   response lines do not.

use c8y_mqtt::smartrest::RowBuilder;
use c8y_mqtt::smartrest2::{ResponseTemplate, TemplateCollection};
use serde_json::Value;

use super::json_path::{JsonPath, pattern_fields};

/// The values `template` extracts from `document`, or `None` when its condition does not hold.
pub fn response_values(template: &ResponseTemplate, document: &Value) -> Option<Vec<String>> {
    if let Some(condition) = template.condition() {
        let holds = JsonPath::parse(condition).is_ok_and(|path| path.exists(document));
        if !holds {
            return None;
        }
    }
    let base = match template.base() {
        None => Some(document),
        Some(base) => JsonPath::parse(base)
            .ok()
            .and_then(|path| path.select(document).into_iter().next()),
    };
    Some(
        template
            .patterns()
            .iter()
            .flat_map(|pattern| pattern_fields(pattern, base))
            .collect(),
    )
}

/// The row `template` emits for `document`: `<msgId>[,<device>],<values…>` (every field
/// written, empty ones included), or `None` when its condition does not hold.
pub fn response_row(template: &ResponseTemplate, document: &Value, device: Option<&str>) -> Option<String> {
    let values = response_values(template, document)?;
    let mut row = RowBuilder::new(template.msg_id());
    if let Some(device) = device {
        row.field(device);
    }
    row.fields(&values);
    Some(row.finish())
}

/// Every row the response templates of `collection` emit for `document`, in template order.
/// `device` is the target device's external id for operations, `None` for request responses.
pub fn response_rows(collection: &TemplateCollection, document: &Value, device: Option<&str>) -> Vec<String> {
    collection
        .responses()
        .iter()
        .filter_map(|template| response_row(template, document, device))
        .collect()
}

#[cfg(test)]
mod tests {
    use c8y_mqtt::smartrest::decode;
    use serde_json::json;

    use super::*;

    fn template(row: &str) -> ResponseTemplate {
        let records = decode(row.as_bytes()).unwrap();
        ResponseTemplate::from_record(&records[0]).unwrap()
    }

    fn docs_operation() -> Value {
        json!({
            "c8y_CustomConfiguration": {"val1": "1", "val2": "2", "customValues": ["a", "b", "c"]},
            "deviceId": "12345"
        })
    }

    fn op_row(row: &str) -> Option<String> {
        response_row(&template(row), &docs_operation(), Some("myMqttTestDevice"))
    }

    #[test]
    fn docs_operation_example_111() {
        assert_eq!(
            op_row("11,111,c8y_CustomConfiguration,deviceId,val1,val2,customValues[*]").as_deref(),
            Some("111,myMqttTestDevice,1,2,a,b,c")
        );
    }

    #[test]
    fn docs_operation_example_222() {
        assert_eq!(
            op_row("11,222,,deviceId,c8y_CustomConfiguration.val1,c8y_CustomConfiguration.val2").as_deref(),
            Some("222,myMqttTestDevice,1,2")
        );
    }

    #[test]
    fn docs_operation_example_333_unresolved_patterns_are_empty_fields() {
        assert_eq!(
            op_row("11,333,,deviceId,val1,val2,customValues[*]").as_deref(),
            Some("333,myMqttTestDevice,,,")
        );
    }

    #[test]
    fn docs_operation_example_444_is_not_emitted() {
        assert_eq!(
            op_row("11,444,c8y_CustomConfiguration,c8y_CustomConfiguration.val3,val1,val2"),
            None
        );
    }

    #[test]
    fn docs_request_example_888_quotes_through_the_codec() {
        let device = json!({
            "id": "12345",
            "type": "myMqttDevice",
            "c8y_IsDevice": {},
            "c8y_Configuration": "val1=1\nval2=2"
        });
        let row = response_row(
            &template("11,888,,c8y_IsDevice,type,c8y_Test,c8y_Configuration"),
            &device,
            None,
        );
        assert_eq!(row.as_deref(), Some("888,myMqttDevice,,\"val1=1\nval2=2\""));
        // And the row reads back to the same values.
        let back = decode(row.unwrap().as_bytes()).unwrap();
        assert_eq!(back[0].values(), ["myMqttDevice", "", "val1=1\nval2=2"]);
    }

    #[test]
    fn perf_post_with_response_example() {
        let measurement = json!({"id": "4711", "type": "T", "T": {"M": {"value": 42}}});
        assert_eq!(
            response_row(&template("11,888,,T,type,id,T.M.value"), &measurement, None).as_deref(),
            Some("888,T,4711,42")
        );
    }

    #[test]
    fn list_of_objects_expands() {
        let doc = json!({"myList": [{"type": "test"}, {"type": "test2"}]});
        assert_eq!(
            response_row(&template("11,5,,,$.myList[*].type"), &doc, None).as_deref(),
            Some("5,test,test2")
        );
    }

    #[test]
    fn missing_base_leaves_every_pattern_empty_but_still_fires() {
        let doc = json!({"x": 1});
        assert_eq!(
            response_row(&template("11,6,nothere,x,a,b"), &doc, None).as_deref(),
            Some("6,,")
        );
    }

    #[test]
    fn invalid_condition_never_fires() {
        assert_eq!(
            response_row(&template("11,7,,a..b,x"), &json!({"x":1}), None),
            None
        );
    }

    #[test]
    fn every_matching_template_emits_a_row() {
        let collection = TemplateCollection::parse(
            "c",
            b"11,111,c8y_CustomConfiguration,deviceId,val1,val2,customValues[*]\n\
              11,222,,deviceId,c8y_CustomConfiguration.val1,c8y_CustomConfiguration.val2\n\
              11,333,,deviceId,val1,val2,customValues[*]\n\
              11,444,c8y_CustomConfiguration,c8y_CustomConfiguration.val3,val1,val2",
        )
        .unwrap();
        assert_eq!(
            response_rows(&collection, &docs_operation(), Some("myMqttTestDevice")),
            [
                "111,myMqttTestDevice,1,2,a,b,c",
                "222,myMqttTestDevice,1,2",
                "333,myMqttTestDevice,,,"
            ]
        );
    }
}
