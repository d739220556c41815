"""The stubs are usable: mypy --strict accepts a typed use of the API and the examples."""

from __future__ import annotations

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
EXAMPLES = HERE.parents[1] / "examples" / "python"


def test_mypy_strict_accepts_the_typed_api_use() -> None:
    files = [str(HERE / "typing" / "check_api.py"), *map(str, sorted(EXAMPLES.glob("*.py")))]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
