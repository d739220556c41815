"""The exceptions of c8y_mqtt and the result codes they correspond to.

Every class carries a class attribute ``code`` equal to the ``c8y_result`` value the C ABI
returns for the same error, so that logs of the Python and the C face of the SDK correlate.
:data:`RESULT_CODES` is the table of those values (grouped: 1xx arguments, 2xx state, 3xx
network/TLS/auth/files, 4xx protocol, 9xx internal), read from the SDK's core, which also
decides which error gets which code.

Bad arguments (wrong types, ``None`` where a value is needed, invalid ids or template values)
raise the built-in :class:`TypeError` or :class:`ValueError`, never a :class:`C8yError`.
"""

from __future__ import annotations

from typing import ClassVar, Dict, Optional

from ._native import RESULT_CODE_TABLE as _RESULT_CODE_TABLE

__all__ = [
    "RESULT_CODES",
    "C8yError",
    "ConfigError",
    "ConnectError",
    "TlsError",
    "AuthError",
    "ProxyError",
    "StoppedError",
    "NotConnectedError",
    "ClientClosedError",
    "DeadlineExceededError",
    "QueueFullError",
    "InCallbackError",
    "ForkedError",
    "FileError",
    "RegistrationError",
    "MessageTooLargeError",
    "SmartRestError",
    "HttpError",
    "InternalError",
]

#: The result codes (``C8Y_RESULT_<NAME>`` in C), by name: ``RESULT_CODES["NETWORK"] == 300``.
RESULT_CODES: Dict[str, int] = {name: number for number, name, _ in _RESULT_CODE_TABLE}


class C8yError(Exception):
    """Base class of every error the SDK raises (other than TypeError/ValueError for bad
    arguments and PanicException for a bug in the SDK).

    ``code`` is the result code of the class. A plain ``C8yError`` is raised only for a panic in
    the SDK's background task; its code is 900 (``PANIC``).
    """

    code: ClassVar[int] = RESULT_CODES["PANIC"]


class ConfigError(C8yError):
    """The configuration cannot be used (missing or invalid setting, unreadable PEM, ...)."""

    code: ClassVar[int] = RESULT_CODES["INVALID_CONFIG"]


class ConnectError(C8yError):
    """Connecting failed (a network error), or the client stopped on a fatal connection error
    (the subclasses)."""

    code: ClassVar[int] = RESULT_CODES["NETWORK"]


class TlsError(ConnectError):
    """The TLS handshake failed (untrusted certificate, name mismatch, ...)."""

    code: ClassVar[int] = RESULT_CODES["TLS"]


class AuthError(ConnectError):
    """The platform refused the login (bad credentials, not authorized)."""

    code: ClassVar[int] = RESULT_CODES["AUTH"]


class ProxyError(ConnectError):
    """The HTTP CONNECT proxy could not be reached or refused the tunnel."""

    code: ClassVar[int] = RESULT_CODES["PROXY"]


class StoppedError(ConnectError):
    """The client stopped on a fatal connection error other than a refused login (which raises
    :class:`AuthError`): an untrusted server certificate, a refused client id. The connection
    error is the ``__cause__``."""

    code: ClassVar[int] = RESULT_CODES["STOPPED"]


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


class FileError(C8yError):
    """A file could not be read or written (the persistence directory, a credentials file)."""

    code: ClassVar[int] = RESULT_CODES["IO"]


class RegistrationError(C8yError):
    """Bootstrap registration failed: no credentials in time, the bootstrap login was refused,
    or the credentials file could not be written."""

    code: ClassVar[int] = RESULT_CODES["REGISTRATION"]


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


class InternalError(C8yError):
    """An internal failure of the SDK (a thread or the runtime cannot start)."""

    code: ClassVar[int] = RESULT_CODES["INTERNAL"]
