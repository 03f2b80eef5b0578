"""The user's documentation says what the code does: options, blocks, variables, links."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from consentkit.banner import BannerRenderer
from consentkit.options import OPTIONS, Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", ROOT / "examples" / "README.md", *DOCS.glob("*.md")])
KEY = "กุญแจลับสำหรับทดสอบเอกสาร-0123456789"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _plain(markdown: str) -> str:
    return re.sub(r"`|\*\*", "", markdown).strip()


def test_every_option_is_documented_with_its_default() -> None:
    """A row per option: its default as the table shows it, then its doc line, then details."""
    text = _read(DOCS / "options.md")
    rows = {
        match.group(1): (_plain(match.group(2)), _plain(match.group(3)))
        for match in re.finditer(r"^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|$", text, re.MULTILINE)
    }
    assert OPTIONS
    for option in OPTIONS:
        assert option.name in rows, f"docs/options.md has no row for {option.name}"
        default, meaning = rows[option.name]
        assert option.shown_default in default, option.name
        assert meaning.startswith(option.doc.rstrip(".")), option.name
    assert set(rows) <= {option.name for option in OPTIONS}, "a documented option does not exist"


def _blocks(template: str) -> set[str]:
    source = _read(ROOT / "src" / "consentkit" / "templates" / "consentkit" / template)
    return set(re.findall(r"{%-?\s*block\s+(\w+)", source))


@pytest.mark.parametrize("template", ["banner.html", "preferences.html"])
def test_documented_blocks_exist(template: str) -> None:
    text = _read(DOCS / "templates.md")
    prefix = f"- `consentkit/{template}`: "
    line = next(line for line in text.splitlines() if line.startswith(prefix))
    documented = set(re.findall(r"`(\w+)`", line[len(prefix) :]))
    assert documented
    assert documented <= _blocks(template)
    # the blocks the contract guarantees
    if template == "banner.html":
        assert {"title", "intro", "categories", "buttons", "links"} <= documented


def test_documented_template_variables_exist() -> None:
    settings = Settings.from_options(secret_key=KEY)
    known = set(BannerRenderer(settings).context("th", "")) | {"next", "nonce"}
    text = _read(DOCS / "templates.md")
    table = text.split("## Variables", 1)[1].split("The preferences page", 1)[0]
    documented = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            documented.update(re.findall(r"`(\w+)`", line.split("|")[1]))
    assert documented
    assert documented <= known, documented - known


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", _read(page)):
        if target.startswith(("http://", "https://", "mailto:", "#")):
            continue
        path = target.split("#", 1)[0]
        assert (page.parent / path).exists(), f"{page.name} links to missing {target}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_snippets_are_valid_python(page: Path) -> None:
    for number, block in enumerate(re.findall(r"```python\n(.*?)```", _read(page), re.DOTALL)):
        compile(textwrap.dedent(block), f"{page.name} block {number}", "exec")


def test_readme_keeps_the_two_commands_and_shows_both_screenshots() -> None:
    readme = _read(ROOT / "README.md")
    assert "    ./scripts/demo\n" in readme and "    ./scripts/test\n" in readme
    for language in ("th", "en"):
        image = DOCS / "img" / f"banner-{language}.png"
        raw = "https://raw.githubusercontent.com/consentkit/consentkit/main/"
        assert f"]({raw}docs/img/banner-{language}.png)" in readme
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# The README's quick starts are run by tests/e2e/test_readme.py, every block of them.
