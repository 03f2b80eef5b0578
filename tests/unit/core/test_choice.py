"""parse_choice: the visitor's choice from a form or a JSON body, or the reason for a 400."""

from __future__ import annotations

import json

import pytest

from consentkit.core.choice import CHOICES, Choice, parse_choice

FORM = "application/x-www-form-urlencoded"
CATEGORIES = ("necessary", "functional", "analytics", "location", "marketing")
OPTIONAL = ("functional", "analytics", "location", "marketing")
NEXT = "/เมนู?ขนาด=ใหญ่"


def form(text: str, content_type: str = FORM) -> Choice | str:
    return parse_choice(content_type, text.encode("utf-8"), CATEGORIES)


def as_json(data: object, content_type: str = "application/json") -> Choice | str:
    return parse_choice(content_type, json.dumps(data).encode("utf-8"), CATEGORIES)


# -- forms ---------------------------------------------------------------------------------


def test_the_three_choices() -> None:
    assert frozenset({"accept_all", "reject_all", "save"}) == CHOICES


def test_form_accept_all() -> None:
    assert form("choice=accept_all") == Choice("accept_all", (), None)


def test_form_reject_all_with_next() -> None:
    assert form("choice=reject_all&next=%2F%E0%B9%80%E0%B8%A1%E0%B8%99%E0%B8%B9") == Choice(
        "reject_all", (), "/เมนู"
    )


def test_form_save_with_categories() -> None:
    parsed = form("next=/&categories=analytics&choice=save&categories=marketing")
    assert parsed == Choice("save", ("analytics", "marketing"), "/")


def test_form_with_a_charset_and_an_empty_content_type() -> None:
    expected = Choice("save", ("location",), None)
    assert form("choice=save&categories=location", FORM + "; charset=UTF-8") == expected
    assert form("choice=save&categories=location", "") == expected
    assert form("choice=save&categories=location", " Application/X-WWW-Form-URLEncoded ") == (
        expected
    )


def test_form_repeated_identical_choice_fields() -> None:
    assert form("choice=save&choice=save&categories=analytics") == Choice(
        "save", ("analytics",), None
    )


def test_form_two_different_choices() -> None:
    assert form("choice=accept_all&choice=reject_all") == "the form has more than one choice"


def test_form_without_a_choice() -> None:
    assert form("categories=analytics") == (
        "unknown choice 'None': use accept_all, reject_all or save"
    )


def test_form_unknown_choice() -> None:
    assert form("choice=ยอมรับ") == "unknown choice 'ยอมรับ': use accept_all, reject_all or save"


def test_form_unknown_category() -> None:
    assert form("choice=save&categories=analytics&categories=โฆษณา") == ("unknown category 'โฆษณา'")


def test_an_unknown_category_is_cut_to_40_characters() -> None:
    assert form("choice=save&categories=" + "x" * 100) == f"unknown category {'x' * 40!r}"


def test_form_with_too_many_fields() -> None:
    assert form("&".join(["categories=analytics"] * 201) + "&choice=save") == (
        "the form has too many fields"
    )


def test_a_body_that_is_not_utf_8() -> None:
    body = "choice=save&next=/เมนู".encode("cp874")  # Thai, but in the Windows code page
    assert parse_choice(FORM, body, CATEGORIES) == "the request body is not UTF-8"


UNSUPPORTED = (
    "send the choice as application/x-www-form-urlencoded, multipart/form-data or application/json"
)


def test_an_unsupported_media_type() -> None:
    assert form("choice=save", "text/plain") == UNSUPPORTED
    assert form("choice=save", "application/xml") == UNSUPPORTED


def _multipart(fields: list[tuple[str, str]], boundary: str = "ขอบ-42") -> tuple[str, bytes]:
    """A ``multipart/form-data`` body as Django's test Client and browsers write one."""
    marker = boundary.encode()
    parts = [
        b"--"
        + marker
        + b"\r\n"
        + f'Content-Disposition: form-data; name="{name}"'.encode()
        + b"\r\n\r\n"
        + value.encode()
        + b"\r\n"
        for name, value in fields
    ]
    body = b"".join(parts) + b"--" + marker + b"--\r\n"
    return "multipart/form-data; boundary=" + boundary.encode().decode("latin-1"), body


