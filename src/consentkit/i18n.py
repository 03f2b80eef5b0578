"""Message catalogs, locale negotiation and locale-aware dates.

Catalogs are gettext ``.po`` files under ``<locale>/LC_MESSAGES/`` in the package
``consentkit.locales`` (the repository's root ``locales/`` folder, shipped inside the wheel) and
in the user's ``locale_dirs``, searched first. They are compiled in memory with Babel when the
middleware starts, so no build step is needed and a user adds a language by dropping in a
``.po`` file.
"""

from __future__ import annotations

import datetime
import io
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from .core.bounded import BoundedCache

if TYPE_CHECKING:
    from .categories import Category
    from .options import Settings

DOMAIN = "consentkit"
BUILTIN_LOCALES = Path(str(resources.files("consentkit.locales")))
_NEGOTIATION_CACHE_SIZE = 256


def load_translations(locale: str, directories: list[Path]) -> NullTranslations:
    """The first catalog for ``locale`` found in ``directories``, compiled from its ``.po``."""
    for directory in directories:
        po = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.is_file():
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=locale, domain=DOMAIN)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


def parse_accept_language(header: str) -> list[str]:
    """Language tags from an ``Accept-Language`` header, best first, as ``th_TH`` style ids."""
    weighted = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if quality <= 0:
            continue
        weighted.append((-quality, position, tag.replace("-", "_")))
    weighted.sort()
    return [tag for _, _, tag in weighted]


def format_long_date(date: datetime.date, locale: str) -> str:
    """``date`` in the locale's long format; Thai in the Buddhist era (พ.ศ.)."""
    if locale.split("_")[0] == "th":
        # Babel's calendar data is Gregorian only: write the era and year ourselves.
        month = format_date(date, "MMMM", locale=locale)
        return f"{date.day} {month} พ.ศ. {date.year + 543}"
    try:
        return format_date(date, "long", locale=locale)
    except (UnknownLocaleError, ValueError):
        return date.isoformat()


#: A language tag as BCP 47 and Babel write one (``th``, ``th-TH``, ``zh_Hant_TW``).
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")


class Catalogs:
    """The banner's languages: translations, negotiation and formatting for each locale."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        directories = [*settings.locale_dirs, BUILTIN_LOCALES]
        self._translations = {
            locale: load_translations(locale, directories) for locale in settings.locales
        }
        self._negotiated: BoundedCache[str, str] = BoundedCache(
            self._negotiate, _NEGOTIATION_CACHE_SIZE
        )
        self._lower = {locale.lower(): locale for locale in settings.locales}

    def translations(self, locale: str) -> NullTranslations:
        """The compiled catalog of ``locale``."""
        return self._translations[locale]

    def choose(self, chosen: str | None, accept_language: str | None) -> str:
        """The banner locale: the visitor's explicit choice, then ``Accept-Language``, then the
        default. Negotiation runs once per distinct header (a bounded cache)."""
        if chosen and (locale := self.match(chosen)):
            return locale
        if not accept_language:
            return self.settings.default_locale
        return self._negotiated[accept_language]

    def match(self, tag: str) -> str | None:
        """The configured locale that ``tag`` names (``th``, ``TH``, ``th-TH`` and ``th_TH``
        all name ``th``; ``en-US`` names ``en_US`` where that is configured, else ``en``), or
        ``None``."""
        if not _LANGUAGE_TAG.fullmatch(tag):
            return None
        wanted = tag.replace("-", "_").lower()
        return self._lower.get(wanted) or self._lower.get(wanted.split("_")[0])

    def _negotiate(self, accept_language: str) -> str:
        preferred = parse_accept_language(accept_language)
        locale = negotiate_locale(preferred, list(self.settings.locales), sep="_")
        return locale or self.settings.default_locale

    def language_names(self) -> dict[str, str]:
        """Each configured locale's name in its own language (for a language switch)."""
        names = {}
        for locale in self.settings.locales:
            try:
                names[locale] = Locale.parse(locale).get_display_name(locale) or locale
            except (UnknownLocaleError, ValueError):
                names[locale] = locale
        return names

    def format_date(self, date: datetime.date | None, locale: str) -> str | None:
        """``date`` in the locale's long format; Thai in the Buddhist era (พ.ศ.)."""
        if date is None:
            return None
        return format_long_date(date, locale)

    def category_label(self, category: Category, locale: str) -> str:
        """A category's name for visitors in ``locale``: its own label for that language, else
        the catalog's for a default category, else its name."""
        gettext = self._translations[locale].gettext
        return category.text("label", locale) or gettext(_LABELS.get(category.name, category.name))

    def describe_category(self, category: Category, locale: str) -> dict[str, Any]:
        """A category's name, label, description and cookies, for templates."""
        gettext = self._translations[locale].gettext
        label = self.category_label(category, locale)
        description = category.text("description", locale)
        if description is None:
            description = (
                gettext(_DESCRIPTIONS[category.name]) if category.name in _DESCRIPTIONS else ""
            )
        return {
            "name": category.name,
            "label": label,
            "description": description,
            "required": category.required,
            "gpc_opt_out": category.gpc_opt_out,
            "cookies": category.cookies,
            "cookie_details": self.describe_cookies(category, locale),
        }

    def format_lifetime(self, seconds: int | None, locale: str) -> str:
        """A cookie lifetime in words ("6 months", "6 เดือน"); ``None`` is a session cookie."""
        gettext = self._translations[locale].gettext
        if seconds is None:
            return gettext("Until you close the browser")
        try:
            return format_timedelta(datetime.timedelta(seconds=seconds), locale=locale)
        except (UnknownLocaleError, ValueError):
            return gettext("%(days)d days") % {"days": max(1, round(seconds / 86400))}

    def describe_cookies(self, category: Category, locale: str) -> list[dict[str, str]]:
        """Each cookie of ``category``: its name, purpose, lifetime and party, for the
        preferences page. consentkit's own cookies belong to the required category."""
        gettext = self._translations[locale].gettext
        entries: list[tuple[str, str, int | None]] = []
        if category.required:
            lifetime = self.settings.max_age
            entries.append((self.settings.cookie_name, _CONSENT_COOKIE_PURPOSE, lifetime))
            entries.append((self.settings.language_cookie_name, _LANGUAGE_COOKIE_PURPOSE, lifetime))
        for cookie in category.cookies:
            known = _KNOWN_COOKIES.get(cookie)
            if known is None:
                entries.append((cookie, _UNKNOWN_PURPOSE, _UNKNOWN_SECONDS))
            else:
                entries.append((cookie, known[0], known[1]))
        details = []
        for name, purpose, seconds in entries:
            lifetime_text = (
                gettext(_UNKNOWN_LIFETIME)
                if seconds == _UNKNOWN_SECONDS
                else self.format_lifetime(seconds, locale)
            )
            details.append(
                {
                    "name": name,
                    "purpose": gettext(purpose),
                    "lifetime": lifetime_text,
                    # A cookie the middleware can see and remove is one of the site's own.
                    "party": gettext("First party"),
                }
            )
        return details


