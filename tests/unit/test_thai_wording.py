"""Thai that reads naturally: the Royal Institute's spacing around ไม้ยมก (ๆ) in every catalog and
in the demo's own text, a cookie table whose "Party" column is not named with the word for
"category", and the demo's consent table in words, not the categories' raw keys."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po

from consentkit.demo import TEXT, build_app
from consentkit.i18n import BUILTIN_LOCALES, Catalogs
from consentkit.options import Settings

KEY = "กุญแจทดสอบถ้อยคำภาษาไทย-wording-key-0123456789"
CATALOGS = sorted(BUILTIN_LOCALES.glob("*/LC_MESSAGES/*.po"))
#: The words the Thai catalog uses for "category" (a cookie category).
CATEGORY_WORDS = ("ประเภท", "หมวด")
#: ๆ stands one space from the word it repeats and one space from what follows (the Royal
#: Institute's rule); only the end of the text or closing punctuation may follow it directly.
BADLY_SPACED_MAI_YAMOK = re.compile(r"(?<! )ๆ|  ๆ|ๆ(?![ )\]”’\"',.:;!?]|$)")


def translations(po: Path) -> list[str]:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    return [message.string for message in catalog if message.id and isinstance(message.string, str)]


def badly_spaced(text: str) -> list[str]:
    return [
        text[max(0, m.start() - 8) : m.end() + 8] for m in BADLY_SPACED_MAI_YAMOK.finditer(text)
    ]


def test_the_spacing_check_finds_what_it_should() -> None:
    assert badly_spaced("ไม่มีส่วนที่ไม่จำเป็นใดๆ") != []
    assert badly_spaced("ใด ๆเลย") != []
    assert badly_spaced("ใด  ๆ ") != []
    assert badly_spaced("ใด ๆ ที่") == [] and badly_spaced("คร่าว ๆ (ประเทศ)") == []
    assert badly_spaced("ไม่มีใด ๆ") == [] and badly_spaced("ต่าง ๆ, และ") == []


@pytest.mark.parametrize("po", CATALOGS, ids=lambda po: po.parent.parent.name)
def test_mai_yamok_is_spaced_as_the_royal_institute_writes_it(po: Path) -> None:
    assert [bad for text in translations(po) for bad in badly_spaced(text)] == []


def test_the_demo_text_is_spaced_the_same_way() -> None:
    assert [bad for text in TEXT["th"].values() for bad in badly_spaced(text)] == []


def test_party_is_not_named_with_the_word_for_category() -> None:
    th = Catalogs(Settings.from_options(secret_key=KEY)).translations("th")
    category_word = th.gettext("Cookies in this category")
    assert any(word in category_word for word in CATEGORY_WORDS)  # the check below means something
    party = th.gettext("Party")
    assert party != "Party"
    assert not any(word in party for word in CATEGORY_WORDS), party


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("th", "คุกกี้ที่จำเป็น, คุกกี้เพื่อการวิเคราะห์, คุกกี้เพื่อการตลาด"),
        ("en", "Strictly necessary, Statistics, Marketing"),
    ],
)
def test_the_demo_names_granted_categories_in_the_visitors_language(
    language: str, labels: str
) -> None:
    transport = httpx.ASGITransport(app=build_app(KEY))

    async def visit() -> str:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            chosen = await c.post(
                "/_consent",
                data={"choice": "save", "categories": ["analytics", "marketing"]},
                headers={"origin": "http://testserver", "accept-language": language},
            )
            assert chosen.status_code == 303
            return (await c.get("/", headers={"accept-language": language})).text

    page = asyncio.run(visit())
    granted = re.search(r'<td id="granted">([^<]*)</td>', page)
    assert granted is not None
    assert granted.group(1) == labels
    assert "necessary" not in granted.group(1).split(", ")
