"""Options, categories and their validation.

Every option both middlewares take is checked here, once, at start-up; a bad one is a
``ValueError`` that says what to change.
"""

from __future__ import annotations

import datetime
import fnmatch
import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .consent import ConsentRecord
    from .location.geo import Geolocator

SecretKey = str | bytes

_CATEGORY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_POLICY_VERSION = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_COOKIE_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$")
_COOKIE_PATTERN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z?\[\]]{1,64}$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2}|_[A-Z][a-z]{3})?$")

MIN_SECRET_KEY_LENGTH = 16
MAX_AGE_LIMIT = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days
DEFAULT_MAX_AGE = 182 * 24 * 3600
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


class CookieClassifier:
    """Maps a cookie name to the category that claims it (exact names before patterns)."""

    def __init__(self, categories: tuple[Category, ...]) -> None:
        self._exact: dict[str, Category] = {}
        self._patterns: list[tuple[re.Pattern[str], Category]] = []
        for category in categories:
            for cookie in category.cookies:
                if any(ch in cookie for ch in "*?["):
                    self._patterns.append((re.compile(fnmatch.translate(cookie)), category))
                else:
                    self._exact[cookie] = category
        self._cache: dict[str, Category | None] = {}

    def category_of(self, name: str) -> Category | None:
        """The category of cookie ``name``, or ``None`` for a cookie no category claims."""
        try:
            return self._cache[name]
        except KeyError:
            pass
        category = self._exact.get(name)
        if category is None:
            for pattern, candidate in self._patterns:
                if pattern.match(name):
                    category = candidate
                    break
        if len(self._cache) < 4096:  # names are few; never grow without bound
            self._cache[name] = category
        return category


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("necessary", required=True),
    Category("functional"),
    Category("analytics", cookies=("_ga", "_ga_*", "_gid", "_gat*")),
    Category("location"),
    Category("marketing", cookies=("_fbp", "_gcl_*"), gpc_opt_out=True),
)
_DEFAULTS_BY_NAME = {category.name: category for category in DEFAULT_CATEGORIES}


def _secret_keys(value: Any) -> tuple[SecretKey, ...]:
    if value is None:
        raise ValueError(
            "consentkit needs secret_key=...: a long random string that signs the consent "
            "cookie. Generate one with `consentkit keygen` and keep it out of source control."
        )
    keys = (value,) if isinstance(value, (str, bytes)) else tuple(value)
    if not keys:
        raise ValueError("secret_key is an empty list: give at least one key (newest last).")
    for key in keys:
        if not isinstance(key, (str, bytes)):
            raise ValueError(f"secret_key must be str or bytes (or a list of them), not {key!r}.")
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"secret_key is too short ({len(key)} characters); use at least "
                f"{MIN_SECRET_KEY_LENGTH}, ideally 32 random bytes from `consentkit keygen`."
            )
    return keys


def _categories(value: Iterable[Category | str]) -> tuple[Category, ...]:
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


def _networks(value: Iterable[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    if isinstance(value, str):
        value = (value,)
    networks = []
    for item in value:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"trusted_proxies: {item!r} is not an IP address or network "
                "(e.g. '10.0.0.1' or '10.0.0.0/8')."
            ) from None
    return tuple(networks)


def _ip_prefixes(value: Any) -> tuple[int, int]:
    from .location.ip import IPV4_PREFIX, IPV6_PREFIX

    try:
        if isinstance(value, (str, bytes)):
            raise TypeError
        ipv4, ipv6 = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"ip_prefixes must be two numbers (IPv4, IPv6) such as (24, 48), not {value!r}."
        ) from None
    if not (0 <= ipv4 <= IPV4_PREFIX and 0 <= ipv6 <= IPV6_PREFIX):
        raise ValueError(
            f"ip_prefixes {value!r}: truncate to at most /{IPV4_PREFIX} (IPv4) and "
            f"/{IPV6_PREFIX} (IPv6); a finer prefix identifies visitors. Coarser is fine."
        )
    return ipv4, ipv6


