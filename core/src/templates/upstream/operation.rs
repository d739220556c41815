//! Operation templates: asking for PENDING operations (500), moving the oldest operation of a
//! fragment through EXECUTING / FAILED / SUCCESSFUL (501–503), the same by operation id
//! (504–506), and failing every EXECUTING operation after a crash (507). docs/protocol.md §5.6, §5.8.
//!
//! Parameters of SUCCESSFUL (503, 506) are free text with side effects on the platform (a
//! `c8y_Command` result, a `c8y_LogfileRequest` file URL, `c8y_RelayArray` states, …). Empty
//! parameters at the end of the list are not written (the codec drops trailing empty fields) and
//! parsing drops them too.

use super::{mandatory, no_field_template, optional_text, read_optional, read_parameters, read_required};
use crate::smartrest::{FieldError, FieldReader, RowBuilder};
use crate::templates::{TemplateError, UpstreamTemplate};

no_field_template! {
    /// Template 500: asks the platform to (re)send every PENDING operation of the agent and its
    /// children. Send it after every (re)connect and de-duplicate by operation id.
    GetPendingOperations = 500
}

/// Defines a template that names one operation (by fragment or id) and nothing else.
macro_rules! set_executing_template {
    ($(#[$doc:meta])* $name:ident = $id:literal, $key:ident, $key_name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            $key: String,
        }

        impl $name {
            #[doc = concat!("Names the operation by its ", $key_name, "; fails when it is empty.")]
            pub fn new($key: impl Into<String>) -> Result<Self, TemplateError> {
                Ok(Self {
                    $key: mandatory($id, $key_name, $key)?,
                })
            }

            #[doc = concat!("The operation's ", $key_name, ".")]
            pub fn $key(&self) -> &str {
                &self.$key
            }
        }

        impl UpstreamTemplate for $name {
            const ID: u16 = $id;

            fn write_fields(&self, row: &mut RowBuilder) {
                row.field(&self.$key);
            }

            fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
                Ok(Self {
                    $key: read_required(fields, $key_name)?,
                })
            }
        }
    };
}

/// Defines a template that fails one operation (by fragment or id) with an optional reason.
macro_rules! set_failed_template {
    ($(#[$doc:meta])* $name:ident = $id:literal, $key:ident, $key_name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            $key: String,
            failure_reason: Option<String>,
        }

        impl $name {
            #[doc = concat!("Names the operation by its ", $key_name, "; fails when it is empty.")]
            pub fn new($key: impl Into<String>) -> Result<Self, TemplateError> {
                Ok(Self {
                    $key: mandatory($id, $key_name, $key)?,
                    failure_reason: None,
                })
            }

            /// Sets the failure reason (free text, quoted as needed).
            pub fn with_failure_reason(mut self, reason: impl Into<String>) -> Self {
                self.failure_reason = optional_text(reason);
                self
            }

            #[doc = concat!("The operation's ", $key_name, ".")]
            pub fn $key(&self) -> &str {
                &self.$key
            }

            /// The failure reason, if set.
            pub fn failure_reason(&self) -> Option<&str> {
                self.failure_reason.as_deref()
            }
        }

        impl UpstreamTemplate for $name {
            const ID: u16 = $id;

            fn write_fields(&self, row: &mut RowBuilder) {
                row.field(&self.$key).optional(self.failure_reason.as_deref());
            }

            fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
                Ok(Self {
                    $key: read_required(fields, $key_name)?,
                    failure_reason: read_optional(fields),
                })
            }
        }
    };
}

