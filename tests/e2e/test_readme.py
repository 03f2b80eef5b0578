"""The README's code runs as written: each ```python block, a whole file, or a Django block
(``# settings.py``, ``# wsgi.py``, ... sections) inside a minimal project. Each app a block
makes (``app``, or a Django ``application``) is driven through its framework's test client as
a first-time visitor who then accepts all. A new block is picked up as it is added."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..support import ROOT
from ..support.readme_apps import BANNER, Visit, client_for, visit

KEY = "กุญแจลับของ README-0123456789abcdef"
_FILE_HEADER = re.compile(r"^# ([\w/]+\.py)$", re.MULTILINE)
_LABEL = re.compile(r"^(?:\*\*([^*]+)\*\*|#+ (.+))", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    """One ```python block of the README, and the bold label or heading above it."""

    label: str
    line: int
    code: str

    @property
    def files(self) -> dict[str, str]:
        """The block's ``# name.py`` sections (empty when it is one file)."""
        parts = _FILE_HEADER.split(self.code)
        if len(parts) == 1:
            return {}
        return {
            name: header_and_code
            for name, header_and_code in zip(parts[1::2], parts[2::2], strict=True)
        }


def readme_blocks(text: str) -> list[Block]:
    """Every ```python block of a Markdown text, with its label."""
    blocks = []
    for found in re.finditer(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        labels = list(_LABEL.finditer(text, 0, found.start()))
        label = next((g for g in labels[-1].groups() if g), "") if labels else ""
        line = text.count("\n", 0, found.start()) + 1
        blocks.append(Block(label.strip(), line, found.group(1)))
    return blocks


BLOCKS = readme_blocks((ROOT / "README.md").read_text(encoding="utf-8"))


def _id(block: Block) -> str:
    return f"{block.label} (line {block.line})"


def _assert_undefined_names_are_none(name: str, code: str) -> None:
    """ruff's pyflakes rules: no undefined name (F821), no unused import (F401)."""
    if importlib.util.find_spec("ruff") is None:
        return
    checked = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "--select",
         "F821,F401,F811", "--stdin-filename", name, "-"],
        input=code, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout


def _assert_consent_works(visited: Visit) -> None:
    assert visited.status_before == 200, visited.before[:500]
    assert BANNER in visited.before, f"{visited.client}: no banner on the first visit"
    assert visited.decided_before is False
    assert visited.choice_status == 200 and visited.decided_after is True
    assert visited.status_after == 200 and BANNER not in visited.after
    # The quick starts show the analytics choice on the page: it follows the visitor's choice.
    if "Analytics: off" in visited.before:
        assert "Analytics: on" in visited.after


def test_the_readme_has_its_quick_starts() -> None:
    labels = " ".join(block.label for block in BLOCKS)
    for framework in ("FastAPI", "Starlette", "Litestar", "Quart", "Flask", "Django"):
        assert framework in labels


def test_blocks_are_found_with_their_labels_and_files() -> None:
    text = textwrap.dedent(
        """\
        **ร้านกาแฟ** (one file):

        ```python
        app = 1
        ```

        ## A project

        ```python
        # settings.py
        X = 1

        # wsgi.py
        application = 2
        ```
        """
    )
    one, project = readme_blocks(text)
    assert (one.label, one.line, one.code, one.files) == ("ร้านกาแฟ", 3, "app = 1\n", {})
    assert project.label == "A project"
    assert project.files == {"settings.py": "\nX = 1\n\n", "wsgi.py": "\napplication = 2\n"}


