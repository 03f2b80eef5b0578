"""Start-up checks that stop a misconfigured site before it serves: a statistics folder the
server cannot write in, and messages that never echo a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware
from consentkit.options import Settings

KEY = "กุญแจลับของร้านกาแฟ-0123456789abcdef"


@pytest.mark.parametrize("middleware", [ConsentMiddleware, ConsentWSGIMiddleware])
def test_the_statistics_folder_is_tried_for_real_at_start_up(
    middleware: type, unwritable_folder: Path, tmp_path: Path
) -> None:
    """A folder that refuses a new file is a ValueError naming it; a writable one passes, and
    the try leaves nothing behind."""
    path = unwritable_folder / "stats.sqlite3"
    with pytest.raises(ValueError, match="cannot create a file in the folder") as raised:
        middleware(lambda *a: None, secret_key=KEY, statistics=path)
    assert repr(str(unwritable_folder)) in str(raised.value)
    assert not path.exists()
    writable = tmp_path / "ที่เขียนได้"
    writable.mkdir()
    settings = Settings.from_options(secret_key=KEY, statistics=writable / "stats.sqlite3")
    assert settings.statistics == writable / "stats.sqlite3"
    assert list(writable.iterdir()) == []


def test_a_file_where_the_folder_should_be_is_named(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "บันทึก.txt"
    not_a_folder.write_text("ไม่ใช่โฟลเดอร์", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a folder") as raised:
        Settings.from_options(secret_key=KEY, statistics=not_a_folder / "stats.sqlite3")
    assert str(not_a_folder) in str(raised.value)


def test_a_refused_option_names_itself() -> None:
    from consentkit.option_checks import OptionError

    with pytest.raises(OptionError) as raised:
        Settings.from_options(secret_key="สั้นไป")
    assert raised.value.option == "secret_key" and isinstance(raised.value, ValueError)
    with pytest.raises(OptionError) as raised:
        Settings.from_options(secret_key=KEY, locales=("en",))
    assert raised.value.option == "default_locale"


def test_a_key_of_the_wrong_type_is_not_echoed() -> None:
    """Start-up messages reach logs (and the log of a server that refused to start)."""
    with pytest.raises(ValueError, match="not int") as raised:
        Settings.from_options(secret_key=[KEY, 31415926535897932384626])
    assert "31415926535897932384626" not in str(raised.value)
