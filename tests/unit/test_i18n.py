"""Catalogs, locale choice and Thai dates."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from consentkit.categories import DEFAULT_CATEGORIES
from consentkit.i18n import BUILTIN_LOCALES, Catalogs, parse_accept_language
from consentkit.options import Settings

from ..support import ROOT

PACKAGE = ROOT / "src" / "consentkit"
KEY = "กุญแจทดสอบภาษา-i18n-key-0123456789"


def settings(**options: object) -> Settings:
    return Settings.from_options(secret_key=KEY, **options)  # type: ignore[arg-type]


def extracted_messages() -> set[str]:
    """Every message in the code and templates, extracted with Babel as babel.cfg says."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    messages = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map
    ):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def catalog_problems(po_path: Path, locale: str, wanted: set[str]) -> list[str]:
    """What is wrong with one catalog: missing, untranslated, fuzzy or badly formatted."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    problems = []
    for message_id in sorted(wanted):
        message = catalog.get(message_id)
        if message is None:
            problems.append(f"missing: {message_id!r}")
        elif not message.string:
            problems.append(f"untranslated: {message_id!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {message_id!r}")
    for message, errors in catalog.check():
        problems.extend(f"{message.id!r}: {error}" for error in errors)
    return problems


def test_extraction_finds_the_templates_and_the_code() -> None:
    messages = extracted_messages()
    assert "Accept all" in messages  # a template
    assert "Strictly necessary" in messages  # i18n.py
    assert "Cookies in this category" in messages  # the shared macros


@pytest.mark.parametrize("locale", ["th", "en"])
def test_no_message_is_missing_from_a_catalog(locale: str) -> None:
    po = BUILTIN_LOCALES / locale / "LC_MESSAGES" / "consentkit.po"
    assert catalog_problems(po, locale, extracted_messages()) == []


def test_a_missing_message_is_caught(tmp_path: Path) -> None:
    source = (BUILTIN_LOCALES / "th" / "LC_MESSAGES" / "consentkit.po").read_text("utf-8")
    cut = source.replace('msgid "Reject all"\nmsgstr "ปฏิเสธทั้งหมด"\n', "")
    assert cut != source
    po = tmp_path / "consentkit.po"
    po.write_text(cut, "utf-8")
    assert catalog_problems(po, "th", extracted_messages()) == ["missing: 'Reject all'"]


def test_thai_catalog_is_thai() -> None:
    th = Catalogs(settings()).translations("th")
    assert th.gettext("Accept all") == "ยอมรับทั้งหมด"
    assert th.gettext("Reject all") == "ปฏิเสธทั้งหมด"
    assert th.gettext("Strictly necessary") == "คุกกี้ที่จำเป็น"


@pytest.mark.parametrize(
    ("chosen", "header", "expected"),
    [
        (None, "th-TH,th;q=0.9,en;q=0.8", "th"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "en-GB", "en"),
        (None, "fr-FR, en;q=0.5", "en"),
        (None, "ja, fr", "th"),  # nothing matches: the default
        (None, "en;q=0.4, th;q=0.8", "th"),
        (None, "th;q=0, en", "en"),
        (None, "", "th"),
        (None, None, "th"),
        (None, ";;;,,q=abc", "th"),
        ("en", "th-TH", "en"),  # the visitor's explicit choice wins
        ("EN", "th-TH", "en"),
        ("th_TH", "en-US", "th"),
        ("fr", "en-US", "en"),  # an unknown remembered choice falls through
    ],
)
def test_locale_choice(chosen: str | None, header: str | None, expected: str) -> None:
    assert Catalogs(settings()).choose(chosen, header) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("th", "th"),
        ("TH", "th"),
        ("th-TH", "th"),
        ("th_TH", "th"),
        ("en-US", "en"),
        ("fr", None),
        ("", None),
        ("ไทย", None),
        ("th\r\nSet-Cookie: x=1", None),
        ("th_TH;q=0.9", None),
    ],
)
def test_a_tag_names_a_configured_locale_or_none(tag: str, expected: str | None) -> None:
    assert Catalogs(settings()).match(tag) == expected


def test_default_locale_is_the_fallback() -> None:
    catalogs = Catalogs(settings(default_locale="en"))
    assert catalogs.choose(None, "de-DE") == "en"
    assert catalogs.choose(None, "th-TH") == "th"


def test_accept_language_order() -> None:
    assert parse_accept_language("th-TH;q=0.8, en-US, fr;q=0.9") == ["en_US", "fr", "th_TH"]


@pytest.mark.parametrize(
    ("date", "thai", "english"),
    [
        (datetime.date(2026, 11, 1), "1 พฤศจิกายน พ.ศ. 2569", "November 1, 2026"),
        (datetime.date(2024, 2, 29), "29 กุมภาพันธ์ พ.ศ. 2567", "February 29, 2024"),
        (datetime.date(2000, 1, 1), "1 มกราคม พ.ศ. 2543", "January 1, 2000"),
    ],
)
def test_thai_dates_are_in_the_buddhist_era(date: datetime.date, thai: str, english: str) -> None:
    catalogs = Catalogs(settings())
    assert catalogs.format_date(date, "th") == thai
    assert catalogs.format_date(date, "en") == english
    assert catalogs.format_date(None, "th") is None


def test_cookie_lifetimes_in_words() -> None:
    catalogs = Catalogs(settings())
    analytics = next(c for c in DEFAULT_CATEGORIES if c.name == "analytics")
    details = {d["name"]: d for d in catalogs.describe_cookies(analytics, "th")}
    assert set(details) == {"_ga", "_ga_*", "_gid", "_gat*"}
    assert details["_ga"]["lifetime"] == "2 ปี"
    assert details["_gid"]["lifetime"] == "1 วัน"
    assert details["_ga"]["party"] == "เว็บไซต์นี้"
    assert catalogs.format_lifetime(None, "en") == "Until you close the browser"
    necessary = next(c for c in DEFAULT_CATEGORIES if c.required)
    own = catalogs.describe_cookies(necessary, "en")
    assert [d["name"] for d in own] == ["consentkit", "consentkit_lang"]
    assert own[0]["lifetime"] == "6 months"


def _write_po(folder: Path, locale: str, translations: dict[str, str]) -> None:
    target = folder / locale / "LC_MESSAGES"
    target.mkdir(parents=True)
    entries = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in translations.items())
    header = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n'
        f'"Language: {locale}\\n"\n\n'
    )
    (target / "consentkit.po").write_text(header + entries, "utf-8")


def test_a_user_adds_a_language_by_dropping_in_a_po(tmp_path: Path) -> None:
    _write_po(tmp_path, "fr", {"Accept all": "Tout accepter", "Reject all": "Tout refuser"})
    catalogs = Catalogs(settings(locales=("th", "en", "fr"), locale_dirs=[tmp_path]))
    assert catalogs.choose(None, "fr-CA,fr;q=0.9") == "fr"
    assert catalogs.translations("fr").gettext("Accept all") == "Tout accepter"
    # Messages the user did not translate fall back to the English message id.
    assert catalogs.translations("fr").gettext("Save my choice") == "Save my choice"
    assert catalogs.language_names()["fr"] == "français"


def test_a_users_catalog_overrides_the_built_in_one(tmp_path: Path) -> None:
    _write_po(tmp_path, "th", {"Accept all": "ยอมรับคุกกี้ทั้งหมด"})
    catalogs = Catalogs(settings(locale_dirs=[tmp_path]))
    assert catalogs.translations("th").gettext("Accept all") == "ยอมรับคุกกี้ทั้งหมด"
