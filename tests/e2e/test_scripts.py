"""The README's two set-up commands, ``./scripts/demo`` and ``./scripts/test``, on a fresh
copy of the repository: the first run makes ``.venv`` and installs, a second run does not call
pip at all (pip is taken out of the venv to prove it), and a changed ``pyproject.toml`` installs
again."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ..support import ROOT

_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "*.egg-info", "build", "dist", "__pycache__", ".*_cache",
    ".hypothesis", "test-artifacts",
)  # fmt: skip
INSTALLS = "Installing consentkit["


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository without a venv. Its ``test`` extra is cut to pytest: what is
    tested is the scripts' set-up, not the whole test suite's dependencies."""
    copy = tmp_path_factory.mktemp("ร้านกาแฟ") / "consentkit"
    shutil.copytree(ROOT, copy, ignore=_NOT_SOURCE, symlinks=True)
    pyproject = copy / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text, cut = re.subn(
        r"^test = \[\n.*?^\]\n", 'test = ["pytest>=8"]\n', text, count=1, flags=re.M | re.S
    )
    assert cut == 1
    pyproject.write_text(text, encoding="utf-8")
    if shutil.which("npm") is None:
        (copy / "package.json").unlink()
    return copy


def _run(checkout: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run(
        [str(checkout / command[0]), *command[1:]],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _pip_taken_out(checkout: Path) -> list[tuple[Path, Path]]:
    """Rename pip's package and scripts in the venv, so any ``python -m pip`` fails."""
    moved = []
    for found in [
        *checkout.glob(".venv/lib/python*/site-packages/pip"),
        *checkout.glob(".venv/bin/pip*"),
    ]:
        aside = found.with_name(found.name + ".taken-out")
        found.rename(aside)
        moved.append((aside, found))
    assert moved
    return moved


def _put_back(moved: list[tuple[Path, Path]]) -> None:
    for aside, found in moved:
        aside.rename(found)


@pytest.mark.parametrize(
    ("script", "usage"),
    [("scripts/demo", "usage: consentkit demo"), ("scripts/test", "pytest ")],
)
def test_second_start_does_not_call_pip(checkout: Path, script: str, usage: str) -> None:
    # --help / --version: the script's set-up, then the command itself, without serving.
    argument = "--help" if script.endswith("demo") else "--version"
    first = _run(checkout, script, argument)
    assert first.returncode == 0, first.stderr[-3000:]
    assert INSTALLS in first.stderr
    assert usage in first.stdout + first.stderr

    moved = _pip_taken_out(checkout)
    try:
        second = _run(checkout, script, argument)
    finally:
        _put_back(moved)
    assert second.returncode == 0, second.stderr[-3000:]
    assert INSTALLS not in second.stderr and "npm ci" not in second.stderr
    assert usage in second.stdout + second.stderr
    if script != "scripts/demo":
        return  # both scripts share scripts/_venv.sh: one reinstall is enough to see

    pyproject = checkout / "pyproject.toml"
    original = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(original + "\n# ผู้ดูแลแก้ไขไฟล์นี้\n", encoding="utf-8")
    try:
        third = _run(checkout, script, argument)
    finally:
        pyproject.write_text(original, encoding="utf-8")
    assert third.returncode == 0, third.stderr[-3000:]
    assert INSTALLS in third.stderr
