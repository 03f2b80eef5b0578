"""The sans-I/O core: every decision consentkit makes, with no protocol and no I/O.

An adapter (ASGI or WSGI) turns a request into a :class:`RequestView`, asks
:meth:`ConsentCore.route` whether it is one of consentkit's endpoints (then
:meth:`ConsentCore.endpoint` answers it), and otherwise calls the app and asks
:meth:`ConsentCore.response_plan` what to do to the app's response: which headers to send and
what, if anything, to inject into the body.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from .banner import BannerRenderer
from .categories import CookieClassifier
from .consent import Consent, ConsentRecord
from .cookies import (
    FUTURE_SKEW,
    ConsentCodec,
    StoredConsent,
    build_set_cookie,
    claimed_categories,
    expiring_set_cookies,
    parse_cookie_header,
    set_cookie_name,
)
from .inject import Injector
from .location.ip import client_ip, is_trusted, truncate_ip
from .options import Settings

logger = logging.getLogger("consentkit")

MAX_BODY = 16 * 1024
Headers = list[tuple[bytes, bytes]]

#: Request headers the core reads; adapters collect only these.
REQUEST_HEADERS = frozenset(
    {
        "accept",
        "accept-language",
        "content-length",
        "content-type",
        "cookie",
        "forwarded",
        "hx-request",
        "host",
        "origin",
        "referer",
        "sec-fetch-site",
        "sec-gpc",
        "turbo-frame",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-real-ip",
        "true-client-ip",
        "cf-connecting-ip",
    }
)

#: Visitors remembered per ``Cookie`` header (bounded), and the longest header remembered.
_VISITOR_CACHE_SIZE = 1024
_VISITOR_HEADER_LIMIT = 4096
_TRUNCATED_CACHE_SIZE = 4096
_NONCE = re.compile(rb"'nonce-([A-Za-z0-9+/=_-]{1,128})'")
#: Banners remembered per (locale, root path, page); ~4 KB each, so at most ~1 MB.
_BANNER_CACHE_SIZE = 256
_CHOICES = frozenset({"accept_all", "reject_all", "save"})
_SECURITY_HEADERS: Headers = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


@dataclass(slots=True)
class RequestView:
    """The parts of a request the core needs, as an adapter found them.

    ``headers`` holds only the names in :data:`REQUEST_HEADERS`, lower-case, each once:
    repeated headers joined with ``", "`` (``Cookie`` with ``"; "``).
    """

    method: str
    path: str
    root_path: str = ""
    query: str = ""
    scheme: str = "http"
    peer: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    """A complete response from one of consentkit's endpoints."""

    status: int
    headers: Headers
    body: bytes = b""


_UNSET: Any = object()
_NOTHING: frozenset[str] = frozenset()


class ResponsePlan:
    """What to do to the app's response: the headers to send, and an injector for the body.

    ``plain_headers`` are the headers to send instead when the body turns out not to be
    rewritable after all (an ASGI ``http.response.pathsend``): gated, but with the original
    ``Content-Length`` and ``ETag``.
    """

    __slots__ = ("headers", "injector", "plain_headers")

    def __init__(
        self, headers: Headers, injector: Injector | None, plain_headers: Headers | None = None
    ) -> None:
        self.headers = headers
        self.injector = injector
        self.plain_headers = headers if plain_headers is None else plain_headers


