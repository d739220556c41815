"""Package metadata, exception classes and codes."""

from __future__ import annotations

import pathlib
import re
import typing

import pytest

import c8y_mqtt
from c8y_mqtt import _native, errors

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_version_is_the_crate_version() -> None:
    cargo = (ROOT / "Cargo.toml").read_text()
    version = re.search(r'^\[workspace\.package\][^\[]*?^version = "([^"]+)"', cargo, re.M | re.S)
    assert version is not None
    assert c8y_mqtt.__version__ == version.group(1)


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (errors.ConfigError, 104),
        (errors.NotConnectedError, 200),
        (errors.ClientClosedError, 201),
        (errors.DeadlineExceededError, 202),
        (errors.QueueFullError, 203),
        (errors.InCallbackError, 204),
        (errors.ForkedError, 205),
        (errors.StoppedError, 206),
        (errors.ConnectError, 300),
        (errors.TlsError, 301),
        (errors.AuthError, 302),
        (errors.ProxyError, 303),
        (errors.FileError, 304),
        (errors.RegistrationError, 305),
        (errors.HttpError, 306),
        (errors.MessageTooLargeError, 400),
        (errors.SmartRestError, 401),
        (errors.C8yError, 900),
        (errors.InternalError, 901),
    ],
)
def test_every_exception_carries_its_c_code(cls: type, code: int) -> None:
    assert issubclass(cls, c8y_mqtt.C8yError)
    assert cls.code == code  # type: ignore[attr-defined]
    assert code in errors.RESULT_CODES.values()


def test_result_codes_and_exception_classes_are_the_cores() -> None:
    table = _native.RESULT_CODE_TABLE
    assert errors.RESULT_CODES == {name: number for number, name, _ in table}
    by_class = {}
    for number, name, exception in table:
        cls = _native._exception_class(number)
        if exception is None:  # only the C ABI returns it
            assert cls is errors.C8yError
            continue
        assert cls.__name__ == exception, name
        if exception == "ValueError":
            assert cls is ValueError and number // 100 in (1, 4), name
            continue
        assert cls is getattr(errors, exception), name
        assert cls.code == number, name  # type: ignore[attr-defined]
        by_class[cls] = number
    # every exception class of the package is the core's class of its own code
    for public in errors.__all__:
        cls = getattr(errors, public)
        if isinstance(cls, type) and issubclass(cls, errors.C8yError):
            assert by_class.get(cls) == cls.code, public


def test_result_code_table_is_grouped() -> None:
    codes = errors.RESULT_CODES
    assert codes["NULL_PARAMETER"] == 100 and codes["INVALID_UTF8"] == 101
    assert codes["BUFFER_TOO_SMALL"] == 103 and codes["INVALID_CONFIG"] == 104
    assert codes["NOT_CONNECTED"] == 200 and codes["FORKED"] == 205
    assert codes["STOPPED"] == 206 and codes["LOGGER_INSTALLED"] == 209
    assert codes["NETWORK"] == 300 and codes["AUTH"] == 302 and codes["REGISTRATION"] == 305
    assert codes["MESSAGE_TOO_LARGE"] == 400 and codes["SMARTREST_REJECTED"] == 401
    assert codes["INVALID_TEMPLATE"] == 402 and codes["UNKNOWN_TEMPLATE"] == 403
    assert codes["PANIC"] == 900 and codes["INTERNAL"] == 901
    assert len(set(codes.values())) == len(codes)


def test_deadline_exceeded_is_a_timeout_error() -> None:
    assert issubclass(errors.DeadlineExceededError, TimeoutError)
    with pytest.raises(TimeoutError):
        raise errors.DeadlineExceededError("late")


def test_smartrest_error_keeps_template_and_text() -> None:
    e = errors.SmartRestError("200", "Wrong value", 45)
    assert (e.template, e.text, e.smartrest_code) == ("200", "Wrong value", 45)
    assert "Wrong value" in str(e)


def test_panic_exception_is_pyo3s_and_a_base_exception() -> None:
    assert issubclass(c8y_mqtt.PanicException, BaseException)
    assert not issubclass(c8y_mqtt.PanicException, Exception)
    assert c8y_mqtt.PanicException.__module__.startswith("pyo3")


def test_every_public_name_has_a_docstring() -> None:
    import c8y_mqtt.aio
    import c8y_mqtt.operations
    import c8y_mqtt.testing

    missing = []
    for module in (c8y_mqtt, c8y_mqtt.aio, c8y_mqtt.literals, c8y_mqtt.operations, c8y_mqtt.testing, errors):
        assert module.__doc__, module.__name__
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if typing.get_origin(obj) is not None:
                continue  # a Literal/Union type alias of c8y_mqtt.literals (documented there)
            if callable(obj) and not (obj.__doc__ or "").strip():
                missing.append(f"{module.__name__}.{name}")
            for attr, value in vars(obj).items() if isinstance(obj, type) else []:
                if attr.startswith("_") or not callable(value) and not isinstance(value, property):
                    continue
                doc = getattr(value, "__doc__", None)
                if not (doc or "").strip():
                    missing.append(f"{module.__name__}.{name}.{attr}")
    assert missing == []
