"""``TruncateAddresses``, the logging filter for servers that log from their own copy of an
address, and ``truncate_addresses_in``, which finds the addresses in a line of text.

A log line does not say whose address it holds, so every address in it is truncated; what is
not an address (times, versions, Thai text) stays as it was.
"""

from __future__ import annotations

import ipaddress
import logging
import logging.config
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentkit.access_log import TruncateAddresses
from consentkit.location.ip import truncate_addresses_in

from .test_addresses_paths import assert_no_full_address


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # uvicorn's access line (IPv4, and IPv6 as it writes one: no brackets, the port after)
        (
            '203.0.113.77:50312 - "GET /_consent/preferences HTTP/1.1" 200',
            '203.0.113.0:50312 - "GET /_consent/preferences HTTP/1.1" 200',
        ),
        (
            '2001:db8:85a3:4d2::8a2e:370:7334:50312 - "GET / HTTP/1.1" 200',
            '2001:db8:85a3:::50312 - "GET / HTTP/1.1" 200',
        ),
        # gunicorn's default line
        (
            '198.51.100.23 - - [01/Dec/2026:10:20:30 +0700] "POST /_consent HTTP/1.1" 303 9 "-"',
            '198.51.100.0 - - [01/Dec/2026:10:20:30 +0700] "POST /_consent HTTP/1.1" 303 9 "-"',
        ),
        ("[2001:db8::1]:443 เชื่อมต่อแล้ว", "[2001:db8::]:443 เชื่อมต่อแล้ว"),
        ("for=203.0.113.77;proto=https", "for=203.0.113.0;proto=https"),
        ('for="[2001:db8:cafe::17]:4711"', 'for="[2001:db8:cafe::]:4711"'),
        ("::ffff:203.0.113.77", "203.0.113.0"),
        ("010.001.002.003", "10.1.2.0"),
        ("203.0.113.77, 198.51.100.23,192.0.2.1", "203.0.113.0, 198.51.100.0,192.0.2.0"),
        ("ลูกค้าจาก 203.0.113.77.", "ลูกค้าจาก 203.0.113.0."),
        ("from 2001:db8::1.", "from 2001:db8::."),
        ("fe80::1%eth0", "fe80::%eth0"),
        ("ip=abcd2001:db8::1;", "ip=abcd2001:db8::;"),
        ("2001:db8:1:2:3:4:5:6:7", "2001:db8:1:::7"),
        ("x203.0.113.77y", "x203.0.113.0y"),
        ("2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:db8:85a3::"),
    ],
)
def test_every_address_in_a_line_is_truncated(line: str, expected: str) -> None:
    assert truncate_addresses_in(line) == expected
    assert truncate_addresses_in(expected) == expected  # already truncated: as it is


@pytest.mark.parametrize(
    "line",
    [
        "[01/Dec/2026:10:20:30 +0700] เริ่มทำงาน 12:34:56.789",
        'uvicorn 0.54.0 "GET /เมนู?หน้า=2 HTTP/1.1" 200 OK',
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0.0.0",
        "aa:bb:cc:dd:ee:ff 1.2.3 v1.2.3.",
        "",
    ],
)
def test_a_line_without_addresses_is_left_as_it_is(line: str) -> None:
    assert truncate_addresses_in(line) == line


def test_coarser_prefixes_and_never_finer() -> None:
    assert truncate_addresses_in("203.0.113.77", ipv4_prefix=16) == "203.0.0.0"
    assert truncate_addresses_in("2001:db8:85a3::1", ipv6_prefix=32) == "2001:db8::"
    with pytest.raises(ValueError, match="at most /24"):
        truncate_addresses_in("203.0.113.77", ipv4_prefix=25)
    with pytest.raises(ValueError, match="identifies visitors"):
        TruncateAddresses(ipv6_prefix=64)


THAI = ["สวัสดีครับ", "ร้านกาแฟริมน้ำ", "เข้าสู่ระบบ", "ปฏิเสธทั้งหมด"]
SEPARATORS = [" ", ", ", " - ", '"', "=", "(", ")", "'", "\t", "; ", "/", "<", ">", "|"]


@st.composite
def address_as_logged(draw: st.DrawFn) -> tuple[str, str]:
    """An address and the way a server might write it down."""
    ip = draw(st.ip_addresses())
    port = draw(st.integers(min_value=0, max_value=65535))
    text = str(ip)
    if ip.version == 4:
        forms = [text, f"{text}:{port}", f"::ffff:{text}", f"for={text}"]
    else:
        forms = [text, ip.exploded, f"[{text}]:{port}", f'for="[{text}]"']
        if not text.endswith(":"):  # else ":::port", which holds what looks like another
            forms.append(f"{text}:{port}")  # as uvicorn writes one
    return text, draw(st.sampled_from(forms))


