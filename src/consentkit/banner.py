"""Rendering the banner, the preferences page and the script loader from Jinja templates.

Templates are looked up in the user's ``template_dirs`` first, then the built-in ones, so a
user's ``banner.html`` can ``{% extends "consentkit/banner.html" %}`` and override one block.
The banner is rendered once per (locale, root path) with placeholders for the per-request
values (``next``, the CSP nonce), which are spliced in per request: the hot path renders no
Jinja.
"""

from __future__ import annotations

import datetime
import hashlib
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from .core.bounded import BoundedCache
from .i18n import Catalogs
from .records.store import ShownText

if TYPE_CHECKING:
    from .consent import Consent
    from .options import Settings

_NEXT = "\x00consentkit-next\x00"
_NEXT_Q = "\x00consentkit-next-q\x00"
_NONCE = "\x00consentkit-nonce\x00"
_SLOTS = {_NEXT: "next", _NEXT_Q: "next_q", _NONCE: "nonce"}

_BUILTIN_TEMPLATES = Path(str(resources.files("consentkit") / "templates"))
_BUILTIN_STATIC = Path(str(resources.files("consentkit") / "static"))


_BUILTIN_PREFIX = "consentkit:builtin"
#: Banners remembered per (locale, root path): root paths are few.
_BANNER_CACHE_SIZE = 64


class _Environment(jinja2.Environment):
    """A template that extends or includes its own name (a user's ``consentkit/banner.html``
    doing ``{% extends "consentkit/banner.html" %}``) gets the built-in one, not itself."""

    def join_path(self, template: str, parent: str) -> str:
        if template == parent:
            return f"{_BUILTIN_PREFIX}/{template}"
        return template


@dataclass(frozen=True)
class StaticFile:
    """A static asset served by the middleware under a content-hashed URL."""

    name: str
    hashed_name: str
    body: bytes
    content_type: str


class _Spliced:
    """A rendered page cut at its placeholders, to be joined with per-request values."""

    __slots__ = ("_parts",)

    def __init__(self, rendered: str) -> None:
        parts: list[tuple[bool, bytes | str]] = []
        rest = rendered
        while True:
            positions = [(rest.find(m), m) for m in _SLOTS if m in rest]
            if not positions:
                parts.append((False, rest.encode("utf-8")))
                break
            index, marker = min(positions)
            parts.append((False, rest[:index].encode("utf-8")))
            parts.append((True, _SLOTS[marker]))
            rest = rest[index + len(marker) :]
        self._parts = tuple(parts)

    def join(self, values: dict[str, bytes]) -> bytes:
        return b"".join(values[p] if slot else p for slot, p in self._parts)  # type: ignore[index,misc]


