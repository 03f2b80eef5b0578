"""Every option of the middlewares, declared once, and the validated :class:`Settings`.

:data:`OPTIONS` is the one table: each :class:`Option` has its name, its default, the check that
turns a given value into its setting (or raises a ``ValueError`` that says what to change) and a
one-line doc. :meth:`Settings.from_options` runs every check once, at start-up; the docs test
and the Django settings read the same table.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .categories import DEFAULT_CATEGORIES, Category, check_categories, check_own_cookies
from .cookiedb import check_unknown_cookies
from .option_checks import (
    Network,
    OptionError,
    SecretKey,
    check_cookie_name,
    check_default_locale,
    check_folders,
    check_geolocator,
    check_ip_prefixes,
    check_locales,
    check_max_age,
    check_networks,
    check_on_consent,
    check_policy_updated,
    check_policy_url,
    check_policy_version,
    check_prefix,
    check_records,
    check_retention_days,
    check_secret_keys,
    check_statistics,
    unchanged,
)

if TYPE_CHECKING:
    from .consent import ConsentRecord
    from .location.geo import Geolocator

DEFAULT_MAX_AGE = 182 * 24 * 3600
#: Three years: see docs/records.md, "Retention".
DEFAULT_RECORDS_RETENTION_DAYS = 3 * 365


@dataclass(frozen=True, slots=True)
class Option:
    """One keyword option of both middlewares.

    ``check`` takes the given value (``default`` when the option is left out) and returns the
    setting, or raises ``ValueError``. ``attribute`` is the :class:`Settings` field it fills
    (the option's name unless told). ``shown_default`` is the default as the docs write it
    (Python syntax with double quotes unless told).
    """

    name: str
    default: object
    check: Callable[[Any], object]
    doc: str
    attribute: str = ""
    shown_default: str = ""

    def __post_init__(self) -> None:
        if not self.attribute:
            object.__setattr__(self, "attribute", self.name)
        if not self.shown_default:
            object.__setattr__(self, "shown_default", repr(self.default).replace("'", '"'))


#: Every option, in the order of docs/options.md.
OPTIONS: tuple[Option, ...] = (
    Option(
        "secret_key",
        None,
        check_secret_keys,
        "The key that signs the consent cookie: str or bytes of at least 16 characters, "
        "or a list of them (the last one signs, every one verifies).",
        attribute="secret_keys",
        shown_default="required",
    ),
    Option(
        "policy_version",
        "1",
        check_policy_version,
        "The privacy policy's version; a consent given for another version counts as no choice.",
    ),
    Option(
        "policy_url",
        None,
        check_policy_url,
        "Link to the privacy policy, shown in the banner and on the preferences page.",
    ),
    Option(
        "policy_updated",
        None,
        check_policy_updated,
        "A datetime.date shown as the policy's last update, in the visitor's language.",
    ),
    Option(
        "categories",
        DEFAULT_CATEGORIES,
        check_categories,
        "The consent categories: a sequence of Category, or the names of built-in ones.",
        shown_default="DEFAULT_CATEGORIES",
    ),
    Option(
        "cookie_name",
        "consentkit",
        check_cookie_name,
        "The consent cookie's name, without the __Host- prefix that consentkit adds over HTTPS.",
    ),
    Option(
        "max_age",
        DEFAULT_MAX_AGE,
        check_max_age,
        "How long a choice (a refusal too) is kept, in seconds; at most 400 days.",
        shown_default=f"{DEFAULT_MAX_AGE // 86400} days ({DEFAULT_MAX_AGE})",
    ),
    Option(
        "prefix",
        "/_consent",
        check_prefix,
        "Where consentkit's endpoints live; requests under it never reach the app.",
    ),
    Option(
        "default_locale",
        "th",
        check_default_locale,
        "The banner language when neither the visitor's choice nor Accept-Language matches; "
        "must be in locales.",
    ),
    Option(
        "locales",
        ("th", "en"),
        check_locales,
        "The banner languages, in the order of the language switch.",
    ),
    Option(
        "template_dirs",
        (),
        check_folders("template_dirs"),
        "Folders searched before the built-in templates; each must exist.",
    ),
    Option(
        "locale_dirs",
        (),
        check_folders("locale_dirs"),
        "Folders of extra or replacement .po catalogs, searched before the built-in ones; "
        "each must exist.",
    ),
    Option(
        "honor_gpc",
        True,
        bool,
        "A request with Sec-GPC: 1 refuses every gpc_opt_out category, whatever the stored choice.",
    ),
    Option(
        "trusted_proxies",
        (),
        check_networks,
        "Addresses or networks of your reverse proxies, the only ones whose forwarding headers "
        "are believed.",
    ),
    Option(
        "geolocator",
        "auto",
        check_geolocator,
        "Where consent.location comes from; consulted only for visitors who granted location.",
    ),
    Option(
        "statistics",
        None,
        check_statistics,
        "Where location statistics (page views per day and country) are counted: the path "
        "of an SQLite file (or sqlite:///path), whose folder must exist and the server must "
        "be able to create files in, or a postgresql:// URL (several hosts, one set of counts; "
        "pip install 'consentkit[postgres]').",
    ),
    Option(
        "contact",
        None,
        unchanged,
        "An e-mail address, URL or text shown on the preferences page for questions and "
        "deletion requests.",
    ),
    Option(
        "on_consent",
        None,
        check_on_consent,
        "A function or a coroutine function called with a ConsentRecord each time a visitor "
        "records a choice.",
    ),
    Option(
        "records",
        None,
        check_records,
        "Where each choice is recorded, signed, before its response: a path or sqlite:///path "
        "(embedded), or postgresql://... (many app instances).",
    ),
    Option(
        "records_retention_days",
        DEFAULT_RECORDS_RETENTION_DAYS,
        check_retention_days,
        "How long consentkit records prune keeps records, in days; the latest record of a "
        "consent still in force is always kept.",
        shown_default=f"{DEFAULT_RECORDS_RETENTION_DAYS} (3 years)",
    ),
    Option(
        "mask_client_ip",
        True,
        bool,
        "Without location granted, the app itself sees only the truncated client address.",
    ),
    Option(
        "ip_prefixes",
        (24, 48),
        check_ip_prefixes,
        "How much of an address survives truncation, as (IPv4, IPv6) prefix lengths; finer "
        "than /24 and /48 is refused.",
    ),
    Option(
        "cookie_database",
        True,
        bool,
        "A cookie that no category names goes into the category the Open Cookie Database gives it.",
    ),
    Option(
        "unknown_cookies",
        "allow",
        check_unknown_cookies,
        'A cookie that neither a category nor the database knows: "allow" (kept, logged once) '
        'or "block" (always removed).',
    ),
)
_BY_NAME = {option.name: option for option in OPTIONS}


def option(name: str) -> Option:
    """The option called ``name``; a ``TypeError`` naming the nearest one if there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise TypeError(f"unknown consentkit option {name!r}; {did_you_mean(name)}") from None


def did_you_mean(name: str) -> str:
    """A hint for a misspelt option: the nearest option's name, or else all of them."""
    nearest = nearest_option(name)
    if nearest is not None:
        return f"did you mean {nearest!r}?"
    return f"the options are {', '.join(sorted(_BY_NAME))}."


def nearest_option(name: str) -> str | None:
    """The name of the option nearest to the misspelt ``name``, or ``None``."""
    nearest = difflib.get_close_matches(name, _BY_NAME, n=1)
    return nearest[0] if nearest else None


def _check_together(values: dict[str, Any]) -> None:
    """The rules that tie one option to another."""
    if values["default_locale"] not in values["locales"]:
        raise OptionError(
            "default_locale",
            f"default_locale {values['default_locale']!r} is not in locales "
            f"{values['locales']!r}; add it.",
        )
    try:
        check_own_cookies(values["categories"], values["cookie_name"])
    except ValueError as error:
        raise OptionError("categories", str(error)) from None


@dataclass(frozen=True, slots=True)
class Settings:
    """The validated options of one middleware instance. Build with :meth:`from_options`.

    A field per :data:`OPTIONS` entry (``secret_key`` gives ``secret_keys``), then the values
    derived from them, computed once here so the hot path reads a plain attribute.
    """

    secret_keys: tuple[SecretKey, ...]
    policy_version: str
    policy_url: str | None
    policy_updated: datetime.date | None
    categories: tuple[Category, ...]
    cookie_name: str
    max_age: int
    prefix: str
    default_locale: str
    locales: tuple[str, ...]
    template_dirs: tuple[Path, ...]
    locale_dirs: tuple[Path, ...]
    honor_gpc: bool
    trusted_proxies: tuple[Network, ...]
    geolocator: Geolocator | None
    statistics: Path | str | None
    contact: str | None
    on_consent: Callable[[ConsentRecord], object] | None
    records: str | None
    records_retention_days: int
    mask_client_ip: bool
    ip_prefixes: tuple[int, int]
    cookie_database: bool
    unknown_cookies: str

    #: The cookie that remembers the banner language the visitor picked.
    language_cookie_name: str = field(init=False)
    #: Category names in their configured order.
    category_names: tuple[str, ...] = field(init=False)
    #: Names of the categories that are always on.
    required_names: frozenset[str] = field(init=False)
    #: Names of the categories a visitor chooses, in order.
    optional_names: tuple[str, ...] = field(init=False)
    #: Names of the categories that ``Sec-GPC: 1`` refuses (``gpc_opt_out``, not required).
    gpc_refused_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        categories = self.categories
        derived = {
            "language_cookie_name": self.cookie_name + "_lang",
            "category_names": tuple(c.name for c in categories),
            "required_names": frozenset(c.name for c in categories if c.required),
            "optional_names": tuple(c.name for c in categories if not c.required),
            "gpc_refused_names": frozenset(
                c.name for c in categories if c.gpc_opt_out and not c.required
            ),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_options(cls, **options: Any) -> Settings:
        """Validate the middleware options; raise ``ValueError`` naming what to change (an
        :class:`~consentkit.option_checks.OptionError`, whose ``option`` is the option's name).

        An option not in :data:`OPTIONS` is a ``TypeError`` (as for any unknown keyword
        argument) that names the nearest option.
        """
        for name in options:
            option(name)
        values: dict[str, Any] = {}
        for o in OPTIONS:
            try:
                values[o.attribute] = o.check(options.get(o.name, o.default))
            except ValueError as error:
                raise OptionError(o.name, str(error)) from None
        _check_together(values)
        return cls(**values)
