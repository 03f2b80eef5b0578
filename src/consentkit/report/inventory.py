"""The report's cookie inventory: the cookies the categories declare, and consentkit's own.

This is what the preferences page lists for the same categories (purpose and lifetime in the
report's language, from :class:`~consentkit.i18n.Catalogs`).
"""

from __future__ import annotations

from collections.abc import Sequence

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