/// Defines a template that completes one operation (by fragment or id) with parameters.
macro_rules! set_successful_template {
    ($(#[$doc:meta])* $name:ident = $id:literal, $key:ident, $key_name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $key: String,
            parameters: Vec<String>,
        }

        // Equality looks at what is sent: empty parameters at the end are not.
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.$key == other.$key && self.parameters() == other.parameters()
            }
        }

        impl Eq for $name {}

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.$key.hash(state);
                self.parameters().hash(state);
            }
        }

        impl $name {
            #[doc = concat!("Names the operation by its ", $key_name, "; fails when it is empty.")]
            pub fn new($key: impl Into<String>) -> Result<Self, TemplateError> {
                Ok(Self {
                    $key: mandatory($id, $key_name, $key)?,
                    parameters: Vec::new(),
                })
            }

            /// Appends one parameter (free text, quoted as needed).
            pub fn with_parameter(mut self, parameter: impl Into<String>) -> Self {
                self.parameters.push(parameter.into());
                self
            }

            /// Appends parameters, in order.
            pub fn with_parameters<S: Into<String>>(
                mut self,
                parameters: impl IntoIterator<Item = S>,
            ) -> Self {
                self.parameters.extend(parameters.into_iter().map(Into::into));
                self
            }

            #[doc = concat!("The operation's ", $key_name, ".")]
            pub fn $key(&self) -> &str {
                &self.$key
            }

            /// The parameters, in order, without empty ones at the end (they are not sent).
            pub fn parameters(&self) -> &[String] {
                let end = self
                    .parameters
                    .iter()
                    .rposition(|p| !p.is_empty())
                    .map_or(0, |last| last + 1);
                self.parameters.get(..end).unwrap_or_default()
            }
        }

        impl UpstreamTemplate for $name {
            const ID: u16 = $id;

            fn write_fields(&self, row: &mut RowBuilder) {
                row.field(&self.$key).optionals(self.parameters());
            }

            fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
                Ok(Self {
                    $key: read_required(fields, $key_name)?,
                    parameters: read_parameters(fields),
                })
            }
        }
    };
}

set_executing_template! {
    /// Template 501: sets the oldest PENDING operation with this fragment (for the topic's
    /// device) to EXECUTING, for example `501,c8y_Restart`.
    SetExecuting = 501, fragment, "fragment"
}

set_failed_template! {
    /// Template 502: sets the oldest EXECUTING operation with this fragment to FAILED, with an
    /// optional reason.
    SetFailed = 502, fragment, "fragment"
}

set_successful_template! {
    /// Template 503: sets the oldest EXECUTING operation with this fragment to SUCCESSFUL, with
    /// optional parameters (for example `503,c8y_Command,<result>`).
    SetSuccessful = 503, fragment, "fragment"
}

set_executing_template! {
    /// Template 504: sets the operation with this id to EXECUTING; the operation must have the
    /// publishing device as source.
    SetExecutingById = 504, operation_id, "operation id"
}

set_failed_template! {
    /// Template 505: sets the operation with this id to FAILED, with an optional reason; the
    /// operation must have the publishing device as source.
    SetFailedById = 505, operation_id, "operation id"
}

set_successful_template! {
    /// Template 506: sets the operation with this id to SUCCESSFUL, with optional parameters
    /// (for example `506,1234,"<command output>"`); the operation must have the publishing device
    /// as source.
    SetSuccessfulById = 506, operation_id, "operation id"
}

/// Template 507: sets every EXECUTING operation (of one fragment, or of all fragments) to
/// FAILED, with an optional reason; for recovery after a crash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FailAllExecuting {
    fragment: Option<String>,
    failure_reason: Option<String>,
}

impl FailAllExecuting {
    /// Fails every EXECUTING operation, whatever its fragment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits it to operations with this fragment.
    pub fn with_fragment(mut self, fragment: impl Into<String>) -> Self {
        self.fragment = optional_text(fragment);
        self
    }

    /// Sets the failure reason (free text, quoted as needed).
    pub fn with_failure_reason(mut self, reason: impl Into<String>) -> Self {
        self.failure_reason = optional_text(reason);
        self
    }

    /// The fragment, if limited to one.
    pub fn fragment(&self) -> Option<&str> {
        self.fragment.as_deref()
    }

