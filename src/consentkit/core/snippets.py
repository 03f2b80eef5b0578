"""What is injected into a page: the banner for an undecided visitor, the script loader for a
decided one, each rendered once per distinct key and then remembered (bounded).

A page without a CSP nonce gets the same bytes on every view, so the cache key is all that
the snippet depends on: the visitor's language cookie and ``Accept-Language`` (which decide
the language), the root path, and the page's own URL (the banner's ``next``). A nonce is new
on every response, so a page with one is rendered for its request only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .bounded import BoundedCache
from .exchange import Exchange
from .request import page_url

if TYPE_CHECKING:
    from ..banner import BannerRenderer

#: Snippets remembered per kind; a banner is ~4 KB, so at most ~1 MB.
_SNIPPET_CACHE_SIZE = 256
#: The language cookie, ``Accept-Language`` (as the server gave it), root path, path, query.
_BannerKey = tuple[str | None, str | bytes | None, str, str, str]
_LoaderKey = tuple[str, frozenset[str]]


class Snippets:
    """The banner and the loader, rendered by ``renderer`` and remembered."""

    def __init__(self, renderer: BannerRenderer, optional: Sequence[str]) -> None:
        self._renderer = renderer
        self._optional = tuple(optional)
        self._banners: BoundedCache[_BannerKey, bytes] = BoundedCache(
            self._render_banner, _SNIPPET_CACHE_SIZE
        )
        self._loaders: BoundedCache[_LoaderKey, bytes] = BoundedCache(
            self._render_loader, _SNIPPET_CACHE_SIZE
        )

    def banner(self, x: Exchange, nonce: str | None) -> bytes:
        """The banner for this request's visitor and page."""
        request = x.request
        if nonce is not None:
            return self._renderer.banner(x.locale, request.root_path, request.url, nonce)
        # Keyed on what the request already holds (no decoding, no joined URL), since a key is
        # built for every page an undecided visitor sees.
        key = (
            x.cookies.language,
            request.headers.get(request.header_keys["accept-language"]),  # as the server gave it
            request.root_path,
            request.path,
            request.query,
        )
        return self._banners[key]

    def loader(self, root_path: str, granted: frozenset[str], nonce: str | None) -> bytes:
        """The script loader for a decided visitor with these optional categories granted."""
        if nonce is not None:
            return self._renderer.loader(root_path, self._in_order(granted), nonce)
        return self._loaders[(root_path, granted)]

    def _in_order(self, granted: frozenset[str]) -> list[str]:
        return [name for name in self._optional if name in granted]

    def _render_banner(self, key: _BannerKey) -> bytes:
        language, accept_language, root_path, path, query = key
        if isinstance(accept_language, bytes):
            accept_language = accept_language.decode("latin-1")
        locale = self._renderer.catalogs.choose(language, accept_language)
        return self._renderer.banner(locale, root_path, page_url(root_path, path, query), None)

    def _render_loader(self, key: _LoaderKey) -> bytes:
        root_path, granted = key
        return self._renderer.loader(root_path, self._in_order(granted), None)
