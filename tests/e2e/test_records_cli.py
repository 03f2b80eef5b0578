"""``consentkit records ...`` and ``consentkit stats --records`` in subprocesses, on a store a
real middleware wrote, and ``consentkit demo`` recording choices."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from consentkit import ConsentWSGIMiddleware

from ..support.apps import OPTIONS, RETIRED_KEY, SECRET_KEY, wsgi_app
from ..support.harness import WsgiClient
from ..support.servers import free_port, serve_command

CONSENTKIT = str(Path(sys.executable).parent / "consentkit")
KEYS = f"{RETIRED_KEY},{SECRET_KEY}"
FORM = ("Content-Type", "application/x-www-form-urlencoded")


def _run(*args: str, key: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("CONSENTKIT_SECRET_KEY", None)
    if key:
        env["CONSENTKIT_SECRET_KEY"] = KEYS
    return subprocess.run([CONSENTKIT, *args], capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, list[str]]:
    """A store with the choices of three visitors (one changed their mind): the path and the
    consent ids."""
    path = tmp_path / "บันทึก.sqlite3"
    site = ConsentWSGIMiddleware(wsgi_app, **OPTIONS, records=str(path))
    client = WsgiClient(site)
    ids = []
    for body in ("choice=accept_all", "choice=save&categories=analytics", "choice=reject_all"):
        headers = [FORM, ("Origin", client.origin), ("Accept", "application/json")]
        answer = client.request("POST", "/_consent", headers=headers, body=body.encode())
        ids.append(json.loads(answer.body)["consent_id"])
        cookie = answer.cookie_value("consentkit")
    changed = client.request(
        "POST",
        "/_consent",
        headers=[FORM, ("Origin", client.origin), ("Cookie", f"consentkit={cookie}")],
        body=b"choice=accept_all",
    )
    assert changed.status == 303
    site.close()
    return path, ids


def test_export_prints_json_lines_with_the_contract_fields(store: tuple[Path, list[str]]) -> None:
    path, ids = store
    done = _run("records", "export", str(path), key=False)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["consent_id"] for row in rows] == [*ids, ids[2]]
    first = rows[0]
    assert {"consent_id", "recorded_at", "choice", "granted", "refused", "policy_version",
            "locale", "gpc", "banner_sha256"} <= set(first)  # fmt: skip
    assert first["choice"] == "accept_all" and first["refused"] == []
    assert first["recorded_at"].endswith("Z") and len(first["banner_sha256"]) == 64
    mine = _run("records", "export", str(path), "--consent-id", ids[2], key=False)
    assert [json.loads(line)["choice"] for line in mine.stdout.splitlines()] == [
        "reject_all",
        "accept_all",
    ]
    future = _run("records", "export", str(path), "--since", "2999-01-01", key=False)
    assert future.returncode == 0 and future.stdout == ""
    past = _run("records", "export", str(path), "--until", "2000-01-01", key=False)
    assert past.stdout == ""


def test_export_as_csv(store: tuple[Path, list[str]]) -> None:
    path, ids = store
    done = _run("records", "export", str(path), "--format", "csv", key=False)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 4 and rows[1]["consent_id"] == ids[1]
    assert rows[1]["granted"] == "necessary analytics" and rows[1]["gpc"] == "false"


def test_shown_prints_what_the_visitor_saw(store: tuple[Path, list[str]]) -> None:
    path, _ = store
    sha = json.loads(_run("records", "export", str(path), key=False).stdout.splitlines()[0])[
        "banner_sha256"
    ]
    done = _run("records", "shown", str(path), sha, key=False)
    assert done.returncode == 0 and 'id="consentkit-banner"' in done.stdout
    assert "คุกกี้" in done.stdout


def test_verify_then_tamper_then_verify_names_the_record(store: tuple[Path, list[str]]) -> None:
    path, _ = store
    intact = _run("records", "verify", str(path))
    assert intact.returncode == 0, intact.stderr
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE consent_records SET choice = 'accept_all' WHERE seq = 3")
    broken = _run("records", "verify", str(path))
    assert broken.returncode == 1 and "seq 3" in broken.stderr


def test_verify_without_a_key_says_how_to_give_one(store: tuple[Path, list[str]]) -> None:
    path, _ = store
    done = _run("records", "verify", str(path), key=False)
    assert done.returncode == 1 and "CONSENTKIT_SECRET_KEY" in done.stderr


def test_erase_says_how_many_and_the_store_still_verifies(store: tuple[Path, list[str]]) -> None:
    path, ids = store
    done = _run("records", "erase", str(path), ids[2])
    assert done.returncode == 0 and "erased 2 records" in done.stdout
    assert _run("records", "export", str(path), "--consent-id", ids[2], key=False).stdout == ""
    assert _run("records", "verify", str(path)).returncode == 0
    again = _run("records", "erase", str(path), ids[2])
    assert "erased 0 records" in again.stdout


def test_an_old_code_starting_with_a_dash_is_erased_after_a_double_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store may hold a code from before codes stopped starting with ``-``."""
    from consentkit.core import codec

    path = tmp_path / "ร้านเก่า.sqlite3"
    monkeypatch.setattr(codec, "new_consent_id", lambda: "-rV0kX2pQ9sLm4Tz")
    site = ConsentWSGIMiddleware(wsgi_app, **OPTIONS, records=str(path))
    client = WsgiClient(site)
    headers = [FORM, ("Origin", client.origin), ("Accept", "application/json")]
    answer = client.request("POST", "/_consent", headers=headers, body=b"choice=reject_all")
    site.close()
    assert json.loads(answer.body)["consent_id"] == "-rV0kX2pQ9sLm4Tz"
    exported = _run("records", "export", str(path), "--consent-id=-rV0kX2pQ9sLm4Tz", key=False)
    assert json.loads(exported.stdout)["choice"] == "reject_all"
    done = _run("records", "erase", str(path), "--", "-rV0kX2pQ9sLm4Tz")
    assert done.returncode == 0 and "erased 1 record " in done.stdout
    assert _run("records", "verify", str(path)).returncode == 0


