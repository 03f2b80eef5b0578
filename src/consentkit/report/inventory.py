"""The report's cookie inventory: the cookies the categories declare, consentkit's own, and
any other cookie names the site is known to set, classified as the middleware would.

The declared cookies are what the preferences page lists for the same categories (purpose and
lifetime in the report's language, from :class:`~consentkit.i18n.Catalogs`). Other names are
classified by :func:`consentkit.cookiedb.classify_cookies` (the Open Cookie Database, English
descriptions) where that package is installed, else listed as unknown.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence

from ..categories import DEFAULT_CATEGORIES, Category
from .aggregate import InventoryEntry
from .text import ReportText


def inventory_from_categories(
    text: ReportText, categories: Sequence[Category] = DEFAULT_CATEGORIES
) -> list[InventoryEntry]:
    """One entry per declared cookie (name or pattern) of ``categories``, in their order;
    the required category's entries start with consentkit's own cookies."""
    settings = text.catalogs.settings
    own = {settings.cookie_name, settings.language_cookie_name}
    entries = []
    for category in categories:
        described = text.catalogs.describe_category(category, text.locale)
        for cookie in described["cookie_details"]:
            entries.append(
                InventoryEntry(
                    name=cookie["name"],
                    category=category.name,
                    source="consentkit" if cookie["name"] in own else "category",
                    provider=cookie["party"],
                    purpose=cookie["purpose"],
                    retention=cookie["lifetime"],
                )
            )
    return entries


def classify_names(
    names: Iterable[str], categories: Sequence[Category] = DEFAULT_CATEGORIES
) -> list[InventoryEntry]:
    """An entry per distinct name, in order, with the category the middleware would give it
    (a category's own names and patterns first, then the Open Cookie Database)."""
    names = list(dict.fromkeys(names))
    try:
        cookiedb = importlib.import_module("consentkit.cookiedb")
    except ImportError:
        return [InventoryEntry(name=name, category="", source="unknown") for name in names]
    return [
        InventoryEntry(
            name=found.name,
            category=found.category or "",
            source=found.source,
            provider=found.provider,
            purpose=found.purpose,
            retention=found.retention,
            text_lang="en" if found.source == "database" else None,
        )
        for found in cookiedb.classify_cookies(names, categories)
    ]