    /// The failure reason, if set.
    pub fn failure_reason(&self) -> Option<&str> {
        self.failure_reason.as_deref()
    }
}

impl UpstreamTemplate for FailAllExecuting {
    const ID: u16 = 507;

    fn write_fields(&self, row: &mut RowBuilder) {
        row.optional(self.fragment.as_deref())
            .optional(self.failure_reason.as_deref());
    }

    fn read_fields(fields: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            fragment: read_optional(fields),
            failure_reason: read_optional(fields),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smartrest::FieldErrorKind;
    use crate::templates::upstream::test_support::{record, round_trip};

    #[test]
    fn get_pending_operations_renders_exactly() {
        round_trip(&GetPendingOperations, "500");
    }

    #[test]
    fn status_by_fragment_renders_exactly() {
        round_trip(&SetExecuting::new("c8y_Restart").unwrap(), "501,c8y_Restart");
        round_trip(&SetFailed::new("c8y_Restart").unwrap(), "502,c8y_Restart");
        round_trip(
            &SetFailed::new("c8y_Command")
                .unwrap()
                .with_failure_reason("not implemented"),
            "502,c8y_Command,not implemented",
        );
        round_trip(
            &SetFailed::new("c8y_Command")
                .unwrap()
                .with_failure_reason("exit code 1, \"disk full\""),
            "502,c8y_Command,\"exit code 1, \"\"disk full\"\"\"",
        );
        round_trip(&SetSuccessful::new("c8y_Restart").unwrap(), "503,c8y_Restart");
        round_trip(
            &SetSuccessful::new("c8y_RelayArray")
                .unwrap()
                .with_parameters(["OPEN", "CLOSED", "OPEN"]),
            "503,c8y_RelayArray,OPEN,CLOSED,OPEN",
        );
        assert!(SetExecuting::new("").is_err());
    }

    #[test]
    fn status_by_id_renders_exactly() {
        round_trip(&SetExecutingById::new("1234").unwrap(), "504,1234");
        round_trip(
            &SetFailedById::new("1234").unwrap().with_failure_reason("timeout"),
            "505,1234,timeout",
        );
        round_trip(
            &SetSuccessfulById::new("1234")
                .unwrap()
                .with_parameter("line 1\nline 2"),
            "506,1234,\"line 1\nline 2\"",
        );
        assert_eq!(
            SetExecutingById::from_record(&record("504")),
            Err(TemplateError::Field {
                template: 504,
                error: FieldError {
                    position: 1,
                    name: "operation id",
                    kind: FieldErrorKind::Missing
                }
            })
        );
        assert_eq!(
            SetFailedById::new(""),
            Err(TemplateError::InvalidValue {
                template: 505,
                reason: "operation id must not be empty".into()
            })
        );
    }

    #[test]
    fn parameters_keep_inner_empties_and_drop_trailing_ones() {
        let ok = SetSuccessful::new("c8y_X")
            .unwrap()
            .with_parameter("")
            .with_parameter("b")
            .with_parameter("");
        assert_eq!(ok.parameters(), ["", "b"]);
        round_trip(&ok, "503,c8y_X,,b");
        assert_eq!(
            SetSuccessful::from_record(&record("503,c8y_X,a,,b,,"))
                .unwrap()
                .parameters(),
            ["a", "", "b"]
        );
    }

    #[test]
    fn fail_all_executing_renders_exactly() {
        round_trip(&FailAllExecuting::new(), "507");
        round_trip(
            &FailAllExecuting::new().with_fragment("c8y_Restart"),
            "507,c8y_Restart",
        );
        round_trip(
            &FailAllExecuting::new().with_failure_reason("agent restarted"),
            "507,,agent restarted",
        );
        round_trip(
            &FailAllExecuting::new()
                .with_fragment("c8y_SoftwareUpdate")
                .with_failure_reason("agent restarted"),
            "507,c8y_SoftwareUpdate,agent restarted",
        );
    }
}
