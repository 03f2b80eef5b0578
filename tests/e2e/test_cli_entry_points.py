"""The ``consentkit`` command's other ways in: ``--version`` from the package's metadata, and
``python -m consentkit``, as real processes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import consentkit

from ..support import ROOT

CONSENTKIT = str(Path(sys.executable).parent / "consentkit")


def _version_in_pyproject() -> str:
    # (tomllib is Python 3.11's; the package supports 3.10)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version = "([^"]+)"$', text, re.MULTILINE)
    assert found
    return found.group(1)


def test_version_comes_from_the_package_metadata() -> None:
    for command in ([CONSENTKIT], [sys.executable, "-m", "consentkit"]):
        done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"consentkit {_version_in_pyproject()}\n"
    assert consentkit.__version__ == _version_in_pyproject()


def test_python_m_consentkit_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "consentkit", "keygen"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip()) >= 32
    usage = subprocess.run(
        [sys.executable, "-m", "consentkit", "--help"], capture_output=True, text=True, timeout=60
    )
    assert usage.returncode == 0 and usage.stdout.startswith("usage: consentkit ")
    wrong = subprocess.run(
        [sys.executable, "-m", "consentkit", "ไม่มีคำสั่งนี้"], capture_output=True, text=True
    )
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr
