//! The JSON-path subset of SmartREST response templates (reference §7.6, §8): dotted keys
//! (`a.b.c`), an optional `$`/`$.` root prefix, `[*]` over the elements of an array (values or
//! objects: `customValues[*]`, `$.myList[*].type`), `[n]` for one element and `['key']` for keys
//! that are not plain words. Filters (`?`) and recursive descent (`..`) are not part of the
//! subset and are refused.
//!
//! Hand-written rather than a JSONPath crate: the subset is a few dozen lines, and its rendering
//! rules (a wildcard that matches nothing is one empty field, values as SmartREST fields) are
//! SmartREST's, not JSONPath's.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object member.
    Key(String),
    /// One array element.
    Index(usize),
    /// Every array element (or every member value of an object).
    Wildcard,
}

/// A path that is not in the supported subset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonPathError {
    /// An empty key (`a..b`, a trailing `.`).
    #[error("Invalid JsonPath {0:?}: empty key")]
    EmptyKey(String),
    /// A `[` without its `]`, or a bracket content that is neither `*`, an index nor a quoted key.
    #[error("Invalid JsonPath {0:?}: bad bracket")]
    BadBracket(String),
    /// A filter expression (`?`), which SmartREST does not allow.
    #[error("Using Filters (?) in JsonPath is not allowed: {0:?}")]
    Filter(String),
}

/// A parsed path: the steps from the node it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses `text`. `""`, `$` and `$.` are the node itself.
    pub fn parse(text: &str) -> Result<Self, JsonPathError> {
        if text.contains('?') {
            return Err(JsonPathError::Filter(text.to_owned()));
        }
        let rest = text.strip_prefix('$').unwrap_or(text);
        let rest = rest.strip_prefix('.').unwrap_or(rest);
        let mut steps = Vec::new();
        let mut chars = rest.char_indices().peekable();
        let mut key = String::new();
        // True right after `]`: the next character must start a new step.
        let mut after_bracket = false;
        while let Some((_, c)) = chars.next() {
            match c {
                '.' => {
                    if key.is_empty() && !after_bracket {
                        return Err(JsonPathError::EmptyKey(text.to_owned()));
                    }
                    if !key.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut key)));
                    }
                    after_bracket = false;
                    if chars.peek().is_none() {
                        return Err(JsonPathError::EmptyKey(text.to_owned()));
                    }
                }
                '[' => {
                    if !key.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut key)));
                    }
                    let mut inner = String::new();
                    let mut closed = false;
                    for (_, c) in chars.by_ref() {
                        if c == ']' {
                            closed = true;
                            break;
                        }
                        inner.push(c);
                    }
                    if !closed {
                        return Err(JsonPathError::BadBracket(text.to_owned()));
                    }
                    steps.push(
                        bracket_step(&inner).ok_or_else(|| JsonPathError::BadBracket(text.to_owned()))?,
                    );
                    after_bracket = true;
                }
                ']' => return Err(JsonPathError::BadBracket(text.to_owned())),
                c => {
                    if after_bracket {
                        return Err(JsonPathError::BadBracket(text.to_owned()));
                    }
                    key.push(c);
                }
            }
        }
        if !key.is_empty() {
            steps.push(Step::Key(key));
        }
        Ok(Self { steps })
    }

    /// The steps.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// True when the path can select several nodes (it has a `[*]`).
    pub fn has_wildcard(&self) -> bool {
        self.steps.contains(&Step::Wildcard)
    }

    /// Every node the path selects from `node`, in document order.
    pub fn select<'a>(&self, node: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![node];
        for step in &self.steps {
            let mut next = Vec::new();
            for value in current {
                match (step, value) {
                    (Step::Key(k), Value::Object(map)) => next.extend(map.get(k)),
                    (Step::Index(i), Value::Array(items)) => next.extend(items.get(*i)),
                    (Step::Wildcard, Value::Array(items)) => next.extend(items.iter()),
                    (Step::Wildcard, Value::Object(map)) => next.extend(map.values()),
                    _ => {}
                }
            }
            current = next;
        }
        current
    }

    /// True when the path selects at least one node of `node` (a `null` member exists).
    pub fn exists(&self, node: &Value) -> bool {
        !self.select(node).is_empty()
    }
}

fn bracket_step(inner: &str) -> Option<Step> {
    let inner = inner.trim();
    if inner == "*" {
        return Some(Step::Wildcard);
    }
    if let Ok(i) = inner.parse::<usize>() {
        return Some(Step::Index(i));
    }
    let quoted = inner
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))?;
    (!quoted.is_empty()).then(|| Step::Key(quoted.to_owned()))
}

