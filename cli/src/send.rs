//! `c8y-mqtt send`: one message, then exit once the platform acknowledged it (exit status 0) or
//! with the reason it did not (non-zero): a refusal on `s/e` within the rejection window, a
//! dropped message, a connection that never came up. Typed messages are built with the SDK's
//! templates; a static template line is read by the SmartREST codec and checked by the
//! template's parser before it is sent.

use std::time::{Duration, Instant};

use c8y_mqtt::client::{BlockingClient, DeliveryOutcome, Event, NextEvent};
use c8y_mqtt::smartrest::decode;
use c8y_mqtt::templates::upstream::{
    CriticalAlarm, CustomMeasurement, Event as PlatformEvent, MajorAlarm, MinorAlarm, Upstream, WarningAlarm,
};
use c8y_mqtt::value::Number;

use crate::Error;
use crate::connection::ConnectionArgs;

/// How long the refusal's line may follow the refused outcome.
const EVENT_WAIT: Duration = Duration::from_secs(1);

/// `send` flags.
#[derive(Debug, clap::Args)]
pub(crate) struct SendArgs {
    /// Send for this child device of the device (`s/us/<child>`); the child must exist
    #[arg(long, value_name = "CHILD_ID")]
    child: Option<String>,
    /// Seconds to wait for the connection and for the acknowledgement
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,
    /// Milliseconds after the acknowledgement during which a refusal on `s/e` still fails the
    /// command (the platform processes a row after acknowledging it)
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    rejection_window: u64,
    #[command(subcommand)]
    what: What,
}

/// The alarm severities, one static template each.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Severity {
    Critical,
    Major,
    Minor,
    Warning,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// A measurement (template 200): `send measurement c8y_Temperature T 21.5 --unit C`
    Measurement {
        /// The fragment, such as c8y_Temperature
        fragment: String,
        /// The series, such as T
        series: String,
        /// The value, kept exactly as written
        value: String,
        /// The unit
        #[arg(long)]
        unit: Option<String>,
    },
    /// An event (template 400): `send event c8y_DoorOpened "Door opened"`
    Event {
        /// The event type
        event_type: String,
        /// The event text
        text: String,
    },
    /// An alarm (templates 301-304): `send alarm c8y_TemperatureAlarm --severity major --text "Too hot"`
    Alarm {
        /// The alarm type
        alarm_type: String,
        /// The severity
        #[arg(long, value_enum, default_value_t = Severity::Major)]
        severity: Severity,
        /// The alarm text
        #[arg(long)]
        text: Option<String>,
    },
    /// Any static template line, checked by its template before sending: `send line '211,21.5'`
    Line {
        /// One SmartREST row of a static upstream template (100-507)
        line: String,
    },
    /// A payload as it is, on any upstream topic: `send raw --topic s/uc/myXid '100,on'`
    Raw {
        /// The upstream topic
        #[arg(long, default_value = "s/us")]
        topic: String,
        /// The payload
        payload: String,
    },
}

impl What {
    /// The typed template, or `None` for a raw payload.
    fn template(&self) -> Result<Option<Upstream>, Error> {
        Ok(Some(match self {
            What::Measurement {
                fragment,
                series,
                value,
                unit,
            } => {
                let value: Number = value.parse().map_err(|e| format!("value {value:?}: {e}"))?;
                let mut measurement = CustomMeasurement::new(fragment.as_str(), series.as_str(), value)?;
                if let Some(unit) = unit {
                    measurement = measurement.with_unit(unit.as_str());
                }
                measurement.into()
            }
            What::Event { event_type, text } => {
                PlatformEvent::new(event_type.as_str(), text.as_str())?.into()
            }
            What::Alarm {
                alarm_type,
                severity,
                text,
            } => {
                let text = text.clone().unwrap_or_default();
                match severity {
                    Severity::Critical => CriticalAlarm::new(alarm_type.as_str())?.with_text(text).into(),
                    Severity::Major => MajorAlarm::new(alarm_type.as_str())?.with_text(text).into(),
                    Severity::Minor => MinorAlarm::new(alarm_type.as_str())?.with_text(text).into(),
                    Severity::Warning => WarningAlarm::new(alarm_type.as_str())?.with_text(text).into(),
                }
            }
            What::Line { line } => {
                let rows = decode(line.as_bytes()).map_err(|e| format!("line {line:?}: {e}"))?;
                let [row] = rows.as_slice() else {
                    return Err(format!("expected one row, got {}", rows.len()).into());
                };
                Upstream::parse(row).map_err(|e| format!("line {line:?}: {e}"))?
            }
            What::Raw { .. } => return Ok(None),
        }))
    }
}

/// Runs `send`.
pub(crate) fn run(connection: &ConnectionArgs, args: SendArgs) -> Result<(), Error> {
    let template = args.what.template()?;
    let timeout = Duration::from_secs(args.timeout);
    let config = connection
        .builder()?
        .rejection_window(Duration::from_millis(args.rejection_window))
        .build()?;
    let qos = config.default_qos();
    let client = BlockingClient::connect(config)?;
    let result = send(&client, &args, template, qos, timeout);
    client.close();
    result
}

fn send(
    client: &BlockingClient,
    args: &SendArgs,
    template: Option<Upstream>,
    qos: c8y_mqtt::QoS,
    timeout: Duration,
) -> Result<(), Error> {
    client.wait_connected(timeout)?;
    let entity = match &args.child {
        Some(child) => client.child(child)?,
        None => client.device(),
    };
    let delivery = match (template, &args.what) {
        (Some(template), _) => entity.publish(template)?,
        (None, What::Raw { topic, payload }) => client.publish_raw(topic, payload.as_str(), qos)?,
        (None, _) => return Err("nothing to send".into()),
    };
    let outcome = delivery
        .wait(timeout)
        .ok_or_else(|| format!("not acknowledged within {timeout:?}"))?;
    match outcome {
        DeliveryOutcome::Acknowledged => {
            println!("acknowledged");
            Ok(())
        }
        DeliveryOutcome::Sent => {
            println!("sent (QoS 0: the platform does not acknowledge)");
            Ok(())
        }
        DeliveryOutcome::Rejected { code } => {
            // The refusal's text comes with the event naming this delivery.
            let mut text = String::new();
            let deadline = Instant::now() + EVENT_WAIT;
            while let NextEvent::Event(event) =
                client.next_event(deadline.saturating_duration_since(Instant::now()))
            {
                if let Event::PublishRejected { id, line, .. } = event
                    && id == delivery.id()
                {
                    text = format!(": {}", line.text);
                    break;
                }
            }
            Err(format!("rejected by the platform with error {code}{text}").into())
        }
        DeliveryOutcome::Dropped(reason) => Err(format!("dropped: {reason:?}").into()),
        other => Err(format!("not delivered: {other:?}").into()),
    }
}
