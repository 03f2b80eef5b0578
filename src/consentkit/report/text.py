"""The report's words in one language: translations from the project's catalogs, numbers,
dates (Thai in the Buddhist era), and the names of categories, countries and languages."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations

from ..categories import DEFAULT_CATEGORIES, Category
from ..i18n import BUILTIN_LOCALES, Catalogs, format_long_date, load_translations
from ..i18n import marked as _
from ..options import Settings

#: The languages the report is written in.
REPORT_LOCALES = ("th", "en")


#: What each kind of choice is called (the charts' legend).
KIND_LABELS = {
    "accept_all": _("Accept all"),
    "reject_all": _("Reject all"),
    "save": _("Custom choice"),
    "withdrawal": _("Withdrawal"),
}
#: Colours of the kinds: Okabe and Ito's palette, told apart with colour blindness too.
KIND_COLOURS = {
    "accept_all": "#009E73",
    "reject_all": "#56595E",
    "save": "#0072B2",
    "withdrawal": "#D55E00",
}
SOURCE_LABELS = {
    "consentkit": _("consentkit's own cookie"),
    "category": _("Declared in the site's categories"),
    "database": _("Open Cookie Database (English)"),
    "framework": _("A web framework's session or security cookie"),
    "unknown": _("Unknown"),
}


class ReportText:
    """Translation and formatting for one report locale (``th`` or ``en``); categories are
    named as the site's ``categories`` label them (the built-in labels for the defaults)."""

    def __init__(self, locale: str, categories: Sequence[Category] = DEFAULT_CATEGORIES) -> None:
        if locale not in REPORT_LOCALES:
            raise ValueError(f"the report is written in th or en, not {locale!r}")
        self.locale = locale
        self.translations: NullTranslations = load_translations(locale, [BUILTIN_LOCALES])
        # Catalogs describes categories and cookies as the banner does. It needs Settings, and
        # Settings a key; nothing is signed here, so a throwaway one does.
        settings = Settings.from_options(
            secret_key=secrets.token_urlsafe(32), default_locale=locale, categories=categories
        )
        self.categories = {category.name: category for category in settings.categories}
        self.catalogs = Catalogs(settings)
        self._territories = Locale.parse(locale).territories
        self._languages = Locale.parse(locale).languages

    def gettext(self, message: str) -> str:
        """``message`` translated."""
        return self.translations.gettext(message)

    def number(self, value: float) -> str:
        """A count, grouped the locale's way."""
        return format_decimal(value, locale=self.locale)

    def percent(self, fraction: float) -> str:
        """A share as a whole percentage ("46%")."""
        return format_percent(fraction, locale=self.locale)

    def long_date(self, day: datetime.date) -> str:
        """A date in words with its year (Thai: Buddhist era)."""
        return format_long_date(day, self.locale)

    def short_date(self, day: datetime.date) -> str:
        """A date on an axis: day and abbreviated month ("1 ธ.ค.", "1 Dec")."""
        return format_date(day, "d MMM", locale=self.locale)

    def moment(self, moment: datetime.datetime) -> str:
        """A UTC time in words, with its year in the locale's era and "UTC"."""
        utc = moment.astimezone(datetime.timezone.utc)
        clock = format_datetime(utc, "HH:mm", tzinfo=datetime.timezone.utc, locale=self.locale)
        return f"{self.long_date(utc.date())} {clock} UTC"

    def period(self, first: datetime.date | None, last: datetime.date | None) -> str:
        """The report's period, or a dash when there is no data."""
        if first is None or last is None:
            return "–"
        if first == last:
            return self.long_date(first)
        return f"{self.long_date(first)} – {self.long_date(last)}"

    def kind(self, kind: str) -> str:
        """A kind of choice's name."""
        return self.gettext(KIND_LABELS.get(kind, kind))

    def category(self, name: str) -> str:
        """A category's label, as the banner writes it."""
        category = self.categories.get(name)
        if category is None:
            try:
                category = Category(name)
            except ValueError:
                return name
        return str(self.catalogs.describe_category(category, self.locale)["label"])

    def country(self, code: str | None) -> str:
        """A country's name from its ISO code; ``None`` is the views counted without one."""
        if code is None:
            return self.gettext("No location (not granted or unknown)")
        return str(self._territories.get(code.upper(), code))

    def language(self, tag: str) -> str:
        """A language's name from its tag ("th" → "ไทย")."""
        name = self._languages.get(tag) or self._languages.get(tag.split("_")[0])
        if name is None:
            try:
                name = Locale.parse(tag.replace("-", "_")).get_display_name(self.locale)
            except (UnknownLocaleError, ValueError, TypeError):
                name = None
        return str(name or tag)

    def source(self, source: str) -> str:
        """Where a cookie's category came from."""
        return self.gettext(SOURCE_LABELS.get(source, source))
