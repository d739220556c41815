"""The stubs are usable and precise: mypy --strict accepts a typed use of the API and the
examples, rejects every deliberate misuse in typing/misuse.py on its line, and the stub's
options, kinds and states are the ones the native code knows."""

from __future__ import annotations

import ast
import inspect
import pathlib
import re
import subprocess
import sys
import typing
from typing import Dict, List, Set, Tuple

import c8y_mqtt
from c8y_mqtt import literals
from c8y_mqtt.aio import AsyncClient

HERE = pathlib.Path(__file__).resolve().parent
PYTHON = HERE.parent
EXAMPLES = HERE.parents[1] / "examples" / "python"
STUB = PYTHON / "py_src" / "c8y_mqtt" / "_native.pyi"


def mypy_strict(*files: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_mypy_strict_accepts_the_typed_api_use() -> None:
    done = mypy_strict(str(HERE / "typing" / "check_api.py"), *map(str, sorted(EXAMPLES.glob("*.py"))))
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_rejects_every_misuse_on_its_line() -> None:
    misuse = HERE / "typing" / "misuse.py"
    expected: Dict[int, str] = {}
    for number, line in enumerate(misuse.read_text().splitlines(), 1):
        mark = re.search(r"# expect: ([a-z-]+)$", line)
        if mark:
            expected[number] = mark.group(1)
    assert len(expected) >= 25
    done = mypy_strict(str(misuse))
    assert done.returncode == 1, done.stdout + done.stderr
    reported: Dict[int, Set[str]] = {}
    for match in re.finditer(r"^.*misuse\.py:(\d+): error: .*\[([a-z-]+)\]$", done.stdout, re.M):
        reported.setdefault(int(match.group(1)), set()).add(match.group(2))
    assert sorted(reported) == sorted(expected), done.stdout
    wrong = {n: (code, reported[n]) for n, code in expected.items() if code not in reported[n]}
    assert wrong == {}, done.stdout


def rust_strings(path: str, pattern: str) -> Set[str]:
    return set(re.findall(pattern, (PYTHON / "src" / path).read_text()))


def literal_values(alias: object) -> Set[str]:
    values: Set[str] = set()
    for arg in typing.get_args(alias):
        if isinstance(arg, str):
            values.add(arg)
        else:
            values |= literal_values(arg)
    return values


def test_literal_types_are_the_strings_the_binding_produces() -> None:
    assert literal_values(literals.EventKind) == rust_strings("events.rs", r'Event::of\("(\w+)"\)')
    states = rust_strings("events.rs", r'ConnectionState::\w+(?: \{ \.\. \})? => "(\w+)"') | {"unknown"}
    assert literal_values(literals.ConnectionState) == states | {"closed"}
    outcomes = rust_strings("events.rs", r'DeliveryOutcome::[\w(:)]+(?: \{ \.\. \})? => "(\w+)"') | {"dropped"}
    assert literal_values(literals.DeliveryOutcome) == outcomes
    assert literal_values(literals.CollectionState) == rust_strings("events.rs", r'CollectionState::\w+.*=> \("(\w+)"') | {
        "unknown"
    }
    assert literal_values(literals.OperationSource) == rust_strings("events.rs", r'OperationSource::\w+.*=> "(\w+)"') | {
        "other"
    }


def stub_client_options() -> Dict[str, Tuple[str, object]]:
    """The keyword-only parameters of ``Client.__new__`` in the stub: (annotation, default)."""
    tree = ast.parse(STUB.read_text())
    [client] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Client"]
    [new] = [n for n in client.body if isinstance(n, ast.FunctionDef) and n.name == "__new__"]
    options: Dict[str, Tuple[str, object]] = {}
    for arg, default in zip(new.args.kwonlyargs, new.args.kw_defaults):
        assert arg.annotation is not None and default is not None, arg.arg
        options[arg.arg] = (ast.unparse(arg.annotation), ast.literal_eval(default))
    return options


def test_stub_options_are_the_native_options_and_async_connect_takes_them_all() -> None:
    options_rs = (PYTHON / "src" / "options.rs").read_text()
    table = options_rs[options_rs.index("const OPTION_NAMES") : options_rs.index("fn get<")]
    native = set(re.findall(r'^    "(\w+)",$', table, re.M))
    stub = stub_client_options()
    assert set(stub) == native
    connect = {
        name: (ast.unparse(ast.parse(str(p.annotation), mode="eval").body), p.default)
        for name, p in inspect.signature(AsyncClient.connect).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name != "wait"
    }
    assert connect == stub


def test_every_stub_member_has_a_docstring() -> None:
    missing: List[str] = []

    def visit(body: List[ast.stmt], prefix: str) -> None:
        seen: Set[str] = set()
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                if node.name in seen:  # the further variants of an overload
                    continue
                seen.add(node.name)
                if ast.get_docstring(node) is None:
                    missing.append(prefix + node.name)
                if isinstance(node, ast.ClassDef):
                    visit(node.body, f"{prefix}{node.name}.")

    visit(ast.parse(STUB.read_text()).body, "")
    assert missing == []


def test_async_client_is_exported_and_declares_its_methods() -> None:
    assert c8y_mqtt.AsyncClient is AsyncClient
    assert "__getattr__" not in vars(AsyncClient)
    for name in ("send_measurement", "send_event", "publish_raw", "send_json", "send_smartrest2", "create_service"):
        assert inspect.getdoc(getattr(AsyncClient, name)), name
