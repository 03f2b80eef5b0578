"""``consentkit check URL``: what a visitor without consent receives from a page.

Fetches the page the way a first-time visitor's browser would (no cookies, following
redirects) and reports, as a table: the cookies the server sets, which category each belongs to,
whether the consent banner is present and whether the page varies on ``Cookie``. A cookie
that no category names is classified as the middleware would: by the Open Cookie Database,
with the frameworks' session and CSRF cookies never gated. It fails (exit
status 1) when a cookie of a category that needs consent gets through, or when an HTML page has
no banner; 2 when the page cannot be fetched.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..categories import DEFAULT_CATEGORIES, Category
from ..cookiedb import CookieClassifier
from ._extras import MissingExtra, report_missing, require

BANNER_MARKER = 'id="consentkit-banner"'
USER_AGENT = "consentkit-check/0.1 (a visitor without consent)"


@dataclass(frozen=True)
class SetCookie:
    """One ``Set-Cookie`` the visitor received."""

    name: str
    lifetime: str
    deletes: bool
    url: str


@dataclass(frozen=True)
class Finding:
    """One row of the report."""

    cookie: SetCookie
    category: str
    verdict: str
    failed: bool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``consentkit check``."""
    parser.add_argument("url", metavar="URL", help="the page to fetch, e.g. http://127.0.0.1:8000/")
    parser.add_argument(
        "--category",
        action="append",
        default=[],
        metavar="NAME=PATTERN[,PATTERN]",
        help="cookies of a category that needs consent, in addition to the defaults "
        "(analytics: _ga, _ga_*, _gid, _gat*; marketing: _fbp, _gcl_*); repeatable, "
        "e.g. --category analytics=_pk_*",
    )
    parser.add_argument(
        "--no-banner-ok",
        action="store_true",
        help="do not fail when the page has no consent banner",
    )
    parser.add_argument(
        "--timeout", type=float, default=15.0, help="seconds to wait for the site (default 15)"
    )


def parse_categories(values: Sequence[str]) -> tuple[Category, ...]:
    """The default categories, with the ``--category NAME=PATTERNS`` cookies added."""
    extra: dict[str, list[str]] = {}
    for value in values:
        name, sep, patterns = value.partition("=")
        if not sep or not name.strip() or not patterns.strip():
            raise ValueError(
                f"--category {value!r}: write NAME=PATTERN[,PATTERN], e.g. analytics=_pk_*"
            )
        extra.setdefault(name.strip(), []).extend(
            p.strip() for p in patterns.split(",") if p.strip()
        )
    categories = []
    for category in DEFAULT_CATEGORIES:
        more = tuple(extra.pop(category.name, ()))
        categories.append(
            Category(
                category.name,
                cookies=category.cookies + more,
                required=category.required,
                gpc_opt_out=category.gpc_opt_out,
            )
        )
    categories.extend(Category(name, cookies=tuple(cookies)) for name, cookies in extra.items())
    return tuple(categories)


def parse_set_cookie(value: str, url: str) -> SetCookie | None:
    """The name and lifetime of one ``Set-Cookie`` header value."""
    name, _, rest = value.partition("=")
    name = name.strip()
    if not name:
        return None
    attributes = {}
    for part in rest.split(";")[1:]:
        key, _, attribute = part.partition("=")
        attributes[key.strip().lower()] = attribute.strip()
    max_age = attributes.get("max-age")
    deletes = False
    if max_age is not None and max_age.lstrip("-").isdigit():
        seconds = int(max_age)
        deletes = seconds <= 0
        lifetime = "deleted" if deletes else _duration(seconds)
    elif "expires" in attributes:
        lifetime = "until " + attributes["expires"]
        deletes = "1970" in attributes["expires"]
        if deletes:
            lifetime = "deleted"
    else:
        lifetime = "session"
    return SetCookie(name, lifetime, deletes, url)


def _duration(seconds: int) -> str:
    if seconds >= 86400:
        return f"{seconds // 86400} days"
    if seconds >= 3600:
        return f"{seconds // 3600} hours"
    return f"{seconds} s"


