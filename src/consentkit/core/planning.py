"""What to do to the app's response: one pass over its headers, then named steps.

The steps: gate the cookies (drop the app's ``Set-Cookie`` of refused categories, expire the
browser's), and for an HTML page decide whether its body can be rewritten, pick the snippet
(banner or loader), add ``Vary`` and fix the framing (``Content-Length``, a strong ``ETag``).
Positions found by the pass are indices into the app's own header list; edits are applied to
a copy in one go at the end.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from ..diagnostics import warn_compressed_page
from .bounded import BoundedCache
from .cookies import is_deletion, set_cookie_name
from .exchange import Exchange
from .inject import Injector

if TYPE_CHECKING:
    from .engine import Engine

Header = tuple[bytes, bytes]
Headers = list[Header]

_CONTENT_TYPE, _SET_COOKIE, _LENGTH, _ETAG, _VARY, _ENCODING, _CSP = range(7)
_ROLES = {
    b"content-type": _CONTENT_TYPE,
    b"set-cookie": _SET_COOKIE,
    b"content-length": _LENGTH,
    b"etag": _ETAG,
    b"vary": _VARY,
    b"content-encoding": _ENCODING,
    b"content-security-policy": _CSP,
}


def _role(name: bytes | str) -> int | None:
    if isinstance(name, str):
        name = name.encode("latin-1", "replace")
    return _ROLES.get(name.lower())


#: The role of each response header name seen, in whatever case and form (bytes, or PEP 3333's
#: latin-1 text) the app writes it (``None``: one the planner ignores): an app sends the same
#: few names, so a name costs one lookup and no lower-casing.
header_roles: BoundedCache[bytes | str, int | None] = BoundedCache(_role, 512)
#: The app's headers as bytes (ASGI) or as PEP 3333's latin-1 text (WSGI).
AppHeaders = Sequence[tuple[Any, Any]]


def _is_html(content_type: bytes | str) -> bool:
    if isinstance(content_type, str):
        content_type = content_type.encode("latin-1", "replace")
    return content_type[:9].lower() == b"text/html"


#: Whether a ``Content-Type`` value (bytes, or PEP 3333's text) is an HTML type, per value.
html_types: BoundedCache[bytes | str, bool] = BoundedCache(_is_html, 256)
#: What the scan compares values with, as bytes and as text (indexed by ``text``): a weak
#: ETag's start, the encodings that leave a body as it is.
_WEAK: tuple[Any, Any] = (b"W/", "W/")
_IDENTITY: tuple[Any, Any] = ((b"", b"identity"), ("", "identity"))
_NONCE = re.compile(rb"'nonce-([A-Za-z0-9+/=_-]{1,128})'")
#: The Vary a page gets: for a decided visitor, and for one who may be shown the banner.
_VARY_COOKIE = (b"vary", b"Cookie")
_VARY_BANNER = (b"vary", b"Cookie, Accept-Language")
_NO_POSITIONS: tuple[int, ...] = ()
#: The statuses whose body is a page that may get a snippet: not a 1xx, a redirect, a 204 or
#: a 206.
_PAGE_STATUSES = frozenset(range(200, 300)) - {204, 206} | frozenset(range(400, 1000))
#: Edits of an app's header list: ``(headers, replaced, dropped, added)`` (see :func:`_edited`).
_Edits = tuple[Sequence[Header], Sequence[tuple[int, Header]], Collection[int], Headers]


class HeaderScan:
    """What the app's response headers say, from one pass over them (see :func:`scan_headers`).
    Positions are indices into the app's header list (``-1``: no such header)."""

    __slots__ = (
        "cookie_at",
        "csp",
        "encoded",
        "etag_at",
        "is_html",
        "length_at",
        "repeated_framing",
        "vary_at",
    )

    #: Positions of the ``Set-Cookie`` headers.
    cookie_at: list[int] | tuple[int, ...]
    #: The body is an HTML page.
    is_html: bool
    #: The ``Content-Security-Policy`` value, if any (in the form the app gave it).
    csp: bytes | str | None
    #: The body is ``Content-Encoding``-encoded (compressed): it cannot be rewritten.
    encoded: bool
    #: Positions of the ``Content-Length``, of the strong ``ETag`` (it no longer matches a
    #: rewritten body) and of the last ``Vary``.
    length_at: int
    etag_at: int
    vary_at: int
    #: More than one ``Content-Length`` or strong ``ETag``.
    repeated_framing: bool

    def nonce(self) -> str | None:
        """The page's CSP nonce, for the snippet's inline parts."""
        csp = self.csp
        if isinstance(csp, str):
            csp = csp.encode("latin-1", "replace")
        match = _NONCE.search(csp) if csp is not None else None
        return match.group(1).decode("ascii") if match else None