def test_prune_keeps_recent_records(store: tuple[Path, list[str]]) -> None:
    path, _ = store
    done = _run("records", "prune", str(path), "--older-than", "30")
    assert done.returncode == 0 and "pruned 0 records" in done.stdout
    assert len(_run("records", "export", str(path), key=False).stdout.splitlines()) == 4


def test_stats_counts_choices_without_identifiers(store: tuple[Path, list[str]]) -> None:
    path, ids = store
    done = _run("stats", "--records", str(path), "--json", key=False)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert counts["location"] is None
    consent = counts["consent"]
    assert consent["total"] == 4
    assert consent["per_choice"] == {"accept_all": 2, "reject_all": 1, "save": 1}
    assert consent["per_category_granted"]["analytics"] == 3
    assert consent["per_locale"] == {"th": 4} and consent["per_policy_version"] == {"1": 4}
    assert not any(consent_id in done.stdout for consent_id in ids)
    table = _run("stats", "--records", str(path), key=False)
    assert "consent choices recorded: 4" in table.stdout


def test_a_missing_store_is_a_message(tmp_path: Path) -> None:
    done = _run("records", "export", str(tmp_path / "none.sqlite3"), key=False)
    assert done.returncode == 1 and "no record store" in done.stderr
    assert not (tmp_path / "none.sqlite3").exists()


@pytest.mark.server
def test_demo_records_choices_and_says_where(tmp_path: Path) -> None:
    port, records = free_port(), tmp_path / "demo-records.sqlite3"
    log = tmp_path / "demo.log"
    argv = [CONSENTKIT, "demo", "--port", str(port), "--records", str(records)]
    with serve_command(argv, port, log) as base_url, httpx.Client(base_url=base_url) as client:
        chosen = client.post(
            "/_consent", data={"choice": "reject_all"}, headers={"origin": base_url}
        )
        assert chosen.status_code == 303
        receipt = client.get("/_consent").json()
        page = client.get("/_consent/preferences").text
        assert f"<code>{receipt['consent_id']}</code>" in page
    assert f"Choices are recorded in {records}" in log.read_text(encoding="utf-8")
    exported = _run("records", "export", str(records), key=False)
    assert json.loads(exported.stdout)["consent_id"] == receipt["consent_id"]
