"""The check of each option: it takes what the user gave and returns the setting.

A value that will not do is a ``ValueError`` that says what to change. The table that names
each option, its default and its check is :data:`consentkit.options.OPTIONS`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .consent import ConsentRecord
    from .location.geo import Geolocator

SecretKey = str | bytes
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_POLICY_VERSION = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_COOKIE_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2}|_[A-Z][a-z]{3})?$")


class OptionError(ValueError):
    """A value given for an option will not do: the message says what to change, and
    :attr:`option` names the option (or the first of two that do not go together)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        #: The option's name, as the middlewares take it.
        self.option = option


MIN_SECRET_KEY_LENGTH = 16
MAX_AGE_LIMIT = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days


def check_secret_keys(value: Any) -> tuple[SecretKey, ...]:
    """``secret_key``: one key or a list of them, each long enough."""
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
            # The type only: the value may be the key itself, and messages reach logs.
            raise ValueError(
                f"secret_key must be str or bytes (or a list of them), not {type(key).__name__}."
            )
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"secret_key is too short ({len(key)} characters); use at least "
                f"{MIN_SECRET_KEY_LENGTH}, ideally 32 random bytes from `consentkit keygen`."
            )
    return keys


def check_policy_version(value: Any) -> str:
    """``policy_version``: a short token the consent cookie can carry."""
    version = str(value)
    if not _POLICY_VERSION.match(version):
        raise ValueError(
            f"policy_version {version!r} must be 1 to 64 letters, digits or . _ : - "
            "(e.g. '2026-11-01' or '3')."
        )
    return version


def check_policy_url(value: Any) -> str | None:
    """``policy_url``: a URL string or ``None``."""
    if value is not None and not isinstance(value, str):
        raise ValueError(f"policy_url must be a string URL, not {value!r}.")
    return value


def check_policy_updated(value: Any) -> datetime.date | None:
    """``policy_updated``: a date (a ``datetime`` is reduced to its date) or ``None``."""
    if value is not None and not isinstance(value, datetime.date):
        raise ValueError(
            f"policy_updated must be a datetime.date, not {value!r}; "
            "e.g. datetime.date(2026, 11, 1)."
        )
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def check_cookie_name(value: Any) -> str:
    """``cookie_name``: a cookie name without the ``__Host-`` prefix."""
    if not isinstance(value, str) or not _COOKIE_NAME.match(value):
        raise ValueError(f"cookie_name {value!r} is not a valid cookie name.")
    if value.startswith(("__Host-", "__Secure-")):
        raise ValueError(
            f"cookie_name {value!r}: give the name without the __Host- prefix; "
            "consentkit adds it over HTTPS."
        )
    return value


