"""Consent categories: what a visitor grants or refuses, and which cookies belong to each.

:class:`Category` and :data:`DEFAULT_CATEGORIES` are public; :func:`check_categories` is the
check of the ``categories=`` option. Which category a cookie name falls in is
:class:`consentkit.cookiedb.CookieClassifier`'s job.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

_CATEGORY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_COOKIE_PATTERN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z?\[\]]{1,64}$")

#: The consent cookie lists granted names (up to 32 characters each) and stays under 1 KB.
MAX_CATEGORIES = 16


@dataclass(frozen=True)
class Category:
    """A purpose for which the site sets cookies or processes data, consented to as one.

    ``cookies`` are cookie names or shell-style patterns (``"_ga_*"``) that belong to the
    category; consentkit removes them while the category is not granted. A ``required``
    category is always on and never toggled. ``gpc_opt_out`` categories are refused for a
    request that carries ``Sec-GPC: 1``. ``label`` and ``description`` are shown in the banner
    for categories the built-in catalogs do not know (a mapping of locale to text, or one text).
    """

    name: str
    cookies: tuple[str, ...] = field(default=(), kw_only=True)
    required: bool = field(default=False, kw_only=True)
    gpc_opt_out: bool = field(default=False, kw_only=True)
    label: str | dict[str, str] | None = field(default=None, kw_only=True, compare=False)
    description: str | dict[str, str] | None = field(default=None, kw_only=True, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _CATEGORY_NAME.match(self.name):
            raise ValueError(
                f"Category name {self.name!r} is not valid: use 1 to 32 lowercase letters, "
                "digits or underscores, starting with a letter (e.g. 'analytics')."
            )
        if self.required and self.gpc_opt_out:
            raise ValueError(
                f"Category {self.name!r} is required and gpc_opt_out: a required category is "
                "never refused, not even by Global Privacy Control; drop one of the two."
            )
        cookies = self.cookies
        if isinstance(cookies, str):
            raise ValueError(
                f"Category {self.name!r}: cookies must be a sequence of names, not the string "
                f"{cookies!r}; write cookies=({cookies!r},)."
            )
        cookies = tuple(cookies)
        for cookie in cookies:
            if not isinstance(cookie, str) or not _COOKIE_PATTERN.match(cookie):
                raise ValueError(
                    f"Category {self.name!r}: {cookie!r} is not a cookie name or a shell-style "
                    "pattern such as '_ga_*'."
                )
        object.__setattr__(self, "cookies", cookies)

    def text(self, attribute: str, locale: str) -> str | None:
        """The user-given ``label`` or ``description`` for ``locale``, if any."""
        value: str | dict[str, str] | None = getattr(self, attribute)
        if value is None or isinstance(value, str):
            return value
        language = locale.split("_")[0]
        return value.get(locale) or value.get(language) or value.get("en")


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("necessary", required=True),
    Category("functional"),
    Category("analytics", cookies=("_ga", "_ga_*", "_gid", "_gat*")),
    Category("location"),
    Category("marketing", cookies=("_fbp", "_gcl_*"), gpc_opt_out=True),
)
_DEFAULTS_BY_NAME = {category.name: category for category in DEFAULT_CATEGORIES}


def check_categories(value: Iterable[Category | str]) -> tuple[Category, ...]:
    """The ``categories=`` option as a tuple of categories (names stand for the defaults).

    Raises ``ValueError`` for an unknown name, a repeated one, no category, too many, or a
    cookie claimed by two categories.
    """
    if isinstance(value, (str, Category)):
        raise ValueError(
            "categories must be a sequence of Category objects (or names of defaults)."
        )
    result: list[Category] = []
    for item in value:
        if isinstance(item, str):
            if item not in _DEFAULTS_BY_NAME:
                raise ValueError(
                    f"Unknown category name {item!r} in categories: the built-in ones are "
                    f"{', '.join(sorted(_DEFAULTS_BY_NAME))}; define others with Category(...)."
                )
            item = _DEFAULTS_BY_NAME[item]
        if not isinstance(item, Category):
            raise ValueError(f"categories must hold Category objects, not {item!r}.")
        result.append(item)
    names = [category.name for category in result]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"Category names must be unique; repeated: {', '.join(duplicates)}.")
    if not result:
        raise ValueError("categories is empty: keep at least the required 'necessary' category.")
    if len(result) > MAX_CATEGORIES:
        raise ValueError(f"At most {MAX_CATEGORIES} categories fit in the consent cookie.")
    _check_cookie_clashes(result)
    return tuple(result)


def check_own_cookies(categories: Iterable[Category], cookie_name: str) -> None:
    """Refuse a category pattern that would gate consentkit's own cookies."""
    patterns = [pattern for category in categories for pattern in category.cookies]
    for own in (cookie_name, cookie_name + "_lang", "__Host-" + cookie_name):
        for pattern in patterns:
            if fnmatch.fnmatchcase(own, pattern):
                raise ValueError(
                    f"Cookie pattern {pattern!r} matches consentkit's own cookie {own!r}; "
                    "narrow the pattern."
                )


def _patterns_overlap(a: str, b: str) -> bool:
    return a == b or fnmatch.fnmatchcase(a, b) or fnmatch.fnmatchcase(b, a)


def _check_cookie_clashes(categories: Sequence[Category]) -> None:
    """A cookie claimed by two categories would be both kept and removed: refuse it."""
    for i, first in enumerate(categories):
        for second in categories[i + 1 :]:
            for a in first.cookies:
                for b in second.cookies:
                    if _patterns_overlap(a, b):
                        raise ValueError(
                            f"Cookie {a!r} of category {first.name!r} clashes with {b!r} of "
                            f"category {second.name!r}: a cookie may belong to one category "
                            "only. Remove it from one of them."
                        )


def __getattr__(name: str) -> object:
    # CookieClassifier moved to consentkit.cookiedb (it needs the database); the old import
    # path keeps working. Imported here, lazily, because that module imports this one.
    if name == "CookieClassifier":
        from .cookiedb.classifier import CookieClassifier

        return CookieClassifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
