"""The `consentkit report` page in Chromium, in Thai and English: it renders its charts, logs
no console error, asks for nothing but its own file (every request is routed and any other is
refused and fails the test), and axe-core finds no WCAG 2.2 AA violation. Screenshots go to
test-artifacts/ (report-th.png, report-en.png, and the top of each page) to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from consentkit.cli import main

from ...support.report_data import SITE_TITLE, write_records, write_statistics
from .test_banner_looks import AXE_TAGS, _violations

pytestmark = pytest.mark.browser

LOCALES = {"th": "th-TH", "en": "en-US"}
HEADINGS = {
    "th": ["รายงานความยินยอมการใช้คุกกี้", "การเลือกรายวัน", "สัดส่วนผู้เข้าชมที่อนุญาตแต่ละประเภท",
           "ภาษาของแบนเนอร์", "การเปิดดูหน้าเว็บแยกตามประเทศ", "รายการคุกกี้"],
    "en": ["Cookie consent report", "Choices per day", "Share of visitors granting each category",
           "Banner languages", "Page views per country", "Cookie inventory"],
}  # fmt: skip


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    records = write_records(folder / "records.jsonl")
    statistics = write_statistics(folder / "statistics.sqlite")
    pages = {}
    for lang in LOCALES:
        pages[lang] = folder / f"report-{lang}.html"
        status = main(
            ["report", "--records", str(records), "--statistics", str(statistics),
             "--locale", lang, "--title", SITE_TITLE, "-o", str(pages[lang])]
        )  # fmt: skip
        assert status == 0
    return pages


class Guarded:
    """A page whose every request is routed: its own file goes through, anything else is
    refused and kept in ``refused``; console errors and page errors are kept in ``errors``."""

    def __init__(self, browser: Any, url: str, lang: str) -> None:
        self.url = url
        self.context = browser.new_context(
            locale=LOCALES[lang], viewport={"width": 1100, "height": 900}, device_scale_factor=1
        )
        self.page = self.context.new_page()
        self.requested: list[str] = []
        self.refused: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()

    def open(self) -> Any:
        self.page.goto(self.url, wait_until="load")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def guarded(browser: Any) -> Iterator[Any]:
    opened: list[Guarded] = []

    def open_guarded(path: Path, lang: str) -> Guarded:
        opened.append(Guarded(browser, path.resolve().as_uri(), lang))
        return opened[-1]

    yield open_guarded
    for page in opened:
        page.close()


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_the_report_renders_alone_and_is_accessible(
    guarded: Any, reports: dict[str, Path], axe_source: str, artifacts: Path, lang: str
) -> None:
    view = guarded(reports[lang], lang)
    page = view.open()
    assert page.evaluate("document.documentElement.lang") == lang
    headings = page.locator("h1, h2").all_inner_texts()
    assert headings[:1] + headings[2:7] == HEADINGS[lang]  # "at a glance" is second
    charts = page.locator("svg.chart")
    assert charts.count() == 4
    for index in range(4):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 50
    assert page.locator("svg.chart rect[class^='bar-']").count() > 90  # a month of stacks
    assert page.locator("table").count() == 5
    assert page.locator("script").count() == 0
    page.screenshot(path=str(artifacts / f"report-{lang}.png"), full_page=True)
    page.screenshot(path=str(artifacts / f"report-{lang}-top.png"))
    assert view.errors == []
    assert view.refused == [] and set(view.requested) == {view.url}
    assert _violations(page, axe_source) == [], AXE_TAGS


def test_the_guard_catches_a_request_off_the_page(
    guarded: Any, reports: dict[str, Path], tmp_path: Path
) -> None:
    doctored = tmp_path / "doctored.html"
    html = reports["th"].read_text(encoding="utf-8")
    doctored.write_text(
        html.replace("</main>", '<img alt="" src="http://127.0.0.1:9/pixel.gif"></main>'),
        encoding="utf-8",
    )
    view = guarded(doctored, "th")
    view.open()
    assert view.refused == ["http://127.0.0.1:9/pixel.gif"]


def test_on_a_phone_only_charts_and_tables_scroll_sideways(
    browser: Any, reports: dict[str, Path], artifacts: Path
) -> None:
    context = browser.new_context(locale="th-TH", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(reports["th"].resolve().as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") == 390
        assert page.locator(".scroll").count() == 5  # four charts and the inventory
        page.screenshot(path=str(artifacts / "report-th-phone.png"))
    finally:
        context.close()