def scan_headers(headers: AppHeaders, text: bool = False) -> HeaderScan | None:
    """The :class:`HeaderScan` of ``headers`` (PEP 3333's latin-1 strings when ``text``, else
    bytes), or ``None`` when they hold neither a page nor a ``Set-Cookie``: the usual API
    response, which then costs one quick pass and nothing else (no object, no conversion)."""
    value: Any
    for name, value in headers:  # the quick pass: is there anything to do at all?
        role = header_roles[name]
        if role == _SET_COOKIE or (role == _CONTENT_TYPE and html_types[value]):
            break
    else:
        return None
    content_type = csp = None
    encoded = repeated_framing = False
    cookie_at: list[int] | tuple[int, ...] = _NO_POSITIONS
    etag_at = length_at = vary_at = -1
    index = -1  # counted, not enumerate(): half the cost of the loop
    for name, value in headers:
        index += 1
        role = header_roles[name]
        if role is None:
            continue
        if role == _CONTENT_TYPE:
            content_type = value
        elif role == _SET_COOKIE:
            cookie_at = [*cookie_at, index]
        elif role == _LENGTH:
            repeated_framing |= length_at >= 0
            length_at = index
        elif role == _ETAG:
            if not value.startswith(_WEAK[text]):  # a weak ETag still holds
                repeated_framing |= etag_at >= 0
                etag_at = index
        elif role == _VARY:
            vary_at = index
        elif role == _ENCODING:
            encoded = value.strip().lower() not in _IDENTITY[text]
        else:
            csp = value
    is_html = content_type is not None and html_types[content_type]
    if not is_html and not cookie_at:
        return None
    scan = object.__new__(HeaderScan)  # filled here: no __init__ call per response
    scan.cookie_at = cookie_at
    scan.is_html = is_html
    scan.csp = csp
    scan.encoded = encoded
    scan.length_at = length_at
    scan.etag_at = etag_at
    scan.vary_at = vary_at
    scan.repeated_framing = repeated_framing
    return scan


class ResponsePlan:
    """The headers to send instead of the app's, and the injector for the body (``None``: the
    body passes untouched). ``app_length`` is the app's ``Content-Length`` when it gave one.

    With an injector, :attr:`headers` hold for a whole document (the snippet's length added);
    the body's start decides (:attr:`.Injector.document`), so where
    :attr:`body_decides_headers`, an adapter holds the start until then and sends
    :meth:`headers_for_unrewritten_body` for a fragment."""

    __slots__ = ("_plain", "app_length", "body_decides_headers", "headers", "injector")

    def __init__(
        self,
        headers: Headers,
        injector: Injector | None = None,
        plain: _Edits | None = None,
        app_length: int = -1,
    ) -> None:
        self.headers = headers
        self.injector = injector
        self.app_length = app_length
        self._plain = plain
        #: A document and a fragment get different headers (the app framed the body with a
        #: ``Content-Length`` or a strong ``ETag``), so the start must wait for the body's
        #: first bytes; otherwise both get :attr:`headers` and the start can go at once.
        self.body_decides_headers = plain is not None

    def headers_for_unrewritten_body(self) -> Headers:
        """The headers to send if the body turns out not to get the snippet after all (a
        fragment, not a whole document; an ASGI ``http.response.pathsend``): gated, with the
        app's own framing."""
        return self.headers if self._plain is None else _edited(*self._plain)


