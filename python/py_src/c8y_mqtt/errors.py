"""The exceptions of c8y_mqtt and the C result codes they correspond to.

Every class carries a class attribute ``code`` equal to the ``c8y_result`` value of the C ABI, so
that logs of the Python and the C face of the SDK correlate. :data:`RESULT_CODES` is the one table
of those values (grouped: 1xx arguments, 2xx state, 3xx network/TLS/auth, 4xx protocol, 9xx
internal).

Bad arguments (wrong types, ``None`` where a value is needed, invalid ids or template values)
raise the built-in :class:`TypeError` or :class:`ValueError`, never a :class:`C8yError`.
"""

from __future__ import annotations

from typing import ClassVar, Dict, Optional

__all__ = [
    "RESULT_CODES",
    "C8yError",
    "ConfigError",
    "ConnectError",
    "TlsError",
    "AuthError",
    "NotConnectedError",
    "ClientClosedError",
    "DeadlineExceededError",
    "QueueFullError",
    "InCallbackError",
    "ForkedError",
    "MessageTooLargeError",
    "SmartRestError",
    "HttpError",
]

#: The C ABI's result codes (``C8Y_RESULT_<NAME>``), by name.
RESULT_CODES: Dict[str, int] = {
    "OK": 0,
    # 1xx: arguments
    "NULL_PARAMETER": 100,
    "INVALID_UTF8": 101,
    "INVALID_ARGUMENT": 102,
    "BUFFER_TOO_SMALL": 103,
    # 2xx: state
    "NOT_CONNECTED": 200,
    "CLOSED": 201,
    "TIMEOUT": 202,
    "QUEUE_FULL": 203,
    "IN_CALLBACK": 204,
    "FORKED": 205,
    # 3xx: network, TLS, authentication
    "CONNECT_FAILED": 300,
    "TLS": 301,
    "AUTH": 302,
    "HTTP": 306,
    # 4xx: protocol
    "MESSAGE_TOO_LARGE": 400,
    "SMARTREST_REJECTED": 401,
    # 9xx: internal
    "PANIC": 900,
}


class C8yError(Exception):
    """Base class of every error the SDK raises (other than TypeError/ValueError for bad
    arguments and PanicException for a bug in the SDK).

    ``code`` is the C result code of the class. A plain ``C8yError`` is raised only for internal
    failures without a more specific class (the runtime cannot start, the persistence directory
    cannot be used); its code is 900 (``PANIC``, the C ABI's code for internal failures).
    """

    code: ClassVar[int] = RESULT_CODES["PANIC"]


class ConfigError(C8yError):
    """The configuration cannot be used (missing or invalid setting, unreadable PEM, ...)."""

    code: ClassVar[int] = RESULT_CODES["INVALID_ARGUMENT"]


class ConnectError(C8yError):
    """Connecting failed, or the client stopped on a fatal connection error."""

    code: ClassVar[int] = RESULT_CODES["CONNECT_FAILED"]


class TlsError(ConnectError):
    """The TLS handshake failed (untrusted certificate, name mismatch, ...)."""

    code: ClassVar[int] = RESULT_CODES["TLS"]


class AuthError(ConnectError):
    """The platform refused the login (bad credentials, not authorized)."""

    code: ClassVar[int] = RESULT_CODES["AUTH"]


class NotConnectedError(C8yError):
    """The operation needs a connection and the client is not connected."""

    code: ClassVar[int] = RESULT_CODES["NOT_CONNECTED"]


class ClientClosedError(C8yError):
    """The client was closed (or a delivery was dropped because it was closed)."""

    code: ClassVar[int] = RESULT_CODES["CLOSED"]


class DeadlineExceededError(C8yError, TimeoutError):
    """A wait (connect, flush, operation status, ...) did not finish in time."""

    code: ClassVar[int] = RESULT_CODES["TIMEOUT"]


class QueueFullError(C8yError):
    """The outbox is full (its limits are set with ``max_queued``); nothing was queued."""

    code: ClassVar[int] = RESULT_CODES["QUEUE_FULL"]


class InCallbackError(C8yError):
    """A blocking call (flush, close, next_event, wait_connected) was made from an event
    callback, which runs on the SDK's dispatcher thread and must not block it."""

    code: ClassVar[int] = RESULT_CODES["IN_CALLBACK"]


class ForkedError(C8yError):
    """The client was created in another process: after ``fork()`` create a new client."""

    code: ClassVar[int] = RESULT_CODES["FORKED"]


class MessageTooLargeError(C8yError):
    """The message does not fit one MQTT packet (Cumulocity's 16184-byte limit); nothing was
    queued."""

    code: ClassVar[int] = RESULT_CODES["MESSAGE_TOO_LARGE"]


class SmartRestError(C8yError):
    """The platform rejected a SmartREST row (an ``s/e`` line).

    Attributes:
        template: the message id of the rejected row (empty when the line has none).
        text: the platform's explanation.
        smartrest_code: the numeric ``s/e`` code (40, 41, 42, 45, 50, ...), when known.
    """

    code: ClassVar[int] = RESULT_CODES["SMARTREST_REJECTED"]

    def __init__(self, template: str, text: str, smartrest_code: Optional[int] = None) -> None:
        super().__init__(f"SmartREST row {template!r} rejected: {text}")
        self.template = template
        self.text = text
        self.smartrest_code = smartrest_code


class HttpError(C8yError):
    """A platform HTTP call or file transfer failed: an error status, an unexpected answer, or
    a download that failed its size or checksum check."""

    code: ClassVar[int] = RESULT_CODES["HTTP"]