def marked(message: str) -> str:
    """Marks a message for extraction (imported as ``_``, the keyword Babel looks for); it is
    translated when rendered."""
    return message


_ = marked


_LABELS = {
    "necessary": _("Strictly necessary"),
    "functional": _("Functional"),
    "analytics": _("Statistics"),
    "location": _("IP address and location"),
    "marketing": _("Marketing"),
}
_DESCRIPTIONS = {
    "necessary": _(
        "Needed for the site to work and to keep it secure, and to remember your cookie "
        "choice. Always on."
    ),
    "functional": _("Remember your choices and the pages you visited, to make browsing easier."),
    "analytics": _("Statistics cookies that tell us how the site is used, so we can improve it."),
    "location": _(
        "Use your IP address to estimate your approximate location (country or region) for "
        "anonymous statistics."
    ),
    "marketing": _("News, marketing and promotions that may interest you."),
}

_CONSENT_COOKIE_PURPOSE = _("Remembers your cookie choice, so this notice is not shown again.")
_LANGUAGE_COOKIE_PURPOSE = _("Remembers the language you chose for this notice.")
_UNKNOWN_PURPOSE = _("Set by this site for the purpose of this category; see the privacy policy.")
_UNKNOWN_LIFETIME = _("See the privacy policy")
_UNKNOWN_SECONDS = -1  # a cookie the catalogs do not describe
_DAY = 24 * 3600
#: Well-known cookies of the default categories: purpose and lifetime in seconds.
_KNOWN_COOKIES: dict[str, tuple[str, int | None]] = {
    "_ga": (_("Google Analytics: tells visitors apart, for statistics."), 730 * _DAY),
    "_ga_*": (_("Google Analytics: keeps the state of a visit, for statistics."), 730 * _DAY),
    "_gid": (_("Google Analytics: tells visitors apart for one day."), _DAY),
    "_gat*": (_("Google Analytics: limits how often statistics are sent."), 60),
    "_fbp": (_("Meta (Facebook): measures advertising and shows relevant ads."), 90 * _DAY),
    "_gcl_*": (_("Google Ads: measures which adverts led to a visit."), 90 * _DAY),
}