class Visitor:
    """What one ``Cookie`` header says, worked out once per distinct header.

    A visitor sends the same header with every request, so the core remembers these (bounded):
    the cookie pairs, which of them an optional category claims and, only once a request needs
    it, the verified consent cookie with what it grants. Its age is still checked on every
    request (:attr:`RequestState.stored`).
    """

    __slots__ = (
        "claims_location",
        "consent_value",
        "cookies",
        "gated",
        "gated_names",
        "granted",
        "granted_gpc",
        "language",
        "masked",
        "refused",
        "refused_gpc",
        "valid_from",
        "valid_until",
        "verified",
    )

    def __init__(self, core: ConsentCore, header: str) -> None:
        #: The cookie pairs, parsed leniently. Shared between requests: read, never change.
        self.cookies = parse_cookie_header(header)
        settings = core.settings
        cookies = self.cookies
        #: The consent cookie's value (``__Host-`` first), unverified.
        self.consent_value = (
            cookies.get("__Host-" + settings.cookie_name) or cookies.get(settings.cookie_name) or ""
        )
        #: Whether that value claims ``location``, WITHOUT verifying it: a cookie that does not
        #: claim it cannot grant it, so masking the address needs no verification.
        self.claims_location = "location" in claimed_categories(self.consent_value)
        #: The app sees a truncated address, whatever the cookie turns out to be worth.
        self.masked = settings.mask_client_ip and not self.claims_location
        category_of = core.classifier.category_of
        #: The browser's cookies that belong to an optional category, with that category.
        self.gated = tuple(
            (name, category)
            for name in cookies
            if (category := category_of(name)) is not None and not category.required
        )
        self.gated_names = tuple(name for name, _ in self.gated)
        #: The banner language the visitor chose, if any.
        self.language = cookies.get(settings.language_cookie_name)
        #: The verified consent (``None`` when not valid), once something needed it.
        self.verified: StoredConsent | None = _UNSET
        self.valid_from = self.valid_until = 0
        self.granted = self.granted_gpc = _NOTHING
        self.refused = self.refused_gpc = self.gated_names

    def verify(self, core: ConsentCore) -> StoredConsent | None:
        """Verify the consent cookie (once) and work out what it grants, with and without GPC."""
        stored = core.read_stored(self.consent_value)
        if stored is not None:
            # The codec's rule (ConsentCodec.is_fresh) as a range, checked on every request.
            self.valid_from = stored.decided_at - FUTURE_SKEW
            self.valid_until = stored.decided_at + core.settings.max_age
            self.granted = core.granted_of(stored.granted, gpc=False)
            self.granted_gpc = core.granted_of(stored.granted, gpc=True)
            self.refused = tuple(n for n, c in self.gated if c.name not in self.granted)
            self.refused_gpc = tuple(n for n, c in self.gated if c.name not in self.granted_gpc)
        # Last: another thread (WSGI) that sees it set must see the rest set too.
        self.verified = stored
        return stored


#: What an HTML response's plan needs of the request, gathered without a full
#: :class:`RequestView`: ``(method, root path, the page's URL path and query from the root,
#: Accept-Language or None, whether it is an htmx/Turbo partial request)``.
Page = tuple[str, str, str, str | None, bool]


class RequestState:
    """Per-request state: the visitor, and what is worked out only when something needs it
    (the request view, the stored consent's age, the :class:`Consent`, the banner language).

    Built by an adapter, whose subclass says how to view its request (:meth:`_build_view`,
    :meth:`_build_page`). This is what
    :func:`consentkit.get_consent` finds in the ASGI scope or WSGI environ.
    """

    __slots__ = (
        "_consent",
        "_locale",
        "_page",
        "_request",
        "_stored",
        "_view",
        "core",
        "gpc",
        "peer",
        "visitor",
    )

    def __init__(
        self,
        core: ConsentCore,
        visitor: Visitor,
        gpc: bool,
        peer: str | None,
        request: Any,
    ) -> None:
        self.core = core
        #: What the request's ``Cookie`` header says.
        self.visitor = visitor
        #: The request carried ``Sec-GPC: 1``.
        self.gpc = gpc
        #: The peer's address as the server gave it (before any masking).
        self.peer = peer
        self._request = request  # what the adapter's _build_view/_build_page read
        self._view: RequestView | None = None
        self._page: Page | None = None
        self._stored: Any = _UNSET
        self._consent: Consent | None = None
        self._locale: str | None = None

    def _build_view(self) -> RequestView:
        raise NotImplementedError  # each adapter's subclass says how

    def _build_page(self) -> Page:
        raise NotImplementedError  # each adapter's subclass says how

    @property
    def view(self) -> RequestView:
        """The core's view of the request, built the first time it is needed."""
        if self._view is None:
            self._view = self._build_view()
        return self._view

    @property
    def page(self) -> Page:
        """What an HTML response's plan needs of the request (see :data:`Page`)."""
        if self._page is None:
            self._page = self._build_page()
        return self._page

    @property
    def secure(self) -> bool:
        """The request came over HTTPS (as told by a trusted proxy, where there is one)."""
        return self.core.is_secure(self.view)

    @property
    def stored(self) -> StoredConsent | None:
        """The valid stored choice for the current policy version, or ``None``: verified once
        per visitor, its age checked on every request."""
        stored = self._stored
        if stored is _UNSET:
            visitor = self.visitor
            stored = visitor.verified
            if stored is _UNSET:
                stored = visitor.verify(self.core)
            if stored is not None and not visitor.valid_from <= time.time() <= visitor.valid_until:
                stored = None
            self._stored = stored
        return stored  # type: ignore[no-any-return]

    @property
    def granted(self) -> frozenset[str]:
        """The optional categories granted for this request (GPC accounted for)."""
        if self.stored is None:
            return _NOTHING
        return self.visitor.granted_gpc if self.gpc else self.visitor.granted

    @property
    def refused_cookies(self) -> tuple[str, ...]:
        """The browser's cookies of optional categories not granted: to be expired."""
        visitor = self.visitor
        if not visitor.gated:  # nothing to gate: no verification
            return ()
        if self.stored is None:
            return visitor.gated_names
        return visitor.refused_gpc if self.gpc else visitor.refused

    @property
    def consent(self) -> Consent:
        """The consent that applies to this request."""
        if self._consent is None:
            self._consent = self.core.consent_for(self, self.stored, self.granted)
        return self._consent

    def masked_peer(self) -> str | None:
        """The truncated address the app must see instead of the peer's, or ``None`` to leave
        the peer as it is (``location`` granted, masking off, or no peer)."""
        peer = self.peer
        if not peer:
            return None
        if not self.visitor.masked and (  # masking off, or the cookie claims `location`
            not self.core.mask_client_ip or "location" in self.granted
        ):
            return None
        return self.core.truncated.get(peer) or self.core.truncate(peer)

    @property
    def locale(self) -> str:
        """The banner language for this visitor."""
        if self._locale is None:
            self._locale = self.core.renderer.catalogs.choose(self.visitor.language, self.page[3])
        return self._locale


