"""Two examples in Debian's Chromium: a choice in the banner, then the page's
``data-consent="analytics"`` script runs (under the Starlette example's nonce CSP too) and the
server's ``_ga`` cookie reaches the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..support.examples import running

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.mark.parametrize("name", ["starlette", "flask", "django-asgi"])
def test_accepting_runs_the_analytics_script_and_lets_ga_in(
    name: str, chromium: Any, tmp_path: Path
) -> None:
    with running(name, tmp_path) as base_url:
        context = chromium.new_context(locale="th-TH")
        errors: list[str] = []
        try:
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(base_url + "/analytics")
            assert page.locator("#consentkit-banner").is_visible()
            assert page.text_content("#analytics-state") == "สคริปต์สถิติยังไม่ทำงาน"
            page.goto(base_url + "/tracking")
            assert "_ga" not in {c["name"] for c in context.cookies()}

            page.goto(base_url + "/analytics")
            page.click("#consentkit-accept-all")
            page.wait_for_selector("#consentkit-banner", state="hidden")
            page.goto(base_url + "/analytics")
            page.wait_for_function(
                "document.getElementById('analytics-state').textContent === 'สคริปต์สถิติทำงานแล้ว'"
            )
            assert page.locator("#consentkit-banner").count() == 0
            page.goto(base_url + "/tracking")
            assert "_ga" in {c["name"] for c in context.cookies()}
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            context.close()
