"""A Django response as the header list the core plans, and the plan applied back to it.

Django keeps a response's cookies in ``response.cookies``, a ``SimpleCookie`` with one
``Morsel`` per name, and both of its handlers (WSGI and ASGI) send one ``Set-Cookie`` per
``response.cookies.values()`` item. Expiring a refused cookie takes one ``Set-Cookie`` per
domain it may have been set for (the host and each parent domain), all with the same name:
:class:`SetCookies` holds them, each as a :class:`SetCookieHeader` that outputs the header the
core wrote, word for word, under its real name.
"""

from __future__ import annotations

from http.cookies import Morsel, SimpleCookie
from typing import Any

from ...core.bounded import BoundedCache

Header = tuple[bytes, bytes]
_SET_COOKIE = b"set-cookie"
#: The attributes a Morsel knows (expires, path, domain, max-age, secure, httponly, ...).
_ATTRIBUTES = frozenset(Morsel._reserved)  # type: ignore[attr-defined]


class SetCookieHeader(Morsel):  # type: ignore[type-arg]
    """A ``Morsel`` that outputs one ``Set-Cookie`` value exactly as given.

    Its key, value and attributes are read from the header (so that tests and other
    middleware can look at them), but the output is the header itself, whatever its name or
    attributes: Django's handlers send ``morsel.output(header="")``. Changing it with
    :meth:`set` (``response.set_cookie`` of the same name) makes it an ordinary morsel again.
    """

    def __init__(self, header: str) -> None:
        super().__init__()
        first, *attributes = header.split(";")
        name, _, value = first.partition("=")
        name, value = name.strip(), value.strip()
        # Set directly: a name the browser sent may not be one Morsel.set accepts.
        self._key, self._value, self._coded_value = name, value, value
        for attribute in attributes:
            key, has_value, attribute_value = attribute.strip().partition("=")
            key = key.strip().lower()
            if key in _ATTRIBUTES:
                dict.__setitem__(self, key, attribute_value.strip() if has_value else True)
        #: The ``Set-Cookie`` value this morsel outputs, or ``None`` once changed.
        self.header: str | None = header

    def set(self, key: str, val: str, coded_val: str) -> None:
        """Set the cookie's name and value, as ``Morsel.set``; the given header is dropped."""
        self.header = None
        super().set(key, val, coded_val)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with its header (Django's cache middleware pickles responses)."""
        return {**super().__getstate__(), "header": self.header}  # type: ignore[misc]

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.header = state.pop("header", None)
        super().__setstate__(state)  # type: ignore[misc]

    def OutputString(self, attrs: Any = None) -> str:
        """The ``Set-Cookie`` value: the header as given."""
        if self.header is not None:
            return self.header
        return super().OutputString(attrs)


class SetCookies(SimpleCookie):
    """``response.cookies`` that can hold several ``Set-Cookie`` headers for one name.

    The first for a name is kept under the name, as ``SimpleCookie`` keeps it (so
    ``response.cookies["_ga"]`` and Django's test ``Client`` work as usual); each further one
    under its whole header value, which says its name and domain and never clashes.
    """

    def add_header(self, header: str) -> None:
        """Add one ``Set-Cookie`` value, sent as it is. One that is not ASCII (a cookie name
        the browser sent in another script) is left out: Django's ASGI handler encodes each
        cookie as ASCII and would fail the whole response on it."""
        if not header.isascii():
            return
        # A copy of the header's morsel, parsed once per distinct header: a visitor who keeps
        # sending refused cookies gets the same expiring headers on every response.
        prototype = _prototypes[header]
        morsel = SetCookieHeader.__new__(SetCookieHeader)
        dict.update(morsel, prototype)
        morsel.__dict__.update(prototype.__dict__)
        key = morsel.key if morsel.key not in self else header
        dict.__setitem__(self, key, morsel)


#: Each distinct ``Set-Cookie`` value the middleware adds, parsed (copied for each response).
_prototypes: BoundedCache[str, SetCookieHeader] = BoundedCache(SetCookieHeader, 1024)


def header_list(response: Any) -> tuple[list[Header], list[str | None]]:
    """The response's headers as the core reads them (lower-case names, bytes), in the order
    Django's handlers send them, and for each the key of its cookie in ``response.cookies``
    (``None`` for a header in ``response.headers``)."""
    store = getattr(response.headers, "_store", None)
    if isinstance(store, dict):  # Django's ResponseHeaders: lower-case name -> (name, value)
        headers = [(name.encode("latin-1"), v.encode("latin-1")) for name, (_, v) in store.items()]
    else:
        headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in response.items()]
    owners: list[str | None] = [None] * len(headers)
    for key, morsel in response.cookies.items():
        headers.append((_SET_COOKIE, morsel.output(header="").strip().encode("latin-1")))
        owners.append(key)
    return headers, owners


def apply_headers(
    response: Any, headers: list[Header], owners: list[str | None], planned: list[Header]
) -> None:
    """Make ``response`` send ``planned`` instead of ``headers`` (from :func:`header_list`):
    the headers the plan left out are removed (a cookie from ``response.cookies``), those it
    added or changed are set (a ``Set-Cookie`` into a :class:`SetCookies`)."""
    kept = {id(header) for header in planned}
    cookies = response.cookies
    for header, owner in zip(headers, owners, strict=True):
        if id(header) in kept:
            continue
        if owner is not None:
            dict.__delitem__(cookies, owner)
        else:
            plain = header[0].decode("latin-1")
            if plain in response.headers:
                del response.headers[plain]
    original = {id(header) for header in headers}
    for header in planned:
        if id(header) in original:
            continue
        name, value = header
        text = value.decode("latin-1")
        if name == _SET_COOKIE:
            if not isinstance(cookies, SetCookies):
                cookies = _set_cookies_from(cookies)
                response.cookies = cookies
            cookies.add_header(text)
        else:
            response.headers[name.decode("latin-1").title()] = text


def _set_cookies_from(cookies: SimpleCookie) -> SetCookies:
    jar = SetCookies()
    dict.update(jar, cookies)
    return jar