class ConsentCore:
    """All of consentkit's decisions for one configuration."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.codec = ConsentCodec(settings.secret_keys, settings.max_age)
        self.classifier = CookieClassifier(settings.categories)
        self.renderer = BannerRenderer(settings)
        self.required = settings.required_names
        self.optional = settings.optional_names
        self._gpc_refused = frozenset(
            c.name for c in settings.categories if c.gpc_opt_out and not c.required
        )
        self.prefix = settings.prefix
        self._prefix_slash = settings.prefix + "/"
        self._banners: dict[tuple[str | None, str | None, str, str], bytes] = {}
        self._loaders: dict[tuple[str, frozenset[str]], bytes] = {}
        #: Visitors remembered per ``Cookie`` header (see :meth:`visitor`).
        self.visitors: dict[str | bytes, Visitor] = {}
        #: The visitor who sends no cookie at all.
        self.nobody = Visitor(self, "")
        self.mask_client_ip = settings.mask_client_ip
        #: Addresses seen lately, truncated (see :meth:`truncate`: it parses each time).
        self.truncated: dict[str, str] = {}
        self.statistics: Any = None
        if settings.statistics is not None:
            from .location.stats import open_statistics

            self.statistics = open_statistics(settings)

    def close(self) -> None:
        """Flush and close what the core holds open (the statistics store)."""
        if self.statistics is not None:
            self.statistics.close()

    # -- reading the request ----------------------------------------------------------------

    def visitor(self, header: str | bytes | None) -> Visitor:
        """What a ``Cookie`` header (``None`` when there is none) says, remembered (bounded)."""
        if not header:
            return self.nobody
        visitor = self.visitors.get(header)
        if visitor is None:
            text = header.decode("latin-1") if isinstance(header, bytes) else header
            visitor = Visitor(self, text)
            if len(header) <= _VISITOR_HEADER_LIMIT:
                if len(self.visitors) >= _VISITOR_CACHE_SIZE:
                    self.visitors.clear()
                self.visitors[header] = visitor
        return visitor

    def is_secure(self, view: RequestView) -> bool:
        """Whether the visitor's connection is HTTPS."""
        if view.scheme in ("https", "wss"):
            return True
        headers = view.headers
        proto = headers.get("x-forwarded-proto")
        if proto is None and "forwarded" in headers:
            # RFC 7239: the last element is the one our trusted proxy added.
            last = headers["forwarded"].split(",")[-1]
            for pair in last.split(";"):
                key, _, value = pair.strip().partition("=")
                if key.lower() == "proto":
                    proto = value.strip('"')
        if proto and self._peer_trusted(view):
            return proto.split(",")[-1].strip().lower() == "https"
        return False

    def _peer_trusted(self, view: RequestView) -> bool:
        trusted = self.settings.trusted_proxies
        return bool(trusted) and view.peer is not None and is_trusted(view.peer, trusted)

    def read_stored(self, value: str) -> StoredConsent | None:
        """The consent a cookie value holds for this policy version, whatever its age; or
        ``None``."""
        if not value:
            return None
        stored = self.codec.verify(value)
        if stored is None or stored.policy_version != self.settings.policy_version:
            return None
        return stored

    def granted_of(self, stored: frozenset[str], *, gpc: bool) -> frozenset[str]:
        """The optional categories a stored choice grants, less those GPC refuses (when the
        request carries ``Sec-GPC: 1`` and ``honor_gpc`` is on)."""
        granted = stored.intersection(self.optional)
        if gpc and self.settings.honor_gpc:
            granted = granted - self._gpc_refused
        return granted

    def consent_for(
        self, state: RequestState, stored: StoredConsent | None, granted: frozenset[str]
    ) -> Consent:
        """The consent that applies to a request with this stored choice and grant."""
        return Consent(
            decided=stored is not None,
            granted=granted,
            required=self.required,
            gpc=state.gpc,
            policy_version=self.settings.policy_version,
            consent_id=stored.consent_id if stored else None,
            decided_at=_utc(stored.decided_at) if stored else None,
            source=_AddressSource(self, state.view),
        )

    def client_address(self, view: RequestView, full: bool) -> str:
        """The client's address for ``view`` (through trusted proxies), full or truncated."""
        address = client_ip(
            view.peer,
            view.headers.get("x-forwarded-for"),
            self.settings.trusted_proxies,
            view.headers.get("forwarded"),
        )
        return address if full else self.truncate(address)

    def truncate(self, address: str) -> str:
        """``address`` truncated to the configured ``ip_prefixes`` (``""`` for garbage)."""
        truncated = self.truncated.get(address)
        if truncated is None:
            ipv4, ipv6 = self.settings.ip_prefixes
            truncated = truncate_ip(address, ipv4_prefix=ipv4, ipv6_prefix=ipv6)
            if len(self.truncated) >= _TRUNCATED_CACHE_SIZE:
                self.truncated.clear()
            self.truncated[address] = truncated
        return truncated

    def mask_address_header(self, name: str, value: str) -> str | None:
        """The value of an address-carrying header with each address truncated; ``None`` to
        drop the header (``Forwarded``, whose syntax is not worth rewriting)."""
        if name == "forwarded":
            return None
        return ", ".join(self.truncate(part.strip()) or "unknown" for part in value.split(","))

    def locate(self, view: RequestView) -> Any:
        """The approximate location of the client's full address; ``None`` on any failure."""
        geolocator = self.settings.geolocator
        if geolocator is None:
            return None
        try:
            return geolocator.lookup(self.client_address(view, True))
        except Exception:  # a provider's failure must never reach the request
            return None

    # -- endpoints ------------------------------------------------------------------------

    def route(self, view: RequestView) -> bool:
        """Whether the request is for one of consentkit's own endpoints."""
        path = view.path
        return path == self.prefix or path.startswith(self._prefix_slash)

    def body_too_large(self, view: RequestView) -> bool:
        """Whether the declared body is over the endpoint's limit (answer 413 unread)."""
        length = view.headers.get("content-length", "")
        return length.isdigit() and int(length) > MAX_BODY

    def wants_body(self, view: RequestView) -> bool:
        """Whether :meth:`endpoint` needs the request body (at most ``MAX_BODY`` bytes)."""
        return view.method == "POST" and view.path == self.prefix

    def endpoint(self, state: RequestState, body: bytes | None = None) -> Response:
        """The answer of one of consentkit's endpoints. ``body`` is ``None`` when over the
        limit."""
        view = state.view
        method = view.method
        rest = view.path[len(self.prefix) :]
        if rest in ("", "/"):
            if method == "POST":
                return self._record_choice(state, body)
            if method in ("GET", "HEAD"):
                return self._json(state, 200, state.consent.as_json(self.settings.category_names))
            return _method_not_allowed(b"GET, HEAD, POST")
        if rest == "/preferences":
            if method not in ("GET", "HEAD"):
                return _method_not_allowed(b"GET, HEAD")
            return self._preferences(state)
        if rest == "/language":
            if method not in ("GET", "HEAD"):
                return _method_not_allowed(b"GET, HEAD")
            return self._set_language(state)
        if rest.startswith("/static/"):
            if method not in ("GET", "HEAD"):
                return _method_not_allowed(b"GET, HEAD")
            return self._static(rest[len("/static/") :])
        return _text(404, "Not found: consentkit serves no such page.")

    def _json(self, state: RequestState, status: int, payload: dict[str, Any]) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = [
            (b"content-type", b"application/json"),
            (b"cache-control", b"no-store"),
            (b"vary", b"Cookie"),
            *_SECURITY_HEADERS,
        ]
        return Response(status, headers, body)

    def _error(self, state: RequestState, status: int, reason: str) -> Response:
        if "application/json" in state.view.headers.get("accept", ""):
            return self._json(state, status, {"error": reason})
        return _text(status, reason)

    def _cross_site(self, view: RequestView) -> str | None:
        """Why a POST is refused as cross-site, or ``None`` when it is same-origin."""
        headers = view.headers
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None:
            if fetch_site.strip().lower() in ("same-origin", "none"):
                return None
            return f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:40]})"
        host = _normalise_netloc(headers.get("host", ""), view.scheme)
        origin = headers.get("origin")
        if origin is not None:
            if _netloc_of(origin) == host and host:
                return None
            return "cross-site request refused (Origin does not match Host)"
        referer = headers.get("referer")
        if referer is not None and (_netloc_of(referer) != host or not host):
            return "cross-site request refused (Referer does not match Host)"
        return None

    def _parse_choice(
        self, view: RequestView, body: bytes
    ) -> tuple[str, list[str], str | None] | str:
        """``(choice, categories, next)`` from a form or JSON body, or the reason it is bad."""
        content_type = view.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "the request body is not UTF-8"
        if content_type == "application/json":
            try:
                data = json.loads(text)
            except ValueError:
                return "the request body is not valid JSON"
            if not isinstance(data, dict):
                return "the JSON body must be an object"
            choice = data.get("choice")
            categories = data.get("categories", [])
            next_path = data.get("next")
            if isinstance(categories, str):
                categories = [categories]
            if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
                return "categories must be a list of category names"
            if next_path is not None and not isinstance(next_path, str):
                next_path = None
        elif content_type in ("application/x-www-form-urlencoded", ""):
            try:
                form = parse_qs(text, keep_blank_values=True, max_num_fields=200)
            except ValueError:
                return "the form has too many fields"
            choices = set(form.get("choice", []))
            if len(choices) > 1:
                return "the form has more than one choice"
            choice = choices.pop() if choices else None
            categories = form.get("categories", [])
            next_path = form.get("next", [None])[0]
        else:
            return "send the choice as application/x-www-form-urlencoded or application/json"
        if not isinstance(choice, str) or choice not in _CHOICES:
            return f"unknown choice {str(choice)[:40]!r}: use accept_all, reject_all or save"
        known = set(self.settings.category_names)
        unknown = [c for c in categories if c not in known]
        if unknown:
            return f"unknown category {unknown[0][:40]!r}"
        return choice, categories, next_path

    def _record_choice(self, state: RequestState, body: bytes | None) -> Response:
        view = state.view
        refused = self._cross_site(view)
        if refused:
            return self._error(state, 403, refused)
        if body is None:
            return self._error(state, 413, f"the request body is over {MAX_BODY} bytes")
        parsed = self._parse_choice(view, body)
        if isinstance(parsed, str):
            return self._error(state, 400, parsed)
        choice, categories, next_path = parsed
        if choice == "accept_all":
            granted = self.optional
        elif choice == "reject_all":
            granted = ()
        else:
            chosen = set(categories)
            granted = tuple(name for name in self.optional if name in chosen)
        value = self.codec.encode(granted, self.settings.policy_version)
        secure = state.secure
        name = ("__Host-" + self.settings.cookie_name) if secure else self.settings.cookie_name
        headers: Headers = [
            (
                b"set-cookie",
                build_set_cookie(name, value, max_age=self.settings.max_age, secure=secure),
            )
        ]
        # The visitor's new consent applies to this very response.
        stored = self.codec.decode(value)
        assert stored is not None  # just signed
        now_granted = self.granted_of(stored.granted, gpc=state.gpc)
        new_consent = self.consent_for(state, stored, now_granted)
        state._consent = new_consent
        if self.settings.on_consent is not None:
            self._log_consent(choice, new_consent, state)
        to_expire = [n for n, c in state.visitor.gated if c.name not in now_granted]
        headers.extend(self._expiring(state, to_expire))
        if "application/json" in view.headers.get("accept", ""):
            response = self._json(state, 200, new_consent.as_json(self.settings.category_names))
            response.headers[:0] = headers
            return response
        location = safe_next(next_path, view.root_path)
        headers += [
            (b"location", location.encode("latin-1")),
            (b"cache-control", b"no-store"),
            (b"content-type", b"text/plain; charset=utf-8"),
            *_SECURITY_HEADERS,
        ]
        return Response(303, headers, b"See Other")

    def _log_consent(self, choice: str, consent: Consent, state: RequestState) -> None:
        record = ConsentRecord(
            consent_id=consent.consent_id or "",
            choice=choice,
            granted=tuple(n for n in self.settings.category_names if n in consent.granted),
            policy_version=consent.policy_version,
            decided_at=consent.decided_at or datetime.datetime.now(datetime.timezone.utc),
            gpc=consent.gpc,
            locale=state.locale,
        )
        try:
            self.settings.on_consent(record)  # type: ignore[misc]
        except Exception:
            # The visitor's choice is stored in the cookie all the same; the site's log failed.
            logger.exception("on_consent failed for consent id %s", record.consent_id)

    def _preferences(self, state: RequestState) -> Response:
        view = state.view
        query = parse_qs(view.query, max_num_fields=20)
        next_path = query.get("next", [None])[0]
        if next_path is None:
            referer = view.headers.get("referer")
            host = _normalise_netloc(view.headers.get("host", ""), view.scheme)
            if referer and host and _netloc_of(referer) == host:
                parts = urlsplit(referer)
                next_path = parts.path + ("?" + parts.query if parts.query else "")
        body = self.renderer.preferences_page(
            state.locale, view.root_path, state.consent, safe_next(next_path, view.root_path)
        )
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"vary", b"Cookie, Accept-Language"),
            (b"content-language", state.locale.replace("_", "-").encode()),
            *_SECURITY_HEADERS,
        ]
        return Response(200, headers, body)

    def _set_language(self, state: RequestState) -> Response:
        view = state.view
        query = parse_qs(view.query, max_num_fields=20)
        requested = query.get("locale", [""])[0].replace("-", "_")
        if requested not in self.settings.locales:
            return self._error(state, 400, f"unknown locale {requested[:20]!r}")
        secure = state.secure
        cookie = build_set_cookie(
            self.settings.language_cookie_name,
            requested,
            max_age=self.settings.max_age,
            secure=secure,
        )
        location = safe_next(query.get("next", [None])[0], view.root_path)
        headers = [
            (b"set-cookie", cookie),
            (b"location", location.encode("latin-1")),
            (b"cache-control", b"no-store"),
            *_SECURITY_HEADERS,
        ]
        return Response(303, headers, b"")

    def _static(self, hashed_name: str) -> Response:
        static = self.renderer.static_file(hashed_name)
        if static is None:
            return _text(404, "Not found: no such consentkit static file.")
        headers = [
            (b"content-type", static.content_type.encode()),
            (b"cache-control", b"public, max-age=31536000, immutable"),
            (b"x-content-type-options", b"nosniff"),
        ]
        return Response(200, headers, static.body)

    # -- the app's response ---------------------------------------------------------------

    def _expiring(self, state: RequestState, names: list[str] | tuple[str, ...]) -> Headers:
        """``Set-Cookie`` headers that expire the browser's cookies ``names``."""
        headers: Headers = []
        host = state.view.headers.get("host", "")
        secure = state.secure
        for name in names:
            for value in expiring_set_cookies(name, host, secure):
                headers.append((b"set-cookie", value))
        return headers

    def _banner(self, state: RequestState, root_path: str, here: str, nonce: str | None) -> bytes:
        """The renderer's banner for this visitor and page, remembered per (language cookie,
        Accept-Language, root path, page) when there is no CSP nonce: a visitor's page views
        splice the same values each time, and the language is negotiated once (bounded)."""
        if nonce is not None:
            return self.renderer.banner(state.locale, root_path, here, nonce)
        key = (state.visitor.language, state.page[3], root_path, here)
        snippet = self._banners.get(key)
        if snippet is None:
            snippet = self.renderer.banner(state.locale, root_path, here, None)
            if len(self._banners) >= _BANNER_CACHE_SIZE:
                self._banners.clear()
            self._banners[key] = snippet
        return snippet

    def _loader(self, root_path: str, granted: frozenset[str], nonce: str | None) -> bytes:
        """The script loader for a decided visitor, remembered per (root path, grant) when
        there is no CSP nonce (bounded: the grants are subsets of a few categories)."""
        key = (root_path, granted)
        snippet = self._loaders.get(key) if nonce is None else None
        if snippet is None:
            names = [n for n in self.optional if n in granted]
            snippet = self.renderer.loader(root_path, names, nonce)
            if nonce is None:
                if len(self._loaders) >= _BANNER_CACHE_SIZE:
                    self._loaders.clear()
                self._loaders[key] = snippet
        return snippet

    def touches(self, state: RequestState, is_html: bool, sets_cookie: bool) -> bool:
        """Whether consentkit has anything to do to a response (else it passes untouched): an
        HTML page, a ``Set-Cookie`` to gate, or a browser's cookie to expire. The stored
        consent is read (and the cookie verified) only for a visitor who sent cookies of
        optional categories."""
        return is_html or sets_cookie or bool(state.refused_cookies)

    def response_plan(
        self, state: RequestState, status: int, headers: Headers
    ) -> ResponsePlan | None:
        """What to change in the app's response; ``None`` when it passes through untouched."""
        content_type = b""
        set_cookie = False
        for name, value in headers:  # the usual API response stops after this pass
            lowered = name.lower()
            if lowered == b"content-type":
                content_type = value
            elif lowered == b"set-cookie":
                set_cookie = True
        is_html = content_type[:9].lower() == b"text/html"
        if not self.touches(state, is_html, set_cookie):
            return None  # nothing to gate, nothing to inject

        # Then one pass to lower-case the names, drop the app's cookies of refused categories
        # (deletions pass) and note what the HTML part needs.
        out: Headers = []
        kept: set[str] | frozenset[str] = set() if set_cookie else _NOTHING
        encoded = False
        vary_index = length_index = etag_index = -1
        csp: bytes | None = None
        granted = state.granted if set_cookie else _NOTHING
        category_of = self.classifier.category_of
        for header in headers:
            raw_name, value = header
            name = raw_name.lower()
            if name == b"content-length":
                length_index = -2 if length_index != -1 else len(out)  # -2: more than one
            elif name == b"set-cookie":
                cookie = set_cookie_name(value)
                category = category_of(cookie)
                if (
                    category is not None
                    and not category.required
                    and category.name not in granted
                    and not _is_deletion(value)
                ):
                    continue
                kept.add(cookie)  # type: ignore[union-attr]
            elif name == b"vary":
                vary_index = len(out)
            elif name == b"etag":
                if not value.startswith(b"W/"):  # a strong ETag would not match a new body
                    etag_index = -2 if etag_index != -1 else len(out)
            elif name == b"content-encoding":
                encoded = value.strip().lower() not in (b"", b"identity")
            elif name == b"content-security-policy":
                csp = value
            out.append(header if name == raw_name else (name, value))  # the usual: as it came
        refused = state.refused_cookies
        if refused:
            out.extend(self._expiring(state, [n for n in refused if n not in kept]))
        if not is_html:
            return ResponsePlan(out, None)

        method, root_path, here, _, partial = state.page
        if self.statistics is not None and status == 200 and method == "GET":
            self.statistics.record(state.consent)
        if (
            encoded
            or partial
            or method == "HEAD"
            or status < 200
            or 300 <= status < 400
            or status in (204, 206)
        ):
            _vary(out, vary_index, b"Cookie")
            return ResponsePlan(out, None)
        nonce = None
        if csp is not None:
            match = _NONCE.search(csp)
            nonce = match.group(1).decode("ascii") if match else None
        if state.stored is None:  # undecided: the banner, in the visitor's language
            snippet = self._banner(state, root_path, here, nonce)
            _vary(out, vary_index, b"Cookie, Accept-Language")
        else:
            _vary(out, vary_index, b"Cookie")
            granted = state.granted
            if not granted:
                return ResponsePlan(out, None)
            snippet = self._loader(root_path, granted, nonce)
        if (
            length_index == -2
            or etag_index == -2
            or (length_index >= 0 and not out[length_index][1].strip().isdigit())
        ):  # odd: repeated or bad headers; drop them (a server frames the body itself)
            final = [
                (name, value)
                for name, value in out
                if name != b"content-length" and not (name == b"etag" and value[:2] != b"W/")
            ]
        else:
            final = out.copy()
            if length_index >= 0:
                length = int(out[length_index][1]) + len(snippet)
                final[length_index] = (b"content-length", b"%d" % length)
            if etag_index >= 0:  # after the length: deleting shifts what follows
                del final[etag_index]
        return ResponsePlan(final, Injector(snippet), out)


