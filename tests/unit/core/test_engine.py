"""The engine: built from the settings, closes what it holds open, and knows no adapter."""

from __future__ import annotations

import ast
import datetime
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import consentkit.core
from consentkit.core.engine import Engine
from consentkit.core.exchange import Exchange
from consentkit.location.stats import StatisticsRow, read_statistics
from consentkit.options import Settings

MakeExchange = Callable[..., Exchange]
HTML = [(b"content-type", b"text/html; charset=utf-8")]
CORE = Path(consentkit.core.__file__).parent
#: 1 November 2026, 09:00 in Bangkok (02:00 UTC).
MORNING = datetime.datetime(2026, 11, 1, 2, 0, tzinfo=datetime.timezone.utc)


def test_an_engine_builds_from_settings() -> None:
    settings = Settings.from_options(
        secret_key="กุญแจทดสอบหน่วย-0123456789abcdef", geolocator=None, prefix="/cookies/"
    )
    engine = Engine(settings)
    assert engine.settings is settings
    assert (engine.prefix, engine.prefix_slash) == ("/cookies", "/cookies/")
    assert repr(engine) == "<consentkit Engine prefix='/cookies'>"
    assert engine.no_cookies.https_values == engine.no_cookies.http_values == ()
    assert engine.no_cookies.cookies == {}
    assert engine.statistics is None
    assert engine.catalogs is engine.renderer.catalogs
    assert engine.reads_body == engine.endpoints.reads_body
    assert engine.answer == engine.endpoints.answer
    engine.close()  # nothing to close: no error


def test_close_writes_and_closes_the_statistics(
    make_engine: Callable[..., Engine],
    exchange: MakeExchange,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "s.sqlite3"
    engine = make_engine(statistics=path)
    assert engine.statistics is not None
    monkeypatch.setattr(time, "time", MORNING.timestamp)
    engine.plan(exchange(path="/เมนู", engine=engine), 200, HTML)  # a page view: counted
    engine.plan(exchange("HEAD", engine=engine), 200, HTML)  # not a GET
    engine.plan(exchange(engine=engine), 404, HTML)  # not a 200
    engine.plan(exchange(engine=engine), 200, [(b"content-type", b"application/json")])
    engine.close()
    assert path.is_file()
    assert read_statistics(path) == [StatisticsRow(MORNING.date(), None, None, 1)]
    engine.close()  # a second close is harmless
    assert read_statistics(path) == [StatisticsRow(MORNING.date(), None, None, 1)]


# -- no reference back to the adapters -----------------------------------------------------


def imported_modules(path: Path) -> set[str]:
    """Every module a core source file imports, relative imports made absolute."""
    package = ["consentkit", "core"]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_import_walk_sees_relative_imports() -> None:
    modules = imported_modules(CORE / "engine.py")
    assert "consentkit.banner.BannerRenderer" in modules
    assert "consentkit.core.planning.Planner" in modules
    assert "consentkit.location.stats.open_statistics" in modules


def test_the_import_walk_finds_an_adapter_import(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text(
        "from ..asgi import ConsentMiddleware\nfrom .. import wsgi\nimport consentkit.asgi\n"
    )
    assert {"consentkit.asgi", "consentkit.wsgi", "consentkit.asgi.ConsentMiddleware"} <= (
        imported_modules(source)
    )


def test_the_core_imports_no_adapter() -> None:
    sources = sorted(CORE.glob("*.py"))
    assert len(sources) == 15
    for source in sources:
        for module in imported_modules(source):
            parts = module.split(".")
            assert "asgi" not in parts and "wsgi" not in parts, f"{source.name} imports {module}"
