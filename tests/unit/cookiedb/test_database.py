"""The shipped Open Cookie Database: what scripts/build-cookie-database builds, with its
licence and source commit, and its lookups (exact names, then the longest wildcard prefix)."""

from __future__ import annotations

import gzip
import importlib.machinery
import importlib.util
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

from consentkit.cookiedb.database import CookieDatabase, load

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "data" / "open-cookie-database"  # the copy the shipped file is built from
SHIPPED = resources.files("consentkit.cookiedb")


def _script() -> ModuleType:
    path = str(ROOT / "scripts" / "build-cookie-database")
    loader = importlib.machinery.SourceFileLoader("build_cookie_database", path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_the_shipped_file_is_what_the_script_builds_from_the_csv() -> None:
    script = _script()
    built = script.build(SOURCE)
    shipped = gzip.decompress(SHIPPED.joinpath("data.json.gz").read_bytes())
    assert shipped == built
    assert SHIPPED.joinpath("LICENSE").read_bytes() == (SOURCE / "LICENSE").read_bytes()
    assert SHIPPED.joinpath("SOURCE").read_text(encoding="utf-8") == script.source_note(built)


def test_a_repeated_name_keeps_its_most_restrictive_category() -> None:
    script = _script()
    header = (
        "ID,Platform,Category,Cookie / Data Key name,Domain,Description,Retention period,"
        "Data Controller,User Privacy & GDPR Rights Portals,Wildcard match\n"
    )
    rows = "1,A,Functional,tok,,first,1 day,A,,0\n2,B,Marketing,tok,,second,2 days,B,,0\n"
    database = CookieDatabase(__import__("json").loads(script.compile_csv(header + rows, "0" * 40)))
    entry = database.lookup("tok")
    assert entry is not None and (entry.category, entry.provider) == ("Marketing", "B")


def test_the_licence_and_commit_ship_in_the_package() -> None:
    assert "Apache License" in SHIPPED.joinpath("LICENSE").read_text(encoding="utf-8")
    assert load().commit == "0ee5a17fe1cb002943f89370d24fc26a4226061c"
    assert "0ee5a17fe1cb002943f89370d24fc26a4226061c" in SHIPPED.joinpath("SOURCE").read_text()
    assert len(load()) > 2000


def test_it_is_loaded_once() -> None:
    assert load() is load()


@pytest.mark.parametrize(
    ("name", "listed", "wildcard", "category"),
    [
        ("_clck", "_clck", False, "Analytics"),
        ("_uetsid", "_uetsid", False, "Marketing"),
        ("_ttp", "_ttp", False, "Marketing"),
        ("hubspotutk", "hubspotutk", False, "Marketing"),
        ("_pk_id.1.abcd", "_pk_id.", True, "Analytics"),
        ("_dc_gtm_UA-1", "_dc_gtm_", True, "Analytics"),
        ("_gac_gb_UA-1", "_gac_gb_", True, "Marketing"),  # longer than the _gac_ prefix
    ],
)
def test_lookup(name: str, listed: str, wildcard: bool, category: str) -> None:
    entry = load().lookup(name)
    assert entry is not None
    assert (entry.name, entry.wildcard, entry.category) == (listed, wildcard, category)
    assert entry.purpose and entry.provider


def test_an_unlisted_name_is_none_and_prefixes_can_be_left_out() -> None:
    assert load().lookup("ตะกร้าสินค้า") is None
    assert load().lookup("_pk_id.1.abcd", prefixes=False) is None
