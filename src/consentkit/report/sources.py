"""Reading the report's inputs: consent records (a records store, or a JSON Lines export),
location statistics (the statistics SQLite file) and the site's categories (``MODULE:NAME``).
Every problem is a ``ValueError`` that says what to give instead; nothing is created or
changed."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path

from ..categories import Category
from ..location.stats import StatisticsRow, read_statistics
from .aggregate import ConsentRecord

_SQLITE_MAGIC = b"SQLite format 3\x00"
_URL_SCHEMES = ("postgresql://", "postgres://", "sqlite://")


def _sqlite_file(value: str) -> Path | None:
    """The file of an ``sqlite:///path`` value (``None`` for anything else)."""
    if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
        return Path(value[len("sqlite:///") :])
    return None


def read_jsonl(path: Path) -> Iterator[ConsentRecord]:
    """The records of a ``consentkit records export`` JSON Lines file (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
                yield ConsentRecord.from_mapping(row)
            except ValueError as error:
                raise ValueError(f"{path}, line {number}: {error}") from None


def _read_store(value: str) -> list[ConsentRecord]:
    try:
        records = importlib.import_module("consentkit.records")
    except ImportError:
        raise ValueError(
            f"{value!r} is a records store, and this consentkit cannot read records stores "
            "yet; give a JSON Lines file of `consentkit records export` instead"
        ) from None
    store = records.open_store(value)  # read-only without a signer
    try:
        return [ConsentRecord.from_mapping(row.as_json()) for row in store.records()]
    except ValueError:
        raise
    except Exception as error:  # the store's driver errors (sqlite3, psycopg) differ
        raise ValueError(f"records: cannot read {value!r}: {error}") from None
    finally:
        store.close()


def read_records(value: str) -> list[ConsentRecord]:
    """The records ``value`` names: a records store (a path to its SQLite file,
    ``sqlite:///path`` or ``postgresql://…``) or a JSON Lines export (any other existing file)."""
    if value.startswith(("postgresql://", "postgres://")):
        return _read_store(value)
    path = _sqlite_file(value) or Path(value)
    if "://" in value and not value.startswith("sqlite:///"):
        raise ValueError(
            f"records: {value!r} is neither a file, sqlite:///path nor postgresql://..."
        )
    if not path.is_file():
        # Opening a store creates it: a report must not leave an empty store behind a typo.
        raise ValueError(f"records: no file at {str(path)!r}")
    with path.open("rb") as handle:
        is_sqlite = handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    if is_sqlite or value.startswith("sqlite:///"):
        return _read_store(value)
    return list(read_jsonl(path))


def read_statistics_store(value: str) -> list[StatisticsRow]:
    """The rows of the statistics store ``value`` names (a path or ``sqlite:///path``)."""
    if value.startswith(_URL_SCHEMES) and _sqlite_file(value) is None:
        raise ValueError(
            f"statistics: {value!r} is not a statistics file; give its path or sqlite:///path"
        )
    return read_statistics(_sqlite_file(value) or Path(value))


def read_categories(target: str) -> tuple[Category, ...]:
    """The sequence of :class:`~consentkit.categories.Category` that ``target``
    (``package.module:NAME``, as the site passes to ``categories=``) names."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(
            f"categories: write MODULE:NAME (e.g. mysite.consent:CATEGORIES), not {target!r}"
        )
    try:
        value = getattr(importlib.import_module(module_name), attribute)
    except ImportError as error:
        raise ValueError(f"categories: cannot import {module_name!r} ({error})") from None
    except AttributeError:
        raise ValueError(f"categories: {module_name!r} has no {attribute!r}") from None
    categories = tuple(value) if isinstance(value, list | tuple) else ()
    if not categories or not all(isinstance(c, Category) for c in categories):
        raise ValueError(f"categories: {target} is not a list of consentkit Category objects")
    return categories
