"""The names the SDK takes and gives as text, as ``Literal`` types: annotate with them so that
``mypy --strict`` catches a misspelt kind, state or option value.

Every name here is exactly a string the native client produces or accepts.
"""

from __future__ import annotations

from typing import Literal, Union

__all__ = [
    "EventKind",
    "ConnectionState",
    "CollectionState",
    "TemplateStatus",
    "EventState",
    "DeliveryOutcome",
    "OperationSource",
    "Transport",
    "ProcessingMode",
    "OverflowPolicy",
    "QoS",
    "Severity",
    "JsonKind",
]

#: ``Event.kind``: what the client reported.
EventKind = Literal[
    "connection_state",
    "operation",
    "operation_resumed",
    "downstream",
    "smartrest_error",
    "template_status",
    "malformed",
    "message",
    "collection",
    "smartrest2_response",
    "smartrest1_response",
    "json_error",
    "malformed_message",
    "subscription_refused",
    "delivery",
    "recovered",
    "outbox_file_skipped",
    "events_lost",
    "publish_rejected",
    "managed_object_id",
    "other",
]

#: ``Client.state`` and ``Event.state`` of "connection_state" events ("unknown" only for a
#: state newer than this binding).
ConnectionState = Literal[
    "connecting", "connected", "subscriptions_refused", "disconnected", "stopped", "closed", "unknown"
]

#: ``Event.state`` of "collection" events.
CollectionState = Literal["checking", "creating", "ready", "failed", "unknown"]

#: ``Event.state`` of "template_status" events.
TemplateStatus = Literal["exists", "missing"]

#: Any ``Event.state``.
EventState = Union[ConnectionState, CollectionState, TemplateStatus]

#: ``Event.outcome`` of "delivery" events.
DeliveryOutcome = Literal[
    "acknowledged",
    "sent",
    "dropped_overflow",
    "dropped_closed",
    "dropped_stopped",
    "dropped_collection_failed",
    "rejected",
    "dropped",
]

#: ``Operation.source``: how the operation arrived.
OperationSource = Literal["static", "json", "smartrest2", "other"]

#: The ``transport`` option (the core also accepts these in any case).
Transport = Literal["tls", "mqtts", "tcp", "mqtt", "ws", "wss"]

#: The ``processing_mode`` option: persistent, transient, quiescent, CEP.
ProcessingMode = Literal["s", "t", "q", "c"]

#: The ``overflow`` option: what a publish does when the outbox is full.
OverflowPolicy = Literal["reject", "drop_oldest"]

#: An MQTT QoS level.
QoS = Literal[0, 1, 2]

#: An alarm severity (the core also accepts these in any case).
Severity = Literal["critical", "major", "minor", "warning", "CRITICAL", "MAJOR", "MINOR", "WARNING"]

#: The ``kind`` of ``Client.send_json``.
JsonKind = Literal["measurement", "event", "alarm", "inventory"]