def _vary(headers: Headers, index: int, tokens: bytes) -> None:
    """Add ``tokens`` to the response's ``Vary``: the app's at ``index``, or a new header."""
    if index < 0:  # the usual case: the app sets no Vary
        headers.append((b"vary", tokens))
    else:
        headers[index] = (b"vary", _merged_vary(headers[index][1], tokens))


@functools.lru_cache(maxsize=256)
def _merged_vary(value: bytes, tokens: bytes) -> bytes:
    """An app's ``Vary`` value with ``tokens`` (``", "``-separated) added where missing."""
    present = {t.strip().lower() for t in value.split(b",")}
    if b"*" in present:
        return value
    missing = [t for t in tokens.split(b", ") if t.lower() not in present]
    kept = value.strip()
    return b", ".join([kept, *missing] if kept else missing)


def _is_deletion(set_cookie: bytes) -> bool:
    lowered = set_cookie.lower().replace(b" ", b"")
    return b"max-age=0" in lowered or b"max-age=-" in lowered or b"expires=thu,01jan1970" in lowered


def _text(status: int, text: str) -> Response:
    return Response(
        status,
        [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"cache-control", b"no-store"),
            *_SECURITY_HEADERS,
        ],
        text.encode("utf-8"),
    )


def _method_not_allowed(allow: bytes) -> Response:
    response = _text(405, "Method not allowed.")
    response.headers.append((b"allow", allow))
    return response


