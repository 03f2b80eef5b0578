"""The sdist and the wheel ship what an installed consentkit needs, the root catalogs included.

The catalogs live in ``locales/`` at the repository root and are mapped into the package as
``consentkit.locales`` (pyproject's ``[tool.setuptools]``); the tests run from an editable
install, so only a real build shows that a user's ``pip install`` gets them.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "consentkit"
CATALOGS = [f"locales/{locale}/LC_MESSAGES/consentkit.po" for locale in ("th", "en")]
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "*.egg-info",
    "build",
    "dist",
    "node_modules",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "test-artifacts",
)

# Runs with the unpacked wheel first on the path: a Thai visitor's first page, through the
# middleware, as a user's app would see it.
_RENDER_THAI_PAGE = textwrap.dedent(
    """
    import asyncio, json
    import consentkit, consentkit.i18n
    from consentkit import ConsentMiddleware

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body",
                    "body": "<!doctype html><html><body><p>ร้านกาแฟ</p></body></html>".encode()})

    async def visit():
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": "/", "raw_path": b"/",
                 "root_path": "", "query_string": b"", "client": ("127.0.0.1", 40000),
                 "server": ("testserver", 80),
                 "headers": [(b"host", b"testserver"), (b"accept-language", b"th")]}
        await ConsentMiddleware(app, secret_key="กุญแจลับของร้านกาแฟ-0123456789")(
            scope, receive, send)
        return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")

    body = asyncio.run(visit()).decode()
    print(json.dumps({"consentkit": consentkit.__file__,
                      "catalogs": str(consentkit.i18n.BUILTIN_LOCALES), "body": body}))
    """
)


def _can_build() -> str | None:
    """Why a build cannot run here, or ``None``."""
    if importlib.util.find_spec("build") is None:
        return "the 'build' package is not installed (pip install -e '.[test]')"
    major = int(importlib.metadata.version("setuptools").split(".")[0])
    if major < 77:
        return f"setuptools {major} is older than pyproject's build requirement (77)"
    return None


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist and the wheel built from it (``python -m build`` builds them in that order)."""
    reason = _can_build()
    if reason:
        pytest.skip(reason)
    # A copy without the editable install's egg-info: setuptools would otherwise add the files
    # listed in its stale SOURCES.txt, and a missing package or catalog would go unnoticed.
    source = tmp_path_factory.mktemp("source") / "consentkit"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE, symlinks=True)
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    return out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("consentkit-*.whl")
    return wheel


def _sdist(dist: Path) -> Path:
    (sdist,) = dist.glob("consentkit-*.tar.gz")
    return sdist


def test_the_sdist_holds_the_root_catalogs(dist: Path) -> None:
    with tarfile.open(_sdist(dist)) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert set(CATALOGS) <= names


#: What the tests read from the source tree, and the docs and examples (MANIFEST.in).
SDIST_FOLDERS = ("tests", "docs", "examples", "benchmarks", "scripts", "data")
SDIST_FILES = ("babel.cfg", "package.json", "package-lock.json", "README.md", "LICENSE")


def test_the_sdist_holds_the_tests_docs_and_examples(dist: Path) -> None:
    with tarfile.open(_sdist(dist)) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    expected = set(SDIST_FILES)
    for folder in SDIST_FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            relative = path.relative_to(ROOT)
            left_out = _NOT_SOURCE("", relative.parts) or path.suffix in {".pyc", ".mo", ".sqlite3"}
            if path.is_file() and not left_out:
                expected.add(relative.as_posix())
    assert expected - names == set(), "MANIFEST.in leaves these out of the sdist"
    assert not any(part in {"__pycache__", "node_modules"} for n in names for part in n.split("/"))


