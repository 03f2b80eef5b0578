"""Where a request comes from, and where it may send the visitor: same-origin checks for the
consent endpoint, and the ``next`` path after a choice.

A choice may only be made from the site itself: a cross-site form (a forged "accept all")
is refused by ``Sec-Fetch-Site``, then ``Origin``, then ``Referer``, and a form with none of
them is refused too. ``next`` never leads off
the site: anything but a plain path on it is replaced by the site's root.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from .request import RequestFacts

_NEXT_LIMIT = 2048
#: What stays as it is when a ``next`` path, and a root path, are percent-encoded.
_NEXT_SAFE = "/?&=#%;:@+,$!*'()~-._[]"
_PATH_SAFE = "/%;:@+,$!*'()~-._[]"


def cross_site_reason(request: RequestFacts, *, form: bool) -> str | None:
    """Why a ``POST`` is refused as cross-site, or ``None`` when it is same-origin.

    A ``form`` POST must show where it comes from: a browser always sends one of
    ``Sec-Fetch-Site``, ``Origin`` or ``Referer`` with a form, so one with none of them is
    refused (a forged cross-site form from a browser that sends none must not set consent).
    A JSON POST without them is allowed: no other site can send one without a CORS
    preflight, which consentkit never grants.
    """
    fetch_site = request.header("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site.strip().lower() in ("same-origin", "none"):
            return None
        return f"cross-site request refused (Sec-Fetch-Site: {fetch_site[:40]})"
    host = _normalise_netloc(request.header("host") or "", request.scheme)
    origin = request.header("origin")
    if origin is not None:
        if _netloc_of(origin) == host and host:
            return None
        return "cross-site request refused (Origin does not match Host)"
    referer = request.header("referer")
    if referer is not None:
        if _netloc_of(referer) == host and host:
            return None
        return "cross-site request refused (Referer does not match Host)"
    if form:
        return (
            "a form POST must come from one of the site's own pages: this one carries none "
            "of Sec-Fetch-Site, Origin and Referer"
        )
    return None


def same_site_referer_path(request: RequestFacts) -> str | None:
    """The path and query of the request's ``Referer`` when it is a page of this site."""
    referer = request.header("referer")
    host = _normalise_netloc(request.header("host") or "", request.scheme)
    if not referer or not host or _netloc_of(referer) != host:
        return None
    parts = urlsplit(referer)
    return parts.path + ("?" + parts.query if parts.query else "")


def safe_next(value: str | None, root_path: str = "") -> str:
    """``value`` when it is a path on this site, else the site's root; percent-encoded (so
    that a ``Location`` holds only ASCII, under a Thai root path too)."""
    fallback = quote((root_path or "") + "/", safe=_PATH_SAFE)
    if not value or len(value) > _NEXT_LIMIT:
        return fallback
    if value[0] != "/" or value.startswith("//") or "\\" in value:
        return fallback
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
        return fallback
    return quote(value, safe=_NEXT_SAFE)


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
