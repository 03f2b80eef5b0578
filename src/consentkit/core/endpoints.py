"""consentkit's own endpoints under ``prefix``: the route table and its handlers.

``POST <prefix>`` records a choice; ``GET <prefix>`` reports the consent as JSON;
``<prefix>/preferences`` is the full preferences page; ``<prefix>/language`` remembers the
banner language; ``<prefix>/static/<hashed name>`` serves the script and stylesheet. Each
answer is a complete :class:`Response`, framed (``Content-Length``, no body for ``HEAD``),
for the adapter to send as it is.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ..consent import Consent, ConsentRecord
from .choice import is_json, parse_choice
from .cookies import build_set_cookie
from .exchange import Exchange
from .origin import cross_site_reason, safe_next, same_site_referer_path

if TYPE_CHECKING:
    from .engine import Engine

#: The largest request body an endpoint reads.
MAX_BODY = 16 * 1024
Headers = list[tuple[bytes, bytes]]
SECURITY_HEADERS: Headers = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
_NO_STORE = (b"cache-control", b"no-store")
_TEXT = (b"content-type", b"text/plain; charset=utf-8")
_READ_ONLY = b"GET, HEAD"


@dataclass(slots=True)
class Response:
    """A complete response of one of consentkit's endpoints.

    ``record`` is the choice this answer recorded, for the adapter to deliver to
    ``on_consent`` (see :mod:`consentkit.consent_log`) before it sends the response; the core
    never calls the site's code itself.
    """

    status: int
    headers: Headers
    body: bytes = b""
    record: ConsentRecord | None = None

    def framed(self, method: str) -> Response:
        """This response as it goes on the wire for ``method``: with its ``Content-Length``,
        and no body for ``HEAD``."""
        headers = [*self.headers, (b"content-length", b"%d" % len(self.body))]
        body = b"" if method == "HEAD" else self.body
        return Response(self.status, headers, body, self.record)


class Endpoints:
    """The answers of consentkit's endpoints for one engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        settings = engine.settings
        self._settings = settings
        self._prefix = settings.prefix
        #: Where a choice is posted: the prefix, with or without a slash (as the routes say).
        self._choice_paths = (self._prefix, self._prefix + "/")
        # The route table: the path below the prefix -> (allowed methods, handler).
        self._routes: dict[str, tuple[bytes, Callable[[Exchange, bytes | None], Response]]] = {
            "": (b"GET, HEAD, POST", self._consent),
            "/": (b"GET, HEAD, POST", self._consent),
            "/preferences": (_READ_ONLY, self._preferences),
            "/language": (_READ_ONLY, self._set_language),
        }

    def reads_body(self, x: Exchange) -> bool:
        """Whether :meth:`answer` needs the request body: a ``POST`` of a choice whose declared
        length is within :data:`MAX_BODY` (a larger one is answered 413 unread)."""
        request = x.request
        if request.method != "POST" or request.path not in self._choice_paths:
            return False
        length = request.header("content-length") or ""
        return not (length.isdigit() and int(length) > MAX_BODY)

    def answer(self, x: Exchange, body: bytes | None) -> Response:
        """The framed answer to a request for an endpoint. ``body`` is the request body when
        :meth:`reads_body` asked for it, or ``None`` (not read, or over :data:`MAX_BODY`)."""
        method = x.request.method
        rest = x.request.path[len(self._prefix) :]
        route = self._routes.get(rest)
        if route is not None:
            allowed, handler = route
            if method.encode("latin-1") not in allowed.split(b", "):
                response = _text(405, "Method not allowed.")
                response.headers.append((b"allow", allowed))
            else:
                response = handler(x, body)
        elif rest.startswith("/static/"):
            if method in ("GET", "HEAD"):
                response = self._static(rest[len("/static/") :])
            else:
                response = _text(405, "Method not allowed.")
                response.headers.append((b"allow", _READ_ONLY))
        else:
            response = _text(404, "Not found: consentkit serves no such page.")
        return response.framed(method)

    # -- the handlers -----------------------------------------------------------------------

    def _consent(self, x: Exchange, body: bytes | None) -> Response:
        if x.request.method == "POST":
            return self._record_choice(x, body)
        return _json(200, x.consent.as_json(self._settings.category_names))

    def _record_choice(self, x: Exchange, body: bytes | None) -> Response:
        settings = self._settings
        content_type = x.request.header("content-type") or ""
        refused = cross_site_reason(x.request, form=not is_json(content_type))
        if refused:
            return _error(x, 403, refused)
        if body is None:
            return _error(x, 413, f"the request body is over {MAX_BODY} bytes")
        parsed = parse_choice(content_type, body, settings.category_names)
        if isinstance(parsed, str):
            return _error(x, 400, parsed)
        codec = self._engine.codec
        value = codec.encode(
            parsed.granted(settings.optional_names), settings.policy_version, self._kept_id(x)
        )
        secure = x.secure
        name = ("__Host-" + settings.cookie_name) if secure else settings.cookie_name
        headers: Headers = [
            (b"set-cookie", build_set_cookie(name, value, max_age=settings.max_age, secure=secure))
        ]
        stored = codec.decode(value)
        assert stored is not None  # just signed
        consent = x.decide(stored)  # the new consent applies to this very response
        to_expire = tuple([n for n, c in x.cookies.gated if c not in consent.granted])
        headers.extend(x.expiring(to_expire))
        if "application/json" in (x.request.header("accept") or ""):
            response = _json(200, consent.as_json(settings.category_names))
            response.headers[:0] = headers
        else:
            location = safe_next(parsed.next_path, x.request.root_path)
            headers += [(b"location", location.encode("latin-1")), _NO_STORE, _TEXT]
            response = Response(303, [*headers, *SECURITY_HEADERS], b"See Other")
        response.record = self._record(parsed.choice, consent, x.locale)
        return response

    def _kept_id(self, x: Exchange) -> str | None:
        """The visitor's consent id from their earlier choice, whatever its age or policy
        version (any cookie value signed with the key), so a change keeps the receipt."""
        stored = x.stored()
        if stored is not None:
            return stored.consent_id
        cookies = x.cookies
        for value in cookies.https_values if x.secure else cookies.http_values:
            earlier = self._engine.codec.verify(value)
            if earlier is not None and earlier.consent_id:
                return earlier.consent_id
        return None

    def _record(self, choice: str, consent: Consent, locale: str) -> ConsentRecord:
        """The record of a choice just made, for the store and ``on_consent``."""
        optional = self._settings.optional_names
        return ConsentRecord(
            consent_id=consent.consent_id or "",
            choice=choice,
            granted=tuple(n for n in self._settings.category_names if n in consent.granted),
            policy_version=consent.policy_version,
            decided_at=consent.decided_at or datetime.datetime.now(datetime.timezone.utc),
            gpc=consent.gpc,
            locale=locale,
            refused=tuple(name for name in optional if name not in consent.granted),
            banner_sha256=self._engine.renderer.shown_sha256(locale),
        )

    def _preferences(self, x: Exchange, body: bytes | None) -> Response:
        request = x.request
        next_path = parse_qs(request.query, max_num_fields=20).get("next", [None])[0]
        if next_path is None:
            next_path = same_site_referer_path(request)
        page = self._engine.renderer.preferences_page(
            x.locale,
            request.root_path,
            x.consent,
            safe_next(next_path, request.root_path),
            seen=self._engine.inventory.entries(),
        )
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            _NO_STORE,
            (b"vary", b"Cookie, Accept-Language"),
            (b"content-language", x.locale.replace("_", "-").encode()),
            *SECURITY_HEADERS,
        ]
        return Response(200, headers, page)

    def _set_language(self, x: Exchange, body: bytes | None) -> Response:
        settings = self._settings
        query = parse_qs(x.request.query, max_num_fields=20)
        requested = query.get("locale", [""])[0]
        locale = self._engine.catalogs.match(requested)
        if locale is None:
            return _error(x, 400, f"unknown locale {requested[:20]!r}")
        cookie = build_set_cookie(
            settings.language_cookie_name, locale, max_age=settings.max_age, secure=x.secure
        )
        location = safe_next(query.get("next", [None])[0], x.request.root_path)
        headers = [
            (b"set-cookie", cookie),
            (b"location", location.encode("latin-1")),
            _NO_STORE,
            *SECURITY_HEADERS,
        ]
        return Response(303, headers)

    def _static(self, hashed_name: str) -> Response:
        static = self._engine.renderer.static_file(hashed_name)
        if static is None:
            return _text(404, "Not found: no such consentkit static file.")
        headers = [
            (b"content-type", static.content_type.encode()),
            (b"cache-control", b"public, max-age=31536000, immutable"),
            (b"x-content-type-options", b"nosniff"),
        ]
        return Response(200, headers, static.body)


def _json(status: int, payload: dict[str, Any]) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json"), _NO_STORE, (b"vary", b"Cookie")]
    return Response(status, [*headers, *SECURITY_HEADERS], body)


def _error(x: Exchange, status: int, reason: str) -> Response:
    if "application/json" in (x.request.header("accept") or ""):
        return _json(status, {"error": reason})
    return _text(status, reason)


def _text(status: int, text: str) -> Response:
    return Response(status, [_TEXT, _NO_STORE, *SECURITY_HEADERS], text.encode("utf-8"))