class BannerRenderer:
    """Renders and caches everything consentkit adds to or serves for a page."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalogs = Catalogs(settings)
        builtin = jinja2.FileSystemLoader(str(_BUILTIN_TEMPLATES))
        loader = jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader([str(d) for d in settings.template_dirs]),
                builtin,
                jinja2.PrefixLoader({_BUILTIN_PREFIX: builtin}),
            ]
        )
        self.environment = _Environment(
            loader=loader,
            autoescape=True,
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
        )
        self.static_files = self._load_static()
        self._static_by_hashed = {f.hashed_name: f for f in self.static_files.values()}
        #: What a visitor of each locale is shown (see :meth:`shown_text`), made on first use.
        self._shown: dict[str, ShownText] = {}
        #: The banner per (locale, root path), cut at its per-request placeholders.
        self._banners: BoundedCache[tuple[str, str], _Spliced] = BoundedCache(
            self._render_banner, _BANNER_CACHE_SIZE
        )
        # Fail at start-up, not on a visitor's request, when an override does not render.
        for locale in settings.locales:
            try:
                self._banners[locale, ""]
            except jinja2.TemplateError as error:
                raise ValueError(
                    f"consentkit/banner.html does not render for locale {locale!r}: {error}. "
                    "Fix the override in template_dirs "
                    f"({', '.join(str(d) for d in settings.template_dirs) or 'none given'})."
                ) from error

    # -- static files ---------------------------------------------------------------------

    def _load_static(self) -> dict[str, StaticFile]:
        files = {}
        for path in sorted(_BUILTIN_STATIC.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:12]
            stem, dot, ext = path.name.partition(".")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type.endswith("javascript"):
                content_type += "; charset=utf-8"
            files[path.name] = StaticFile(
                path.name, f"{stem}.{digest}{dot}{ext}", body, content_type
            )
        return files

    def static_url(self, name: str, root_path: str = "") -> str:
        """The content-hashed URL of a built-in static file (``"consentkit.js"``)."""
        return f"{root_path}{self.settings.prefix}/static/{self.static_files[name].hashed_name}"

    def static_file(self, hashed_name: str) -> StaticFile | None:
        """The static file served at ``<prefix>/static/<hashed_name>``, if any."""
        return self._static_by_hashed.get(hashed_name)

    # -- rendering ------------------------------------------------------------------------

    def context(self, locale: str, root_path: str) -> dict[str, Any]:
        """The template variables every consentkit template gets."""
        settings = self.settings
        translations = self.catalogs.translations(locale)
        categories = [
            self.catalogs.describe_category(category, locale) for category in settings.categories
        ]
        return {
            "locale": locale,
            "lang": locale.replace("_", "-"),
            "locales": settings.locales,
            "language_names": self.catalogs.language_names(),
            "endpoint": f"{root_path}{settings.prefix}",
            "preferences_url": f"{root_path}{settings.prefix}/preferences",
            "language_url": f"{root_path}{settings.prefix}/language",
            "policy_url": settings.policy_url,
            "policy_updated": self.catalogs.format_date(settings.policy_updated, locale),
            "policy_version": settings.policy_version,
            "contact": settings.contact,
            "categories": categories,
            "optional_categories": [c for c in categories if not c["required"]],
            "script_url": self.static_url("consentkit.js", root_path),
            "style_url": self.static_url("consentkit.css", root_path),
            "gettext": translations.gettext,
            "ngettext": translations.ngettext,
            "_": translations.gettext,
        }

    def _render_banner(self, key: tuple[str, str]) -> _Spliced:
        locale, root_path = key
        context = self.context(locale, root_path)
        context.update(next=_NEXT, next_q=_NEXT_Q, nonce=_NONCE)
        template = self.environment.get_template("consentkit/banner.html")
        return _Spliced(template.render(context))

    def banner(self, locale: str, root_path: str, next_path: str, nonce: str | None) -> bytes:
        """The first-layer banner HTML for an undecided visitor."""
        return self._banners[locale, root_path].join(
            {
                "next": _attr(next_path),
                "next_q": _attr(_query_value(next_path)),
                "nonce": _nonce_attr(nonce),
            }
        )

    def loader(self, root_path: str, granted: Iterable[str], nonce: str | None) -> bytes:
        """The script tag that runs a decided visitor's granted ``data-consent`` scripts."""
        return (
            (
                f'<script src="{self.static_url("consentkit.js", root_path)}" defer '
                f'data-consentkit-granted="{" ".join(granted)}"'
            ).encode()
            + _nonce_attr(nonce)
            + b"></script>"
        )

    def preferences_page(
        self,
        locale: str,
        root_path: str,
        consent: Consent,
        next_path: str,
        nonce: str | None = None,
    ) -> bytes:
        """The full preferences page, showing the visitor's current choice."""
        context = self.context(locale, root_path)
        decided_on = decided_time = None
        if consent.decided_at is not None:
            decided_at = consent.decided_at.astimezone(datetime.timezone.utc)
            decided_on = self.catalogs.format_date(decided_at.date(), locale)
            decided_time = decided_at.strftime("%H:%M")
        context.update(
            next=next_path,
            next_q=_query_value(next_path),
            nonce=Markup(_nonce_attr(nonce).decode("utf-8")),
            consent=consent,
            decided_on=decided_on,
            decided_time=decided_time,
        )
        template = self.environment.get_template("consentkit/preferences.html")
        return template.render(context).encode("utf-8")

    def shown_text(self, locale: str) -> ShownText:
        """What a visitor choosing in ``locale`` was shown, for their consent record: the
        banner's HTML, then the preferences page's (as an undecided visitor sees them, at the
        site's root), with its SHA-256. Rendered once per locale."""
        shown = self._shown.get(locale)
        if shown is None:
            from .consent import Consent

            settings = self.settings
            undecided = Consent(
                decided=False,
                granted=frozenset(),
                required=frozenset(c.name for c in settings.categories if c.required),
                gpc=False,
                policy_version=settings.policy_version,
            )
            text = (
                self.banner(locale, "", "/", None).decode("utf-8")
                + "\n"
                + self.preferences_page(locale, "", undecided, "/").decode("utf-8")
            )
            shown = ShownText(
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                locale=locale,
                policy_version=settings.policy_version,
                first_shown=datetime.datetime.now(datetime.timezone.utc),
                text=text,
            )
            self._shown[locale] = shown
        return shown

    def shown_sha256(self, locale: str) -> str:
        """The SHA-256 of :meth:`shown_text` for ``locale``."""
        return self.shown_text(locale).sha256

    def consent_mode_tag(self, root_path: str, granted: Iterable[str], nonce: str | None) -> str:
        """A ``<script>`` for the page's ``<head>``, before any Google tag: it sends Google
        Consent Mode's ``default`` (everything denied, ``wait_for_update``) and, for a visitor
        who has chosen, the ``update`` for the ``granted`` categories. A plain external file, so
        it needs no ``unsafe-inline``; it carries the page's CSP ``nonce`` when given."""
        url = self.static_url("consentkit.js", root_path)
        names = " ".join(granted)
        return (
            f'<script src="{_attr(url).decode()}" data-consentkit-head '
            f'data-consentkit-granted="{_attr(names).decode()}"{_nonce_attr(nonce).decode()}>'
            "</script>"
        )

    def preferences_link(
        self,
        locale: str,
        root_path: str,
        next_path: str | None = None,
        text: str | None = None,
        class_name: str = "consentkit-preferences-link",
    ) -> str:
        """An ``<a>`` to the preferences page, labelled "Cookie settings" in ``locale``, for an
        app's footer. ``next_path`` is where the page's buttons return to."""
        if locale not in self.settings.locales:
            locale = self.settings.default_locale
        label = (
            text
            if text is not None
            else self.catalogs.translations(locale).gettext("Cookie settings")
        )
        url = f"{root_path}{self.settings.prefix}/preferences"
        if next_path:
            url += "?next=" + _query_value(next_path)
        lang = locale.replace("_", "-")
        return (
            f'<a href="{_attr(url).decode()}" class="{_attr(class_name).decode()}" '
            f'lang="{lang}">{_attr(label).decode()}</a>'
        )


def _attr(value: str) -> bytes:
    return str(escape(value)).encode("utf-8")


def _query_value(value: str) -> str:
    """``value`` percent-encoded for use as one query-string value."""
    return quote(value, safe="/")


def _nonce_attr(nonce: str | None) -> bytes:
    if not nonce:
        return b""
    return b' nonce="' + _attr(nonce) + b'"'