def _netloc_of(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if not parts.scheme or not parts.netloc:
        return ""
    return _normalise_netloc(parts.netloc, parts.scheme)


def _normalise_netloc(netloc: str, scheme: str) -> str:
    netloc = netloc.strip().lower()
    if "@" in netloc:
        return ""
    for default in (":80", ":443"):
        if netloc.endswith(default):
            return netloc[: -len(default)]
    return netloc


def safe_next(value: str | None, root_path: str = "") -> str:
    """``value`` when it is a path on this site, else the site's root; percent-encoded."""
    fallback = (root_path or "") + "/"
    if not value or len(value) > 2048:
        return fallback
    if value[0] != "/" or value.startswith("//") or "\\" in value:
        return fallback
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        return fallback
    return quote(value, safe="/?&=#%;:@+,$!*'()~-._[]")


@functools.lru_cache(maxsize=4096)
def _utc(timestamp: int) -> datetime.datetime:
    """The UTC time of a consent cookie's timestamp (remembered: a visitor sends it often)."""
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc)


class _AddressSource:
    """How a :class:`Consent` reaches the request's address and location: the core and the
    view, not the :class:`RequestState` that holds the consent, so that no reference cycle is
    left for the garbage collector to find after every request."""

    __slots__ = ("core", "view")

    def __init__(self, core: ConsentCore, view: RequestView) -> None:
        self.core = core
        self.view = view

    def client_ip(self, full: bool) -> str:
        """The client's address: in full, or truncated."""
        return self.core.client_address(self.view, full)

    def locate(self) -> Any:
        """The approximate location of the client's full address."""
        return self.core.locate(self.view)


#: Request headers that carry client addresses; masked like the peer's.
ADDRESS_HEADERS = ("x-forwarded-for", "x-real-ip", "true-client-ip", "cf-connecting-ip")
