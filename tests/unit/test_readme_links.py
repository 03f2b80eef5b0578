"""The README renders on the package index as on the repository: every link and image is
absolute (a relative one is broken on PyPI), points into the one canonical repository, and
names a file that exists here; the package's ``Project-URL`` s use the same repository."""

from __future__ import annotations

import importlib.metadata
import re

import pytest

from ..support import ROOT

REPOSITORY = "https://github.com/consentkit/consentkit"
RAW = "https://raw.githubusercontent.com/consentkit/consentkit/main/"
BLOB = f"{REPOSITORY}/blob/main/"
TREE = f"{REPOSITORY}/tree/main/"

_FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
# [text](target), ![alt](target), <img src="...">, <a href="...">, and [label]: target
_TARGETS = re.compile(
    r"\]\(\s*<?([^)\s>]+)|<(?:img|a)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)|^\[[^\]]+\]:\s*(\S+)",
    re.MULTILINE,
)


def targets(markdown: str) -> list[str]:
    """Every link and image target of a Markdown text, outside fenced code blocks."""
    prose = _FENCE.sub("", markdown)
    prose = re.sub(r"`[^`\n]*`", "", prose)  # inline code is not a link
    return [next(group for group in found if group) for found in _TARGETS.findall(prose)]


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_targets_finds_every_kind_of_link() -> None:
    text = (
        "![แบนเนอร์](docs/img/a.png) [ดู](https://x.test/) <img src='b.png'>\n"
        '<a href="c.md">ค</a>\n[d]: d.md\n`[not](e.md)`\n```html\n<a href="/f">f</a>\n```\n'
    )
    assert targets(text) == ["docs/img/a.png", "https://x.test/", "b.png", "c.md", "d.md"]


def test_every_readme_link_and_image_is_absolute() -> None:
    found = targets(_readme())
    assert len(found) >= 10
    relative = [t for t in found if not t.startswith(("https://", "mailto:"))]
    assert not relative, f"relative links break on the package index: {relative}"


def test_repository_links_name_files_that_exist() -> None:
    for target in targets(_readme()):
        for base in (RAW, BLOB, TREE):
            if target.startswith(base):
                path = target[len(base) :].split("#", 1)[0]
                assert (ROOT / path).exists(), f"README links to missing {path}"
                break
        else:
            assert not target.startswith(("https://github.com/consentkit", "https://raw.")), target


def test_readme_images_are_raw_files() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", _FENCE.sub("", _readme()))
    assert images
    for image in images:
        # a blob/ URL is an HTML page, which an <img> on the package index cannot show
        assert image.startswith(RAW), image
        assert (ROOT / image[len(RAW) :]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("label", ["Homepage", "Documentation", "Source", "Issues"])
def test_project_urls_point_into_the_repository(label: str) -> None:
    urls = dict(
        entry.split(", ", 1)
        for entry in importlib.metadata.metadata("consentkit").get_all("Project-URL") or []
    )
    assert urls[label].startswith(REPOSITORY), urls
