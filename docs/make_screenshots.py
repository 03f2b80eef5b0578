"""Take the README's banner screenshots: ``python docs/make_screenshots.py``.

Starts ``consentkit demo`` on a free loopback port and photographs the home page of a first-time
visitor in Thai and in English with Debian's Chromium through Playwright: on a desktop
(``banner-th.png``, ``banner-en.png``, the README's), on a phone (``banner-th-phone.png``,
``banner-en-phone.png``), and on a phone with the per-category choice opened
(``banner-th-phone-open.png``).
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
DESKTOP = {"width": 1100, "height": 720}
PHONE = {"width": 390, "height": 844}
#: Each picture: its file name, the language, the window, and whether the disclosure is open.
SHOTS = [
    ("banner-th.png", "th", DESKTOP, False),
    ("banner-en.png", "en", DESKTOP, False),
    ("banner-th-phone.png", "th", PHONE, False),
    ("banner-en-phone.png", "en", PHONE, False),
    ("banner-th-phone-open.png", "th", PHONE, True),
]


def main() -> None:
    """Photograph the banner (each of :data:`SHOTS`) into ``docs/img/``."""
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
            for name, language, viewport, opened in SHOTS:
                context = browser.new_context(
                    viewport=viewport,
                    locale="th-TH" if language == "th" else "en-US",
                    extra_http_headers={"Accept-Language": language},
                    reduced_motion="reduce",
                )
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#consentkit-banner")
                page.wait_for_load_state("networkidle")
                if opened:
                    page.click("#consentkit-choose")
                page.screenshot(path=str(HERE / "img" / name))
                context.close()
            browser.close()
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=15)


if __name__ == "__main__":
    main()
