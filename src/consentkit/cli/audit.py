"""``consentkit audit MODULE:APP [--path P ...] [--json]``: every cookie an app sets, for CI.

Imports the app (ASGI or WSGI, told apart by its call), drives it in-process (no server, no
network) as three visitors over the given paths: one who makes no choice, one who rejects all
and one who accepts all, each choice made through consentkit's own endpoint. An app already
wrapped in consentkit is audited as it runs; an app not wrapped yet is wrapped in-process with a
throwaway key, to see what consentkit would do, and every cookie it sets counts as reaching every
visitor (nothing gates it today). Each cookie is listed with its category and where the category
came from (a category, consentkit, the framework list, the database, unknown).

Exit status 1 when a cookie of a category a visitor has not granted reaches that visitor, or
an unknown cookie reaches anyone; 0 otherwise; 2 when the app cannot be imported or driven.
For an app not wrapped yet it prints a starting ``categories=[...]`` to paste.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..asgi import ConsentMiddleware
from ..cookiedb.classifier import Classification, CookieClassifier
from ..cookiedb.database import load
from ..wsgi import ConsentWSGIMiddleware
from .audit_drive import (
    ORIGIN,
    AsgiDriver,
    Visitor,
    WsgiDriver,
    driver_for,
    find_middleware,
    form,
    interface_of,
    load_app,
)
from .check import table

#: The three visitors, and the choice each makes (``None``: none).
VISITORS: dict[str, str | None] = {
    "no_choice": None,
    "reject_all": "reject_all",
    "accept_all": "accept_all",
}
_REDIRECTS = 5


@dataclass
class AuditedCookie:
    """One cookie the app set: its classification, and which visitors it reached."""

    classification: Classification
    #: Visitor -> the cookie reached them.
    reached: dict[str, bool]
    #: The visitors it reached without their consent to its category.
    leaks: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A leak, or an unknown cookie that reached anyone."""
        unknown = self.classification.source == "unknown" and any(self.reached.values())
        return bool(self.leaks) or unknown

    def as_json(self) -> dict[str, Any]:
        """The cookie as a JSON object."""
        return {
            **self.classification.as_json(),
            "reached": self.reached,
            "leaks": self.leaks,
            "failed": self.failed,
        }