def test_pytest_passes_from_the_unpacked_sdist(dist: Path, tmp_path: Path) -> None:
    """What a packager does: unpack the sdist, install it into a fresh venv, run its tests.
    The venv gets the test dependencies from this one (a .pth line, after its own
    site-packages) so that only consentkit is installed from the sdist."""
    with tarfile.open(_sdist(dist)) as archive:
        # (the filter argument came in 3.10.12; before it, our own archive is trusted)
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(tmp_path / "unpacked", **safe)  # type: ignore[arg-type]
    (source,) = (tmp_path / "unpacked").iterdir()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "consentkit-test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
         "--no-index", "--no-build-isolation", str(_sdist(dist))],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    where = subprocess.run(
        [python, "-c", "import consentkit; print(consentkit.__file__)"],
        capture_output=True, text=True, check=True, cwd=source, env=env,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(site), where
    tests = subprocess.run(
        [python, "-m", "pytest", "-m", "not e2e", "-q", "-p", "no:randomly", "-p",
         "no:cacheprovider"],
        capture_output=True, text=True, timeout=1200, cwd=source, env=env,
    )  # fmt: skip
    summary = tests.stdout.strip().splitlines()[-1:] or [tests.stderr[-2000:]]
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in summary[0] and "failed" not in summary[0], summary


def test_the_wheel_holds_catalogs_templates_static_files_and_every_package(dist: Path) -> None:
    names = set(zipfile.ZipFile(_wheel(dist)).namelist())
    expected = {
        *(f"consentkit/{catalog}" for catalog in CATALOGS),
        "consentkit/py.typed",
        "consentkit/templates/consentkit/banner.html",
        "consentkit/templates/consentkit/preferences.html",
        "consentkit/static/consentkit.css",
        "consentkit/static/consentkit.js",
        "consentkit/templates/consentkit/_seen_cookies.html",
        # The Open Cookie Database, with its licence and source commit.
        "consentkit/cookiedb/data.json.gz",
        "consentkit/cookiedb/LICENSE",
        "consentkit/cookiedb/SOURCE",
    }
    assert expected <= names, expected - names
    # pyproject lists the packages by hand (see [tool.setuptools]): a new one must be added.
    for init in PACKAGE.rglob("__init__.py"):
        relative = init.relative_to(PACKAGE)
        package = ".".join(("consentkit", *relative.parent.parts))
        assert f"consentkit/{relative.as_posix()}" in names, f"add {package!r} to pyproject"


def test_the_unpacked_wheel_renders_the_thai_banner_from_its_own_catalog(
    dist: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(_wheel(dist)).extractall(site)
    dependencies = sysconfig.get_paths()["purelib"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # -S: no site-packages .pth files, so the editable install's finder cannot answer.
    completed = subprocess.run(
        [sys.executable, "-S", "-c", _RENDER_THAI_PAGE],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), dependencies])},
    )
    assert completed.returncode == 0, completed.stderr
    found = json.loads(completed.stdout)
    assert Path(found["consentkit"]).is_relative_to(site)
    assert Path(found["catalogs"]) == site / "consentkit" / "locales"
    with (ROOT / CATALOGS[0]).open("rb") as handle:
        accept_all = read_po(handle, locale="th").get("Accept all").string
    assert accept_all == "ยอมรับทั้งหมด"
    assert 'id="consentkit-banner"' in found["body"] and accept_all in found["body"]
    assert "ร้านกาแฟ" in found["body"]


def test_the_wheel_metadata_has_the_project_urls_and_the_readme(dist: Path) -> None:
    """What the package index shows: its links (``Project-URL``) and the README as Markdown,
    with only absolute links."""
    from email.parser import Parser

    from ..unit.test_readme_links import REPOSITORY, targets

    with zipfile.ZipFile(_wheel(dist)) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(wheel.read(name).decode("utf-8"))
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls)
    assert all(url.startswith(REPOSITORY) for url in urls.values()), urls
    assert metadata["Description-Content-Type"] == "text/markdown"
    description = metadata.get_payload()
    assert "./scripts/demo" in description
    assert all(t.startswith(("https://", "mailto:")) for t in targets(description))
    assert not any(
        r.lower().startswith("starlette")
        for r in metadata.get_all("Requires-Dist") or []
        if "extra ==" not in r
    )


_FLASK_SITE = textwrap.dedent(
    """
    import flask
    from consentkit import ConsentWSGIMiddleware, get_consent

    app = flask.Flask(__name__)
    app.wsgi_app = ConsentWSGIMiddleware(
        app.wsgi_app, secret_key="กุญแจลับของร้านกาแฟ-0123456789abcdef"
    )

    @app.get("/")
    def home():
        consent = get_consent(flask.request)
        state = "เปิด" if consent.allows("analytics") else "ปิด"
        return f"<!doctype html><html><body><p>ร้านกาแฟ: สถิติ{state}</p></body></html>"
    """
)


def test_a_flask_site_runs_with_only_consentkit_and_flask_installed(
    dist: Path, tmp_path: Path
) -> None:
    """``pip install consentkit flask`` in a fresh venv (this machine's package index), a
    Flask site under werkzeug: the banner, and no Starlette anywhere."""
    from ..support.servers import free_port, serve_command

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", str(_wheel(dist)), "flask"],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    starlette = subprocess.run(
        [python, "-c", "import starlette"], capture_output=True, text=True, env=env
    )
    assert starlette.returncode == 1 and "ModuleNotFoundError" in starlette.stderr
    site = tmp_path / "ร้าน" / "coffeeshop.py"
    site.parent.mkdir()
    site.write_text(_FLASK_SITE, encoding="utf-8")
    port = free_port()
    flask = [str(venv / "bin" / "flask"), "--app", str(site), "run", "--port", str(port)]
    with serve_command(flask, port, tmp_path / "flask.log") as base:
        import httpx

        page = httpx.get(f"{base}/", headers={"accept-language": "th"}, timeout=30)
    assert page.status_code == 200
    assert 'id="consentkit-banner"' in page.text and "ร้านกาแฟ: สถิติปิด" in page.text
    assert "werkzeug" in page.headers["server"].lower()
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, env=env
    )
    assert "starlette" not in listed.stdout.lower()