def test_a_multipart_form_is_read_like_an_urlencoded_one() -> None:
    content_type, body = _multipart(
        [("choice", "save"), ("categories", "analytics"), ("next", "/เมนู?หน้า=2")],
        boundary="BoUnDaRy",
    )
    assert parse_choice(content_type, body, CATEGORIES) == Choice(
        "save", ("analytics",), "/เมนู?หน้า=2"
    )


def test_a_multipart_form_leaves_files_out_and_refuses_what_a_form_would() -> None:
    content_type = "multipart/form-data; boundary=B"
    upload = (
        b'--B\r\nContent-Disposition: form-data; name="choice"; filename="a.txt"\r\n\r\n'
        b"accept_all\r\n--B--\r\n"
    )
    assert parse_choice(content_type, upload, CATEGORIES) == (
        "unknown choice 'None': use accept_all, reject_all or save"
    )
    two, body = _multipart([("choice", "save"), ("choice", "accept_all")], boundary="B")
    assert parse_choice(two, body, CATEGORIES) == "the form has more than one choice"
    assert parse_choice("multipart/form-data", body, CATEGORIES) == (
        "the multipart form has no boundary"
    )
    assert parse_choice(content_type, "ไม่ใช่ฟอร์ม".encode(), CATEGORIES) == (
        "the multipart form could not be read"
    )


# -- JSON ----------------------------------------------------------------------------------


def test_json_save_with_categories_and_next() -> None:
    parsed = as_json({"choice": "save", "categories": ["marketing", "functional"], "next": NEXT})
    assert parsed == Choice("save", ("marketing", "functional"), NEXT)


def test_json_with_a_charset() -> None:
    assert as_json({"choice": "accept_all"}, "application/json; charset=utf-8") == Choice(
        "accept_all", (), None
    )


def test_json_categories_as_a_string() -> None:
    assert as_json({"choice": "save", "categories": "analytics"}) == Choice(
        "save", ("analytics",), None
    )


@pytest.mark.parametrize("categories", [{"analytics": True}, ["analytics", 1], 7, None])
def test_json_categories_not_a_list_of_names(categories: object) -> None:
    assert as_json({"choice": "save", "categories": categories}) == (
        "categories must be a list of category names"
    )


@pytest.mark.parametrize("next_path", [5, ["/"], None, {"path": "/"}])
def test_json_a_next_that_is_not_a_string_is_ignored(next_path: object) -> None:
    assert as_json({"choice": "reject_all", "next": next_path}) == Choice("reject_all", (), None)


def test_json_bad_json() -> None:
    body = b'{"choice": "save",'
    assert parse_choice("application/json", body, CATEGORIES) == (
        "the request body is not valid JSON"
    )


@pytest.mark.parametrize("data", [["accept_all"], "accept_all", 1, None])
def test_json_not_an_object(data: object) -> None:
    assert as_json(data) == "the JSON body must be an object"


def test_json_unknown_choice_that_is_not_a_string() -> None:
    assert as_json({"choice": 1}) == "unknown choice '1': use accept_all, reject_all or save"
    assert as_json({"choice": ["save"]}) == (
        "unknown choice \"['save']\": use accept_all, reject_all or save"
    )


def test_json_unknown_category() -> None:
    assert as_json({"choice": "save", "categories": ["ads"]}) == "unknown category 'ads'"


# -- Choice.granted ------------------------------------------------------------------------


def test_granted_of_accept_all_is_every_optional_category_in_order() -> None:
    assert Choice("accept_all", (), None).granted(OPTIONAL) == OPTIONAL


def test_granted_of_reject_all_is_nothing_whatever_is_ticked() -> None:
    assert Choice("reject_all", ("analytics",), None).granted(OPTIONAL) == ()


def test_granted_of_save_follows_the_optional_order() -> None:
    choice = Choice("save", ("marketing", "necessary", "analytics", "analytics"), None)
    assert choice.granted(OPTIONAL) == ("analytics", "marketing")
    assert choice.granted(("marketing", "analytics")) == ("marketing", "analytics")