def judge(cookies: Sequence[SetCookie], categories: tuple[Category, ...]) -> list[Finding]:
    """One finding per cookie: a cookie of a category that needs consent is a failure. A
    cookie no category names is classified as the middleware would (the Open Cookie
    Database, the frameworks' list), and its category says where it came from."""
    classifier = CookieClassifier(categories)
    findings = []
    for cookie in cookies:
        found = classifier.explain(cookie.name)
        category = found.category or "unclassified"
        if found.source in ("database", "framework"):
            category += f" ({found.source}: {found.provider})" if found.provider else ""
        if cookie.deletes:
            findings.append(Finding(cookie, category, "ok: removes it", False))
        elif found.source == "unknown":
            findings.append(
                Finding(
                    cookie,
                    "unclassified",
                    "not gated: put it in a Category if it is not necessary",
                    False,
                )
            )
        elif not found.gated:
            findings.append(Finding(cookie, category, "ok: strictly necessary", False))
        else:
            findings.append(Finding(cookie, category, "LEAK: set without consent", True))
    return findings


def table(rows: Sequence[Sequence[str]]) -> str:
    """``rows`` (the first is the heading) as a plain-text table."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def fetch(url: str, timeout: float) -> Any:
    """GET ``url`` as a first-time visitor; returns the final httpx response."""
    httpx = require("httpx", "demo", "check")
    headers = {
        "user-agent": USER_AGENT,
        "accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
        "accept-language": "th,en;q=0.8",
    }
    with httpx.Client(follow_redirects=True, timeout=timeout, headers=headers) as client:
        return client.get(url)


def run(args: argparse.Namespace) -> int:
    """Fetch, report, and return 0 (pass), 1 (a failure found) or 2 (could not check)."""
    try:
        categories = parse_categories(args.category)
    except ValueError as error:
        print(f"consentkit check: {error}", file=sys.stderr)
        return 2
    try:
        response = fetch(args.url, args.timeout)
    except MissingExtra as error:
        return report_missing(error)
    except Exception as error:  # httpx's errors: the site is down, the URL is bad, ...
        print(f"consentkit check: could not fetch {args.url}: {error}", file=sys.stderr)
        return 2
    cookies: list[SetCookie] = []
    for hop in (*response.history, response):
        for value in hop.headers.get_list("set-cookie"):
            parsed = parse_set_cookie(value, str(hop.url))
            if parsed is not None:
                cookies.append(parsed)
    findings = judge(cookies, categories)
    content_type = response.headers.get("content-type", "")
    is_html = content_type.lower().startswith("text/html")
    banner = BANNER_MARKER in response.text if is_html else False
    vary = {v.strip().lower() for v in ",".join(response.headers.get_list("vary")).split(",")}
    failures = [f for f in findings if f.failed]
    banner_failed = is_html and not banner and not args.no_banner_ok

    print(f"consentkit check {response.url}  (a visitor without consent)")
    print(f"status: {response.status_code}, {content_type or 'no content type'}")
    page_rows = [["check", "result"]]
    page_rows.append(
        ["consent banner", "present" if banner else ("MISSING" if is_html else "n/a (not HTML)")]
    )
    page_rows.append(
        [
            "Vary: Cookie",
            "yes" if "cookie" in vary or "*" in vary else "no (caches may mix visitors)",
        ]
    )
    page_rows.append(["cookies set", str(len(cookies))])
    page_rows.append(["gated cookies that got through", str(len(failures))])
    print()
    print(table(page_rows))
    if findings:
        print()
        print(
            table(
                [["cookie", "category", "lifetime", "verdict"]]
                + [[f.cookie.name, f.category, f.cookie.lifetime, f.verdict] for f in findings]
            )
        )
    print()
    print("Cookies set by JavaScript in the browser are not seen by this check.")
    if failures or banner_failed:
        reasons = []
        if failures:
            names = ", ".join(sorted({f.cookie.name for f in failures}))
            reasons.append(f"cookies set without consent: {names}")
        if banner_failed:
            reasons.append("no consent banner on the page")
        print("FAIL: " + "; ".join(reasons))
        return 1
    print("PASS")
    return 0