class Planner:
    """Plans the app's responses for one engine."""

    def __init__(self, engine: Engine) -> None:
        # The app's own Set-Cookie names: classified, and recorded in the inventory on first sight.
        self._category_of = engine.inventory.set_cookie_category
        self._snippets = engine.snippets
        self._statistics = engine.statistics
        #: No compressed page has been reported yet (see :meth:`_notice_encoded`).
        self.watches_encoding = True

    def plan(
        self, x: Exchange, status: int, app_headers: AppHeaders, text: bool = False
    ) -> ResponsePlan | None:
        """What to change in the app's response; ``None`` when it passes untouched (the usual
        API response: no page, no cookie to gate).

        A ``HEAD`` of a page that a ``GET`` would give a snippet gets the ``GET``'s ``Vary``,
        and loses its ``Content-Length`` and strong ``ETag``: the ``GET`` adds the snippet only
        if the body is a whole document, which a ``HEAD`` cannot show, so any length it gave
        could be wrong; none is better.

        ``app_headers`` are bytes, or PEP 3333's latin-1 strings when ``text``: those are
        converted only when there is something to change (the plan's headers are bytes)."""
        scan = scan_headers(app_headers, text)
        refused = x.refused_cookies() if x.cookies.gated else ()
        if scan is None and not refused:
            return None  # the usual API response: no page, no cookie to gate
        headers: Sequence[Header] = app_headers
        if text:  # the scan's positions hold for the converted list
            headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in app_headers]
        if scan is None:
            # No page, no Set-Cookie: only the browser's refused cookies to expire.
            return ResponsePlan([*headers, *x.expiring(refused)])
        dropped: Sequence[int]
        if scan.cookie_at or refused:
            dropped, added = self._gate_cookies(x, headers, scan.cookie_at, refused)
        else:  # the usual page: nothing to gate
            dropped, added = _NO_POSITIONS, []
        if not scan.is_html:
            return ResponsePlan(_edited(headers, (), dropped, added))
        if scan.encoded and self.watches_encoding:  # a compressed page: left the usual path
            self._notice_encoded(x, status, headers)
        request = x.request
        method = request.method
        if self._statistics is not None and status == 200 and method == "GET":
            self._statistics.record(x.consent)
        undecided = x.verified() is None
        snippet = None
        unknown_length = False  # a HEAD of a page that a GET would give a snippet
        # A page's body may get a snippet (for a HEAD: would, for a GET) when it is a plain
        # (not encoded) full body, with a status whose body is a page, not part of a page
        # (htmx, Turbo Frames), and not the answer to an OPTIONS (which Flask, for one, sends
        # itself, as text/html).
        if (
            status in _PAGE_STATUSES
            and not scan.encoded
            and method != "OPTIONS"
            and not request.is_partial
        ):
            if method == "HEAD":
                unknown_length = undecided or bool(x.granted())
            else:  # the banner for an undecided visitor, the loader for one who granted some
                nonce = scan.nonce() if scan.csp is not None else None
                if undecided:
                    snippet = self._snippets.banner(x, nonce)
                elif granted := x.granted():
                    snippet = self._snippets.loader(request.root_path, granted, nonce)
        # A 304 stands for the 200 it revalidates, and must repeat its Vary (RFC 9110 15.4.5).
        banner = undecided and (snippet is not None or unknown_length or status == 304)
        replaced: tuple[tuple[int, Header], ...] = ()
        if scan.vary_at < 0:  # the usual case: the app sets no Vary
            added.append(_VARY_BANNER if banner else _VARY_COOKIE)
        else:
            tokens = (_VARY_BANNER if banner else _VARY_COOKIE)[1]
            vary = (b"vary", merged_vary[headers[scan.vary_at][1], tokens])
            replaced = ((scan.vary_at, vary),)
        if snippet is None:
            if unknown_length:  # every Content-Length and strong ETag
                dropped = [*dropped, *(i for i, (n, v) in enumerate(headers) if _is_framing(n, v))]
            return ResponsePlan(_edited(headers, replaced, dropped, added))
        plain: _Edits | None = (headers, replaced, dropped, added)  # before the framing is fixed
        length = None  # the app's Content-Length, when it gave one valid one
        if scan.length_at >= 0 and not scan.repeated_framing:
            value = headers[scan.length_at][1].strip()
            length = int(value) if value.isdigit() else None
        if length is None and (scan.length_at >= 0 or scan.repeated_framing):
            # Repeated or malformed framing: drop it all (a server frames the body itself).
            dropped = [*dropped, *(i for i, (n, v) in enumerate(headers) if _is_framing(n, v))]
        else:
            if length is not None:
                framed_length = (b"content-length", b"%d" % (length + len(snippet)))
                replaced = (*replaced, (scan.length_at, framed_length))
            if scan.etag_at >= 0:
                dropped = [*dropped, scan.etag_at]
        framed = _edited(headers, replaced, dropped, added)
        if scan.length_at < 0 and scan.etag_at < 0:  # nothing framed: a fragment gets the same
            plain = None
        return ResponsePlan(framed, Injector(snippet), plain, -1 if length is None else length)

    def _notice_encoded(self, x: Exchange, status: int, headers: Sequence[Header]) -> None:
        """Say once, in the log, that a page reached consentkit already compressed (a
        compression middleware inside it), which loses the banner; a status that never gets
        one (a redirect, a 204, a 206) is passed over."""
        if not 200 <= status < 300 or status in (204, 206):
            return
        self.watches_encoding = False
        encoding = [v for n, v in headers if n.lower() == b"content-encoding"][-1]
        request = x.request
        path = request.root_path + request.path
        warn_compressed_page(request.method, path, encoding.decode("latin-1").strip())

    def _gate_cookies(
        self,
        x: Exchange,
        headers: Sequence[Header],
        cookie_at: Sequence[int],
        refused: tuple[str, ...],
    ) -> tuple[list[int], Headers]:
        """The positions of the app's ``Set-Cookie`` headers to drop (cookies of categories
        not granted; deletions pass), and the ``Set-Cookie`` headers to add (expiring the
        browser's cookies of those categories, unless the app sets them itself)."""
        dropped: list[int] = []
        kept: set[str] = set()
        if cookie_at:
            granted = x.granted()
            category_of = self._category_of
            for index in cookie_at:
                value = headers[index][1]
                name = set_cookie_name(value)
                category = category_of(name)
                if (
                    category is not None
                    and not category.required
                    and category.name not in granted
                    and not is_deletion(value)
                ):
                    dropped.append(index)
                else:
                    kept.add(name)
        if kept and refused:  # what the app sets itself, it sets: no need to expire it
            refused = tuple([name for name in refused if name not in kept])
        return dropped, [*x.expiring(refused)] if refused else []


def _is_framing(name: bytes, value: bytes) -> bool:
    name = name.lower()
    return name == b"content-length" or (name == b"etag" and not value.startswith(b"W/"))


def _merge_vary(key: tuple[bytes, bytes]) -> bytes:
    value, tokens = key
    present = {t.strip().lower() for t in value.split(b",")}
    if b"*" in present:
        return value
    missing = [t for t in tokens.split(b", ") if t.lower() not in present]
    kept = value.strip()
    return b", ".join([kept, *missing] if kept else missing)


#: An app's ``Vary`` value with consentkit's tokens added where missing, per distinct value.
merged_vary: BoundedCache[tuple[bytes, bytes], bytes] = BoundedCache(_merge_vary, 256)


def _edited(
    headers: Sequence[Header],
    replaced: Sequence[tuple[int, Header]],
    dropped: Collection[int],
    added: Headers,
) -> Headers:
    """A copy of ``headers`` with the ``replaced`` ones (position, new header) replaced, those
    at the ``dropped`` positions left out, and ``added`` at the end."""
    out = list(headers)
    for index, header in replaced:
        out[index] = header
    if dropped:
        for index in sorted(dropped, reverse=True):  # from the end: earlier ones stay put
            del out[index]
    out.extend(added)
    return out
