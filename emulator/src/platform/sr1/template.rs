//! SmartREST 1.0 templates (reference §8): request templates
//! `10,<id>,<METHOD>,<URI>,<content-type>,<accept>,<placeholder>,<param types>,<body>` and
//! response templates `11,<id>,<base>,<condition>,<value path>…`, and a collection of both.
//!
//! Rules checked when a collection is registered (SmartREST 1.0 `41` texts):
//! * a request template's method is GET, POST, PUT or DELETE; GET and DELETE take no body;
//! * param types are space-separated STRING, UNSIGNED, INTEGER, NUMBER, DATE, NOW (any case);
//! * params need a placeholder ("Values are only supported for templates with placeholder"),
//!   and the placeholder occurs in URI and body exactly once per param;
//! * response templates have at least one value path; every path is in the supported subset;
//! * message ids are unique across both kinds.

use std::str::FromStr;

use c8y_mqtt::smartrest::{DecodeError, Record, decode};
use c8y_mqtt::value::{Number, Timestamp};

use crate::platform::sr2::json_path::JsonPath;

/// A parameter type of a SmartREST 1.0 request template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// Any text (JSON-escaped when inserted into the body).
    String,
    /// Digits only.
    Unsigned,
    /// Optional `-`, digits.
    Integer,
    /// An integer or decimal number.
    Number,
    /// An ISO-8601 date-time.
    Date,
    /// An ISO-8601 date-time; empty or left out → the server's time.
    Now,
}

impl FromStr for ParamType {
    type Err = Sr1Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "STRING" => Self::String,
            "UNSIGNED" => Self::Unsigned,
            "INTEGER" => Self::Integer,
            "NUMBER" => Self::Number,
            "DATE" => Self::Date,
            "NOW" => Self::Now,
            _ => return Err(Sr1Error::BadValueType(s.to_owned())),
        })
    }
}

impl ParamType {
    /// The word as templates write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "STRING",
            Self::Unsigned => "UNSIGNED",
            Self::Integer => "INTEGER",
            Self::Number => "NUMBER",
            Self::Date => "DATE",
            Self::Now => "NOW",
        }
    }

    /// True when `text` is a value of this type (an empty NOW is: it means the server's time).
    pub fn accepts(self, text: &str) -> bool {
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        match self {
            Self::String => true,
            Self::Unsigned => digits(text),
            Self::Integer => digits(text.strip_prefix('-').unwrap_or(text)),
            Self::Number => text.parse::<Number>().is_ok(),
            Self::Date => text.parse::<Timestamp>().is_ok(),
            Self::Now => text.is_empty() || text.parse::<Timestamp>().is_ok(),
        }
    }
}

/// An HTTP method of a request template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
}

impl FromStr for HttpMethod {
    type Err = Sr1Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "DELETE" => Self::Delete,
            _ => return Err(Sr1Error::BadRequestTemplate(format!("unknown method {s:?}"))),
        })
    }
}

/// A registration that is refused, with the SmartREST 1.0 `41` text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Sr1Error {
    /// The payload is not SmartREST.
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// No template rows.
    #[error("Bad request template definition: no templates")]
    Empty,
    /// A malformed `10` row (or a row that is neither `10` nor `11`).
    #[error("Bad request template definition: {0}")]
    BadRequestTemplate(String),
    /// A malformed `11` row.
    #[error("Bad response template definition: {0}")]
    BadResponseTemplate(String),
    /// An unknown param type.
    #[error("Bad value type: {0}")]
    BadValueType(String),
    /// A value path outside the supported subset.
    #[error("Invalid JsonPath: {0}")]
    InvalidJsonPath(String),
    /// Params without placeholder.
    #[error("Values are only supported for templates with placeholder")]
    ValuesWithoutPlaceholder,
    /// Two templates with one id.
    #[error("Duplicate message identifiers are not allowed: {0}")]
    DuplicateMsgId(String),
    /// The X-ID has a collection already.
    #[error("Cannot create templates for already existing template object")]
    AlreadyExisting,
}

/// A request template (`10` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sr1RequestTemplate {
    /// The message id.
    pub msg_id: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The URI, with placeholders.
    pub uri: String,
    /// The content type (kept, not interpreted).
    pub content_type: String,
    /// The accept type (kept, not interpreted).
    pub accept: String,
    /// The placeholder text (e.g. `&&`); empty when the template takes no params.
    pub placeholder: String,
    /// The param types, in order of the placeholders in URI then body.
    pub params: Vec<ParamType>,
    /// The body, with placeholders; empty for none.
    pub body: String,
}