@pytest.mark.parametrize("block", [b for b in BLOCKS if not b.files], ids=_id)
def test_a_one_file_block_runs_and_its_app_asks_for_consent(
    block: Block, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The block as a module of its own (``main.py``, as the quick starts' commands say)."""
    _assert_undefined_names_are_none(f"README line {block.line}.py", block.code)
    monkeypatch.setenv("CONSENTKIT_SECRET_KEY", KEY)
    name = f"readme_line_{block.line}"
    source = tmp_path / "main.py"
    source.write_text(block.code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, source)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)  # frameworks look their handlers up there
    spec.loader.exec_module(module)
    apps = [getattr(module, name) for name in ("app", "application") if hasattr(module, name)]
    assert apps, "a README block must make an `app` (or `application`) to run"
    for app in apps:
        _assert_consent_works(visit(client_for(app)))


# The Django project around a block's files: what every settings.py has and the block leaves
# to the site (URLs, hosts, Django's own key), and one page using consent in a view and in a
# template.
_PROJECT = {
    "__init__.py": "",
    "project.py": textwrap.dedent(
        """
        ROOT_URLCONF = "readme_site.urls"
        ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
        SECRET_KEY = "django-insecure-แค่สำหรับทดสอบ-0123456789"
        DEBUG = False
        USE_TZ = True
        """
    ),
    "urls.py": textwrap.dedent(
        """
        from django.template import engines
        from django.http import HttpResponse
        from django.urls import path

        from consentkit import get_consent

        PAGE = (
            '<!doctype html><html><body>{% load consentkit %}<p>Analytics: '
            '{% if consent|allows:"analytics" %}on{% else %}off{% endif %}</p>'
            '<p>View: {{ view_says }}</p></body></html>'
        )


        def home(request):
            view_says = "on" if get_consent(request).allows("analytics") else "off"
            template = engines["django"].from_string(PAGE)
            return HttpResponse(template.render({"view_says": view_says}, request))


        urlpatterns = [path("", home)]
        """
    ),
}

_DRIVE_DJANGO = textwrap.dedent(
    """
    import importlib, os, sys
    from pathlib import Path

    project, root = sys.argv[1], sys.argv[2]
    sys.path[:0] = [project, root]
    os.environ["DJANGO_SETTINGS_MODULE"] = "readme_site.settings"
    from tests.support.readme_apps import _Client, client_for, visit

    site = Path(project) / "readme_site"
    entry_points = [n for n in ("wsgi", "asgi") if (site / f"{n}.py").exists()]
    for name in entry_points:
        application = importlib.import_module(f"readme_site.{name}").application
        print(visit(client_for(application)).as_json())
    if not entry_points:  # consentkit in MIDDLEWARE: Django's own test client
        import django
        django.setup()
        from django.test import Client
        print(visit(_Client("django", Client())).as_json())
    """
)


@pytest.mark.parametrize("block", [b for b in BLOCKS if "settings.py" in b.files], ids=_id)
def test_a_django_block_runs_in_a_minimal_project(block: Block, tmp_path: Path) -> None:
    site = tmp_path / "readme_site"
    site.mkdir()
    for name, code in _PROJECT.items():
        (site / name).write_text(code, encoding="utf-8")
    for name, code in block.files.items():
        _assert_undefined_names_are_none(name, code)
        prefix = "from .project import *  # noqa: F403\n" if name == "settings.py" else ""
        (site / name).write_text(prefix + code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["CONSENTKIT_SECRET_KEY"] = KEY
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", _DRIVE_DJANGO, str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-4000:]
    visits = [Visit(**json.loads(line)) for line in completed.stdout.splitlines()]
    assert visits
    # wsgi.py's application through werkzeug's client, asgi.py's through httpx's, and without
    # either (consentkit in MIDDLEWARE) Django's own test client.
    entry_points = {name[:-3] for name in block.files if name in {"wsgi.py", "asgi.py"}}
    assert [v.client for v in visits] == sorted(entry_points, reverse=True) or ["django"]
    for visited in visits:
        _assert_consent_works(visited)
        assert "View: off" in visited.before and "View: on" in visited.after


def test_every_block_is_run_by_one_of_the_tests() -> None:
    for block in BLOCKS:
        assert not block.files or "settings.py" in block.files, (
            f"README line {block.line}: a block of files needs a settings.py (a Django project)"
        )
