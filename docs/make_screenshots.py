"""Take the README's banner screenshots: ``python docs/make_screenshots.py``.

Starts ``consentkit demo`` on a free loopback port and photographs the home page of a first-time
visitor in Thai and in English with Debian's Chromium through Playwright.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
CONSENTKIT = str(Path(sys.executable).parent / "consentkit")


def main() -> None:
    """Photograph the banner in both languages into ``docs/img/``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = subprocess.Popen(
        [CONSENTKIT, "demo", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            for language in ("th", "en"):
                context = browser.new_context(
                    viewport={"width": 1100, "height": 720},
                    locale="th-TH" if language == "th" else "en-US",
                    extra_http_headers={"Accept-Language": language},
                )
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#consentkit-banner")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(HERE / "img" / f"banner-{language}.png"))
                context.close()
            browser.close()
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=15)


if __name__ == "__main__":
    main()