@st.composite
def log_lines(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A line of Thai words and addresses; the addresses and the words in it."""
    pieces: list[str] = []
    addresses: list[str] = []
    words: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if draw(st.booleans()):
            address, written = draw(address_as_logged())
            addresses.append(address)
            pieces.append(written)
        else:
            word = draw(st.sampled_from(THAI))
            words.append(word)
            pieces.append(word)
        pieces.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(pieces), addresses, words


def _revealing(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 48
    return ipaddress.ip_network((ip, prefix), strict=False).network_address != ip


@given(log_lines())
def test_no_full_address_survives_and_nothing_else_changes(
    generated: tuple[str, list[str], list[str]],
) -> None:
    line, addresses, words = generated
    truncated = truncate_addresses_in(line)
    assert_no_full_address(truncated, *[a for a in addresses if _revealing(a)])
    for address in addresses:
        mapped = ipaddress.ip_address(address)
        if isinstance(mapped, ipaddress.IPv6Address) and mapped.ipv4_mapped:
            continue
        assert (
            str(
                ipaddress.ip_network(
                    (mapped, 24 if mapped.version == 4 else 48), strict=False
                ).network_address
            )
            in truncated
        )
    assert [w for w in THAI for _ in range(truncated.count(w))] == sorted(words, key=THAI.index)
    assert truncate_addresses_in(truncated) == truncated


# -- the filter on the records servers log --------------------------------------------------------


def _record(msg: Any, args: Any, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, msg, None, None)
    record.args = args  # as Logger._log sets them: a tuple, or the one mapping
    record.__dict__.update(extra)
    return record


def test_uvicorns_access_record_keeps_its_shape_for_uvicorns_formatter() -> None:
    from uvicorn.logging import AccessFormatter

    args = ("203.0.113.77:50312", "POST", "/_consent", "1.1", 303)
    record = _record('%s - "%s %s HTTP/%s" %d', args)
    assert TruncateAddresses().filter(record) is True
    assert record.args == ("203.0.113.0:50312", "POST", "/_consent", "1.1", 303)
    formatted = AccessFormatter("%(client_addr)s %(request_line)s", use_colors=False).format(record)
    assert formatted == "203.0.113.0:50312 POST /_consent HTTP/1.1"


def test_gunicorns_atoms_still_answer_a_dash_for_what_is_missing() -> None:
    from gunicorn.glogging import SafeAtoms

    atoms = SafeAtoms(
        {"h": "198.51.100.23", "r": "GET / HTTP/1.1", "{x-forwarded-for}i": "203.0.113.77"}
    )
    record = _record('%(h)s %({x-forwarded-for}i)s %({x-real-ip}i)s "%(r)s"', atoms)
    TruncateAddresses().filter(record)
    assert isinstance(record.args, SafeAtoms)
    assert record.getMessage() == '198.51.100.0 203.0.113.0 - "GET / HTTP/1.1"'
    assert atoms["h"] == "198.51.100.23"  # the server's own mapping is not changed


def test_werkzeugs_formatted_line_and_other_arguments() -> None:
    record = _record(
        '198.51.100.23 - - [01/Dec/2026 10:20:30] "%s" %s %s', ("GET / HTTP/1.1", "200", 42)
    )
    TruncateAddresses().filter(record)
    assert record.getMessage() == '198.51.100.0 - - [01/Dec/2026 10:20:30] "GET / HTTP/1.1" 200 42'
    plain = _record({"not": "text"}, None)
    TruncateAddresses().filter(plain)
    assert plain.msg == {"not": "text"}


def test_an_address_made_of_pieces_is_truncated_whole() -> None:
    record = _record("ลูกค้า %s.%s", ("203.0", "113.77"))
    TruncateAddresses().filter(record)
    assert record.getMessage() == "ลูกค้า 203.0.113.0"


def test_tracebacks_and_stacks_are_truncated() -> None:
    try:
        raise ConnectionResetError("peer 203.0.113.77 reset the connection")
    except ConnectionResetError:
        record = _record("ข้อผิดพลาด", (), exc_info=sys.exc_info(), stack_info="at 198.51.100.23")
    TruncateAddresses().filter(record)
    text = logging.Formatter().format(record)
    assert "peer 203.0.113.0 reset" in text and "at 198.51.100.0" in text
    assert_no_full_address(text, "203.0.113.77", "198.51.100.23")


def test_a_named_filter_leaves_other_loggers_records_alone() -> None:
    record = _record("203.0.113.77", ())
    assert TruncateAddresses("gunicorn").filter(record) is True
    assert record.msg == "203.0.113.77"


def test_it_is_set_up_from_a_dict_config(capsys: pytest.CaptureFixture[str]) -> None:
    logger_name = "consentkit-tests.access"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {
                "truncate": {"()": "consentkit.access_log.TruncateAddresses", "ipv4_prefix": 16}
            },
            "handlers": {
                "out": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stdout",
                    "filters": ["truncate"],
                }
            },
            "loggers": {logger_name: {"handlers": ["out"], "level": "INFO", "propagate": False}},
        }
    )
    logger = logging.getLogger(logger_name)
    try:
        logger.info('%s - "GET / HTTP/1.1" 200', "203.0.113.77:50312")
    finally:
        for handler in logger.handlers[:]:
            logger.removeHandler(handler)
            handler.close()
    assert capsys.readouterr().out == '203.0.0.0:50312 - "GET / HTTP/1.1" 200\n'