def check_max_age(value: Any) -> int:
    """``max_age``: positive seconds, at most 400 days."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"max_age must be a positive number of seconds, not {value!r}.")
    if value > MAX_AGE_LIMIT:
        raise ValueError(
            f"max_age {value} is more than 400 days ({MAX_AGE_LIMIT} s), the longest "
            "browsers keep a cookie and longer than regulators accept for a consent; "
            "lower it (the default is 182 days)."
        )
    return value


def check_prefix(value: Any) -> str:
    """``prefix``: a path, without its trailing slash."""
    prefix = str(value).rstrip("/")
    if not _PREFIX.match(prefix):
        raise ValueError(
            f"prefix {prefix!r} must be a path such as '/_consent' (letters, digits, . _ ~ -)."
        )
    return prefix


def check_default_locale(value: Any) -> str:
    """``default_locale``: a locale id, ``-`` read as ``_`` (that it is in ``locales`` is
    checked once both are known)."""
    return str(value).replace("-", "_")


def check_locales(value: Any) -> tuple[str, ...]:
    """``locales``: at least one locale id, ``-`` read as ``_``."""
    locales = (value,) if isinstance(value, str) else value
    normalised = tuple(str(locale).replace("-", "_") for locale in locales)
    for locale in normalised:
        if not _LOCALE.match(locale):
            raise ValueError(
                f"locales: {locale!r} is not a locale identifier such as 'th' or 'en'."
            )
    if not normalised:
        raise ValueError("locales is empty: give at least one banner language, e.g. ('th', 'en').")
    return normalised


def check_folders(option: str) -> Callable[[Any], tuple[Path, ...]]:
    """``template_dirs`` and ``locale_dirs``: the check of option ``option``, folders that exist."""

    def check(value: Any) -> tuple[Path, ...]:
        paths = (Path(value),) if isinstance(value, (str, Path)) else tuple(map(Path, value))
        for path in paths:
            if not path.is_dir():
                raise ValueError(f"{option}: {str(path)!r} is not a folder.")
        return paths

    return check


def check_networks(value: Any) -> tuple[Network, ...]:
    """``trusted_proxies``: addresses or networks."""
    items: Iterable[Any] = (value,) if isinstance(value, str) else value
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"trusted_proxies: {item!r} is not an IP address or network "
                "(e.g. '10.0.0.1' or '10.0.0.0/8')."
            ) from None
    return tuple(networks)


def check_geolocator(value: Any) -> Geolocator | None:
    """``geolocator``: see :func:`consentkit.location.geo.resolve_geolocator`."""
    from .location.geo import resolve_geolocator  # its providers load only when configured

    return resolve_geolocator(value)


def check_statistics(value: Any) -> Path | str | None:
    """``statistics``: the path of a file in a folder the server can create files in (SQLite
    creates the file, and its journal beside it), or ``sqlite:///`` and that path; a
    ``postgresql://`` URL psycopg can read (kept as the string); or ``None``."""
    if value is None:
        return None
    from .postgresql import check_url, is_postgresql_url

    if is_postgresql_url(value):
        return check_url("statistics", value)
    if isinstance(value, str) and value.startswith("sqlite:///"):
        value = value[len("sqlite:///") :]  # sqlite:///relative, sqlite:////absolute
    elif isinstance(value, str) and "://" in value:
        raise ValueError(
            f"statistics: unknown store {value.split('://')[0]!r}://; give a file path, "
            "sqlite:///path or postgresql://user:password@host/database"
        )
    path = Path(value)
    folder = path.parent
    if path.is_dir():
        raise ValueError(
            f"statistics: cannot use the folder {str(path)!r} as the statistics file; give "
            f"the path of a file in it, such as {str(path / 'statistics.sqlite3')!r}."
        )
    if not folder.exists():
        raise ValueError(f"statistics: the folder of {str(path)!r} does not exist; create it.")
    if not folder.is_dir():
        raise ValueError(
            f"statistics: {str(folder)!r}, the folder of {str(path)!r}, is not a folder."
        )
    problem = _cannot_create_a_file_in(folder)
    if problem:
        raise ValueError(
            f"statistics: cannot create a file in the folder {str(folder)!r} ({problem}); "
            "let the server's user write there, or give a path in another folder."
        )
    return path


def _cannot_create_a_file_in(folder: Path) -> str:
    """Why a file cannot be created in ``folder``, or ``""``. Tried for real (and removed at
    once): permission bits do not tell, for root, a read-only mount, or access-control lists."""
    try:
        fd, name = tempfile.mkstemp(prefix=".consentkit-check-", dir=folder)
    except OSError as error:
        return error.strerror or type(error).__name__
    os.close(fd)
    os.unlink(name)
    return ""


def check_on_consent(value: Any) -> Callable[[ConsentRecord], object] | None:
    """``on_consent``: a function or ``None``."""
    if value is not None and not callable(value):
        raise ValueError(f"on_consent must be a function taking a ConsentRecord, not {value!r}.")
    function: Callable[[ConsentRecord], object] | None = value
    return function


def check_ip_prefixes(value: Any) -> tuple[int, int]:
    """``ip_prefixes``: (IPv4, IPv6) prefix lengths no finer than the default."""
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


def unchanged(value: Any) -> Any:
    """An option taken as given (``contact``)."""
    return value


def check_records(value: Any) -> str | None:
    """``records``: a path or ``sqlite:///path`` whose folder the server can create files in,
    or a ``postgresql://`` URL (checked when the store opens), or ``None``."""
    if value is None:
        return None
    if not isinstance(value, (str, Path)):
        raise ValueError(
            f"records: {value!r} is not a path or URL; give a file path, sqlite:///path or "
            "postgresql://user:password@host/database."
        )
    from .records.store import sqlite_path

    path = sqlite_path(value)  # a ValueError saying what to write for an unknown scheme
    if path is not None:
        if path.is_dir():
            raise ValueError(
                f"records: {str(path)!r} is a folder; give the path of a file in it, such as "
                f"{str(path / 'consent-records.sqlite3')!r}."
            )
        folder = path.parent
        if not folder.is_dir():
            raise ValueError(f"records: the folder of {str(path)!r} does not exist; create it.")
        problem = _cannot_create_a_file_in(folder)
        if problem:
            raise ValueError(
                f"records: cannot create a file in the folder {str(folder)!r} ({problem}); "
                "let the server's user write there, or give a path in another folder."
            )
    return str(value)


def check_retention_days(value: Any) -> int:
    """``records_retention_days``: a whole number of days, at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"records_retention_days must be a whole number of days (at least 1), not {value!r}."
        )
    return value