def _locales(default_locale: str, locales: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    if isinstance(locales, str):
        locales = (locales,)
    normalised = tuple(str(locale).replace("-", "_") for locale in locales)
    for locale in normalised:
        if not _LOCALE.match(locale):
            raise ValueError(
                f"locales: {locale!r} is not a locale identifier such as 'th' or 'en'."
            )
    if not normalised:
        raise ValueError("locales is empty: give at least one banner language, e.g. ('th', 'en').")
    default = str(default_locale).replace("-", "_")
    if default not in normalised:
        raise ValueError(
            f"default_locale {default_locale!r} is not in locales {tuple(locales)!r}; add it."
        )
    return default, normalised


@dataclass(frozen=True)
class Settings:
    """The validated options of one middleware instance. Build with :meth:`from_options`."""

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
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    geolocator: Geolocator | None
    statistics: Path | None
    contact: str | None
    on_consent: Callable[[ConsentRecord], object] | None
    mask_client_ip: bool
    ip_prefixes: tuple[int, int]

    @property
    def language_cookie_name(self) -> str:
        """The cookie that remembers the banner language the visitor picked."""
        return self.cookie_name + "_lang"

    @property
    def category_names(self) -> tuple[str, ...]:
        """Category names in their configured order."""
        return tuple(category.name for category in self.categories)

    @property
    def required_names(self) -> frozenset[str]:
        """Names of the categories that are always on."""
        return frozenset(c.name for c in self.categories if c.required)

    @property
    def optional_names(self) -> tuple[str, ...]:
        """Names of the categories a visitor chooses, in order."""
        return tuple(c.name for c in self.categories if not c.required)

    @classmethod
    def from_options(
        cls,
        *,
        secret_key: SecretKey | Sequence[SecretKey] | None = None,
        policy_version: str = "1",
        policy_url: str | None = None,
        policy_updated: datetime.date | None = None,
        categories: Sequence[Category | str] = DEFAULT_CATEGORIES,
        cookie_name: str = "consentkit",
        max_age: int = DEFAULT_MAX_AGE,
        prefix: str = "/_consent",
        default_locale: str = "th",
        locales: Sequence[str] = ("th", "en"),
        template_dirs: Sequence[str | Path] = (),
        locale_dirs: Sequence[str | Path] = (),
        honor_gpc: bool = True,
        trusted_proxies: Sequence[str] = (),
        geolocator: Any = "auto",
        statistics: str | Path | None = None,
        contact: str | None = None,
        on_consent: Callable[[ConsentRecord], object] | None = None,
        mask_client_ip: bool = True,
        ip_prefixes: tuple[int, int] = (24, 48),
    ) -> Settings:
        """Validate the middleware options; raise ``ValueError`` naming what to change."""
        keys = _secret_keys(secret_key)
        policy_version = str(policy_version)
        if not _POLICY_VERSION.match(policy_version):
            raise ValueError(
                f"policy_version {policy_version!r} must be 1 to 64 letters, digits or . _ : - "
                "(e.g. '2026-11-01' or '3')."
            )
        if policy_updated is not None and not isinstance(policy_updated, datetime.date):
            raise ValueError(
                f"policy_updated must be a datetime.date, not {policy_updated!r}; "
                "e.g. datetime.date(2026, 11, 1)."
            )
        if isinstance(policy_updated, datetime.datetime):
            policy_updated = policy_updated.date()
        if policy_url is not None and not isinstance(policy_url, str):
            raise ValueError(f"policy_url must be a string URL, not {policy_url!r}.")
        if not isinstance(cookie_name, str) or not _COOKIE_NAME.match(cookie_name):
            raise ValueError(f"cookie_name {cookie_name!r} is not a valid cookie name.")
        if cookie_name.startswith(("__Host-", "__Secure-")):
            raise ValueError(
                f"cookie_name {cookie_name!r}: give the name without the __Host- prefix; "
                "consentkit adds it over HTTPS."
            )
        if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age <= 0:
            raise ValueError(f"max_age must be a positive number of seconds, not {max_age!r}.")
        if max_age > MAX_AGE_LIMIT:
            raise ValueError(
                f"max_age {max_age} is more than 400 days ({MAX_AGE_LIMIT} s), the longest "
                "browsers keep a cookie and longer than regulators accept for a consent; "
                "lower it (the default is 182 days)."
            )
        prefix = str(prefix).rstrip("/")
        if not _PREFIX.match(prefix):
            raise ValueError(
                f"prefix {prefix!r} must be a path such as '/_consent' (letters, digits, . _ ~ -)."
            )
        default_locale, locales = _locales(default_locale, locales)
        if isinstance(template_dirs, (str, Path)):
            template_dirs = (template_dirs,)
        if isinstance(locale_dirs, (str, Path)):
            locale_dirs = (locale_dirs,)
        template_paths = tuple(Path(d) for d in template_dirs)
        locale_paths = tuple(Path(d) for d in locale_dirs)
        for path in (*template_paths, *locale_paths):
            if not path.is_dir():
                raise ValueError(f"template_dirs/locale_dirs: {str(path)!r} is not a folder.")
        categories_tuple = _categories(categories)
        all_cookies = [p for c in categories_tuple for p in c.cookies]
        for own in (cookie_name, cookie_name + "_lang", "__Host-" + cookie_name):
            for pattern in all_cookies:
                if fnmatch.fnmatchcase(own, pattern):
                    raise ValueError(
                        f"Cookie pattern {pattern!r} matches consentkit's own cookie {own!r}; "
                        "narrow the pattern."
                    )
        if on_consent is not None and not callable(on_consent):
            raise ValueError(
                f"on_consent must be a function taking a ConsentRecord, not {on_consent!r}."
            )
        statistics_path = Path(statistics) if statistics is not None else None
        if statistics_path is not None and not statistics_path.parent.is_dir():
            raise ValueError(
                f"statistics: the folder of {str(statistics_path)!r} does not exist; create it."
            )
        from .location.geo import resolve_geolocator

        return cls(
            secret_keys=keys,
            policy_version=policy_version,
            policy_url=policy_url,
            policy_updated=policy_updated,
            categories=categories_tuple,
            cookie_name=cookie_name,
            max_age=max_age,
            prefix=prefix,
            default_locale=default_locale,
            locales=locales,
            template_dirs=template_paths,
            locale_dirs=locale_paths,
            honor_gpc=bool(honor_gpc),
            trusted_proxies=_networks(trusted_proxies),
            geolocator=resolve_geolocator(geolocator),
            statistics=statistics_path,
            contact=contact,
            on_consent=on_consent,
            mask_client_ip=bool(mask_client_ip),
            ip_prefixes=_ip_prefixes(ip_prefixes),
        )