/// The text of a selected value as a SmartREST field: strings as they are, numbers and booleans
/// as JSON writes them, `null` empty, objects and arrays as compact JSON.
pub fn field_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The fields one pattern contributes: one per node for a wildcard path (one empty field when
/// none matches), else the first node's text or one empty field. An invalid path gives one empty
/// field.
pub fn pattern_fields(pattern: &str, node: Option<&Value>) -> Vec<String> {
    let (Ok(path), Some(node)) = (JsonPath::parse(pattern), node) else {
        return vec![String::new()];
    };
    let selected = path.select(node);
    if path.has_wildcard() && !selected.is_empty() {
        selected.into_iter().map(field_text).collect()
    } else {
        vec![selected.first().map_or_else(String::new, |v| field_text(v))]
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn select(path: &str, doc: &Value) -> Vec<Value> {
        JsonPath::parse(path)
            .unwrap()
            .select(doc)
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn parses_the_subset() {
        use Step::*;
        let p = |t: &str| JsonPath::parse(t).unwrap().steps().to_vec();
        assert_eq!(
            p("a.b.c"),
            vec![Key("a".into()), Key("b".into()), Key("c".into())]
        );
        assert_eq!(p("$.a.b"), p("a.b"));
        assert_eq!(p("$"), vec![]);
        assert_eq!(p(""), vec![]);
        assert_eq!(
            p("$.myList[*].type"),
            vec![Key("myList".into()), Wildcard, Key("type".into())]
        );
        assert_eq!(p("customValues[*]"), vec![Key("customValues".into()), Wildcard]);
        assert_eq!(p("a[2].b"), vec![Key("a".into()), Index(2), Key("b".into())]);
        assert_eq!(p("a['x.y']"), vec![Key("a".into()), Key("x.y".into())]);
        assert_eq!(p("$[*]"), vec![Wildcard]);
    }

    #[test]
    fn refuses_what_is_outside_the_subset() {
        assert!(matches!(JsonPath::parse("a..b"), Err(JsonPathError::EmptyKey(_))));
        assert!(matches!(JsonPath::parse("a."), Err(JsonPathError::EmptyKey(_))));
        assert!(matches!(
            JsonPath::parse("a[*"),
            Err(JsonPathError::BadBracket(_))
        ));
        assert!(matches!(
            JsonPath::parse("a[x]"),
            Err(JsonPathError::BadBracket(_))
        ));
        assert!(matches!(JsonPath::parse("a]"), Err(JsonPathError::BadBracket(_))));
        assert!(matches!(
            JsonPath::parse("a[*]b"),
            Err(JsonPathError::BadBracket(_))
        ));
        assert!(matches!(
            JsonPath::parse("a[?(@.x)]"),
            Err(JsonPathError::Filter(_))
        ));
    }

    #[test]
    fn selects_keys_indexes_and_wildcards() {
        let doc = json!({"a":{"b":{"c":1}},"l":[1,"two",null],"o":[{"type":"t1"},{"x":1},{"type":"t2"}]});
        assert_eq!(select("a.b.c", &doc), vec![json!(1)]);
        assert_eq!(select("$.a.b", &doc), vec![json!({"c":1})]);
        assert_eq!(select("l[*]", &doc), vec![json!(1), json!("two"), Value::Null]);
        assert_eq!(select("l[1]", &doc), vec![json!("two")]);
        assert_eq!(select("$.o[*].type", &doc), vec![json!("t1"), json!("t2")]);
        assert!(select("a.x", &doc).is_empty());
        assert!(select("a.b.c.d", &doc).is_empty());
        assert!(select("l[9]", &doc).is_empty());
        assert!(select("a[*].c", &json!({"a": 5})).is_empty());
    }

    #[test]
    fn exists_is_true_for_null_members_only_when_present() {
        let doc = json!({"a": null});
        assert!(JsonPath::parse("a").unwrap().exists(&doc));
        assert!(!JsonPath::parse("b").unwrap().exists(&doc));
    }

    #[test]
    fn pattern_fields_render_values_and_expand_wildcards() {
        let doc = json!({"s":"x","n":2.5,"i":7,"b":true,"z":null,"o":{"k":1},"l":["a","b","c"],"e":[]});
        let f = |p: &str| pattern_fields(p, Some(&doc));
        assert_eq!(f("s"), vec!["x"]);
        assert_eq!(f("n"), vec!["2.5"]);
        assert_eq!(f("i"), vec!["7"]);
        assert_eq!(f("b"), vec!["true"]);
        assert_eq!(f("z"), vec![""]);
        assert_eq!(f("o"), vec![r#"{"k":1}"#]);
        assert_eq!(f("l"), vec![r#"["a","b","c"]"#]);
        assert_eq!(f("l[*]"), vec!["a", "b", "c"]);
        assert_eq!(f("e[*]"), vec![""]);
        assert_eq!(f("missing[*]"), vec![""]);
        assert_eq!(f("missing"), vec![""]);
        assert_eq!(f("bad["), vec![""]);
        assert_eq!(pattern_fields("s", None), vec![""]);
    }
}