@dataclass
class AuditReport:
    """What ``consentkit audit`` found."""

    target: str
    interface: str
    #: The app runs inside consentkit (else it was wrapped in-process, to see what it would do).
    wrapped: bool
    paths: list[str]
    cookies: list[AuditedCookie]
    categories: list[Any]

    @property
    def passed(self) -> bool:
        """No cookie failed."""
        return not any(cookie.failed for cookie in self.cookies)

    @property
    def inventory(self) -> list[Classification]:
        """Every cookie the app set, classified (for ``consentkit report``)."""
        return [cookie.classification for cookie in self.cookies]

    def as_json(self) -> dict[str, Any]:
        """The report as a JSON object (``--json``)."""
        return {
            "app": self.target,
            "interface": self.interface,
            "wrapped": self.wrapped,
            "paths": self.paths,
            "passed": self.passed,
            "visitors": list(VISITORS),
            "cookies": [cookie.as_json() for cookie in self.cookies],
            "suggested_categories": None if self.wrapped else self.suggestion(),
        }

    def suggestion(self) -> str:
        """A starting ``categories=[...]`` with the cookies the app set, to paste."""
        extra: dict[str, list[str]] = {}
        unknown = []
        for cookie in self.inventory:
            if cookie.source == "unknown":
                unknown.append(cookie.name)
            elif cookie.source == "database" and cookie.gated and cookie.category:
                entry = load().lookup(cookie.name)
                pattern = entry.name + "*" if entry is not None and entry.wildcard else cookie.name
                if pattern not in extra.setdefault(cookie.category, []):
                    extra[cookie.category].append(pattern)
        lines = ["categories=["]
        for category in self.categories:
            cookies = (*category.cookies, *extra.get(category.name, ()))
            arguments = [repr(category.name).replace("'", '"')]
            if cookies:
                listed = ", ".join(f'"{c}"' for c in cookies)
                arguments.append(f"cookies=({listed}{',' if len(cookies) == 1 else ''})")
            if category.required:
                arguments.append("required=True")
            if category.gpc_opt_out:
                arguments.append("gpc_opt_out=True")
            lines.append(f"    Category({', '.join(arguments)}),")
        if unknown:
            lines.append(
                "    # not known to consentkit: put each in the category it belongs in: "
                + ", ".join(f'"{name}"' for name in unknown)
            )
        lines.append("]")
        return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``consentkit audit``."""
    parser.add_argument("target", metavar="MODULE:APP", help="the app, e.g. myproject.app:app")
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="P",
        help="a path to visit (repeatable; default /)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def audit(app: Any, paths: Sequence[str], target: str = "") -> AuditReport:
    """Drive ``app`` in-process as the three visitors over ``paths`` and report its cookies."""
    interface = interface_of(app)
    paths = list(paths) or ["/"]
    driver = driver_for(app, interface)
    driver.start()
    try:
        middleware = find_middleware(app)  # after the start: Starlette builds its stack then
        wrapped = middleware is not None or _answers_as_consentkit(driver)
        if middleware is None:
            # Not wrapped yet (see what consentkit would do); or wrapped where it cannot be
            # reached (a framework's own middleware list): then it only classifies.
            middleware = _throwaway(app, interface)
            if not wrapped:
                driver.stop()
                driver = driver_for(middleware, interface)
                driver.start()
        prefix = middleware.settings.prefix
        reached = {name: _visit(driver, paths, prefix, choice) for name, choice in VISITORS.items()}
    finally:
        driver.stop()
    engine = middleware.engine
    classifier: CookieClassifier = engine.classifier
    names = [c.name for c in engine.inventory.entries()]
    for seen in reached.values():
        names.extend(seen)
    cookies = []
    for name in dict.fromkeys(names):
        found = classifier.explain(name)
        if wrapped:
            got = {visitor: name in reached[visitor] for visitor in VISITORS}
        else:  # nothing gates it today: whatever the app sets reaches everyone
            got = dict.fromkeys(VISITORS, True)
        leaks = [v for v in ("no_choice", "reject_all") if got[v] and found.gated]
        if found.source == "unknown" and found.gated and got["accept_all"]:
            leaks.append("accept_all")  # unknown_cookies="block" lets it through nowhere
        cookies.append(AuditedCookie(found, got, leaks))
    categories = list(middleware.settings.categories)
    return AuditReport(target, interface, wrapped, paths, cookies, categories)


def _answers_as_consentkit(driver: AsgiDriver | WsgiDriver) -> bool:
    """Whether ``GET /_consent`` answers as consentkit's endpoint does (JSON with
    ``decided``): the app is wrapped by a framework integration the audit cannot see."""
    try:
        status, _headers = driver.request("GET", "/_consent", [("accept", "application/json")])
    except Exception:  # the app's own error for a path it does not know
        return False
    try:
        answer = json.loads(driver.last_body)
    except ValueError:
        return False
    return status == 200 and isinstance(answer, dict) and {"decided", "granted"} <= set(answer)


def _throwaway(app: Any, interface: str) -> ConsentMiddleware | ConsentWSGIMiddleware:
    key = secrets.token_urlsafe(32)
    if interface == "asgi":
        return ConsentMiddleware(app, secret_key=key)
    return ConsentWSGIMiddleware(app, secret_key=key)


def _visit(
    driver: AsgiDriver | WsgiDriver, paths: Sequence[str], prefix: str, choice: str | None
) -> set[str]:
    """The names of the cookies the app set to a value for one visitor."""
    visitor = Visitor()
    if choice is not None:
        headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            ("origin", ORIGIN),
            ("sec-fetch-site", "same-origin"),
        ]
        body = form([("choice", choice), ("next", "/")])
        status, answer = driver.request("POST", prefix, headers, body)
        if status != 303:
            raise RuntimeError(f"consentkit's endpoint {prefix} answered {status} to a choice")
        visitor.receive(answer)  # the consent cookie: consentkit's own, not the app's
    names: set[str] = set()
    for path in paths:
        for _hop in range(_REDIRECTS):
            status, answer = driver.request("GET", path, visitor.cookie_header())
            names.update(visitor.receive(answer))
            location = next((v for k, v in answer if k.lower() == "location"), "")
            if not (300 <= status < 400 and location.startswith("/")) or location.startswith("//"):
                break
            path = location
    return names


_MARK = {True: "set", False: "-"}


def render(report: AuditReport) -> str:
    """The report as text for a terminal."""
    state = (
        "wrapped in consentkit"
        if report.wrapped
        else "NOT wrapped in consentkit: without it, every cookie below reaches every visitor; "
        "wrapped in-process with a throwaway key to classify them"
    )
    lines = [
        f"consentkit audit {report.target} ({report.interface.upper()}, {state})",
        f"paths: {' '.join(report.paths)}",
        "",
    ]
    rows = [["cookie", "category", "source", "provider", "no choice", "reject all", "accept all"]]
    rows[0].append("verdict")
    for cookie in report.cookies:
        c = cookie.classification
        verdict = "ok"
        if cookie.leaks:
            verdict = "LEAK: reaches " + ", ".join(v.replace("_", " ") for v in cookie.leaks)
        elif cookie.failed:
            verdict = "UNKNOWN: put it in a category"
        rows.append(
            [
                c.name,
                c.category or "-",
                c.source,
                c.provider or "-",
                *(_MARK[cookie.reached[v]] for v in VISITORS),
                verdict,
            ]
        )
    lines.append(table(rows) if report.cookies else "the app set no cookies on these paths")
    lines.append("")
    failed = [c.classification.name for c in report.cookies if c.failed]
    if failed:
        lines.append(f"FAIL: {len(failed)} cookie(s) reach visitors who did not consent to them")
        lines.append("       or are unknown: " + ", ".join(failed))
    else:
        lines.append("PASS: no cookie reaches a visitor without consent to its category")
    if not report.wrapped:
        lines += ["", "Wrap the app in consentkit, starting with these categories:", ""]
        lines.append(report.suggestion())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Audit; 0 (pass), 1 (a leak or an unknown cookie) or 2 (could not audit)."""
    try:
        app = load_app(args.target)
        report = audit(app, args.path, args.target)
    except Exception as error:  # the app's own import or start-up errors included
        print(f"consentkit audit: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(render(report))
    return 0 if report.passed else 1