impl Sr1RequestTemplate {
    /// Reads a `10` row.
    pub fn from_record(record: &Record) -> Result<Self, Sr1Error> {
        let bad = |what: &str| Sr1Error::BadRequestTemplate(what.to_owned());
        let values = record.values();
        let field = |i: usize| values.get(i).map_or("", String::as_str);
        if values.len() > 8 {
            return Err(bad("too many fields"));
        }
        let msg_id = field(0);
        if msg_id.is_empty() {
            return Err(Sr1Error::BadRequestTemplate("missing message id".into()));
        }
        let method: HttpMethod = field(1).parse()?;
        let uri = field(2);
        if uri.is_empty() {
            return Err(bad("missing URI"));
        }
        let params = field(6)
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<Vec<ParamType>, _>>()?;
        let template = Self {
            msg_id: msg_id.to_owned(),
            method,
            uri: uri.to_owned(),
            content_type: field(3).to_owned(),
            accept: field(4).to_owned(),
            placeholder: field(5).to_owned(),
            params,
            body: field(7).to_owned(),
        };
        if matches!(method, HttpMethod::Get | HttpMethod::Delete) && !template.body.is_empty() {
            return Err(bad("GET and DELETE templates take no body"));
        }
        if !template.params.is_empty() && template.placeholder.is_empty() {
            return Err(Sr1Error::ValuesWithoutPlaceholder);
        }
        if !template.placeholder.is_empty() {
            let count = template.uri.matches(&template.placeholder).count()
                + template.body.matches(&template.placeholder).count();
            if count != template.params.len() {
                return Err(bad("placeholder count differs from param count"));
            }
        }
        Ok(template)
    }
}

/// A response template (`11` row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sr1ResponseTemplate {
    /// The message id of emitted lines.
    pub msg_id: String,
    /// Path prefix of the value paths (empty = root).
    pub base: String,
    /// Path that must exist for the template to fire (empty = always).
    pub condition: String,
    /// The value paths.
    pub values: Vec<String>,
}

impl Sr1ResponseTemplate {
    /// Reads an `11` row.
    pub fn from_record(record: &Record) -> Result<Self, Sr1Error> {
        let values = record.values();
        let field = |i: usize| values.get(i).map_or("", String::as_str);
        if field(0).is_empty() {
            return Err(Sr1Error::BadResponseTemplate("missing message id".into()));
        }
        let paths: Vec<String> = values.iter().skip(3).cloned().collect();
        if paths.is_empty() || paths.iter().any(String::is_empty) {
            return Err(Sr1Error::BadResponseTemplate("missing value path".into()));
        }
        for path in [field(1), field(2)]
            .into_iter()
            .chain(paths.iter().map(String::as_str))
        {
            JsonPath::parse(path).map_err(|e| Sr1Error::InvalidJsonPath(e.to_string()))?;
        }
        Ok(Self {
            msg_id: field(0).to_owned(),
            base: field(1).to_owned(),
            condition: field(2).to_owned(),
            values: paths,
        })
    }
}

/// The templates registered for one X-ID.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sr1Collection {
    /// Request templates, in definition order.
    pub requests: Vec<Sr1RequestTemplate>,
    /// Response templates, in definition order.
    pub responses: Vec<Sr1ResponseTemplate>,
}

impl Sr1Collection {
    /// Reads the `10` and `11` rows of a registration payload.
    pub fn parse(payload: &[u8]) -> Result<Self, Sr1Error> {
        let mut collection = Self::default();
        for record in decode(payload)? {
            match record.id() {
                "10" => collection
                    .requests
                    .push(Sr1RequestTemplate::from_record(&record)?),
                "11" => collection
                    .responses
                    .push(Sr1ResponseTemplate::from_record(&record)?),
                other => {
                    return Err(Sr1Error::BadRequestTemplate(format!(
                        "row {other:?} is not a template"
                    )));
                }
            }
        }
        if collection.requests.is_empty() && collection.responses.is_empty() {
            return Err(Sr1Error::Empty);
        }
        let mut ids: Vec<&str> = collection
            .requests
            .iter()
            .map(|t| t.msg_id.as_str())
            .chain(collection.responses.iter().map(|t| t.msg_id.as_str()))
            .collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|w| w.first() == w.get(1)) {
            return Err(Sr1Error::DuplicateMsgId(
                pair.first().copied().unwrap_or_default().to_owned(),
            ));
        }
        Ok(collection)
    }

    /// The request template with message id `msg_id`.
    pub fn request(&self, msg_id: &str) -> Option<&Sr1RequestTemplate> {
        self.requests.iter().find(|t| t.msg_id == msg_id)
    }
}
