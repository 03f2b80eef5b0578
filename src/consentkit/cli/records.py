"""``consentkit records export|verify|erase|prune|shown STORE ...``: the consent records.

``STORE`` is the value of the ``records`` option (a path, ``sqlite:///path`` or
``postgresql://...``). ``verify``, ``erase`` and ``prune`` need the ``secret_key``:
``--secret-key KEY`` (repeated for a rotation list, newest last) or the environment variable
``CONSENTKIT_SECRET_KEY`` (several keys comma-separated, newest last).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import sys
from collections.abc import Callable

from ..options import DEFAULT_RECORDS_RETENTION_DAYS
from ..records.signing import RecordSigner, verify_chain
from ..records.store import RecordStore, StoreUnavailable, open_store, sqlite_path

#: The longest a consent can stay in force (``max_age`` is at most 400 days).
MAX_IN_FORCE_DAYS = 400
_CSV_FIELDS = (
    "consent_id",
    "recorded_at",
    "choice",
    "granted",
    "refused",
    "policy_version",
    "locale",
    "gpc",
    "banner_sha256",
    "seq",
    "key_id",
    "signature",
)
_UTC = datetime.timezone.utc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The subcommands of ``consentkit records``."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    export = actions.add_parser("export", help="print records (JSON Lines or CSV)")
    _store(export)
    export.add_argument("--consent-id", help="only the records of this consent id")
    export.add_argument("--since", type=_date, help="from this date (YYYY-MM-DD, UTC) on")
    export.add_argument("--until", type=_date, help="before this date (YYYY-MM-DD, UTC)")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.set_defaults(action_run=_export)

    verify = actions.add_parser("verify", help="check every record's signature and the chain")
    _store(verify, keyed=True)
    verify.set_defaults(action_run=_verify)

    erase = actions.add_parser("erase", help="erase every record of a consent id")
    _store(erase, keyed=True)
    erase.add_argument("consent_id", metavar="ID", help="the visitor's consent id")
    erase.set_defaults(action_run=_erase)

    prune = actions.add_parser("prune", help="remove records past retention")
    _store(prune, keyed=True)
    prune.add_argument(
        "--older-than",
        type=_days,
        default=DEFAULT_RECORDS_RETENTION_DAYS,
        metavar="DAYS",
        help=f"remove records older than this (default {DEFAULT_RECORDS_RETENTION_DAYS})",
    )
    prune.add_argument(
        "--max-age-days",
        type=_days,
        default=MAX_IN_FORCE_DAYS,
        metavar="DAYS",
        help="the site's max_age in days: a consent's latest record younger than this is in "
        f"force and always kept (default {MAX_IN_FORCE_DAYS}, the longest max_age)",
    )
    prune.set_defaults(action_run=_prune)

    shown = actions.add_parser("shown", help="print the text behind a record's banner_sha256")
    _store(shown)
    shown.add_argument("sha256", metavar="SHA256")
    shown.set_defaults(action_run=_shown)


def _store(parser: argparse.ArgumentParser, keyed: bool = False) -> None:
    parser.add_argument("store", metavar="STORE", help="the records=... value")
    if keyed:
        parser.add_argument(
            "--secret-key",
            action="append",
            help="the site's secret_key (repeat for a rotation list, newest last); "
            "default: $CONSENTKIT_SECRET_KEY",
        )


def _date(text: str) -> datetime.datetime:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None
    return datetime.datetime(day.year, day.month, day.day, tzinfo=_UTC)


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days (1 or more)")
    return int(text)


def _signer(args: argparse.Namespace) -> RecordSigner:
    keys = args.secret_key or [
        key for key in os.environ.get("CONSENTKIT_SECRET_KEY", "").split(",") if key
    ]
    if not keys:
        raise ValueError(
            "this command needs the site's secret_key: give --secret-key KEY or set "
            "CONSENTKIT_SECRET_KEY"
        )
    return RecordSigner(keys)


def run(args: argparse.Namespace) -> int:
    """Run one ``records`` action; 1 with a message when the store cannot be used."""
    action: Callable[[argparse.Namespace], int] = args.action_run
    try:
        return action(args)
    except (ValueError, StoreUnavailable) as error:
        print(f"consentkit records {args.action}: {error}", file=sys.stderr)
        return 1


def _open(args: argparse.Namespace, signer: RecordSigner | None = None) -> RecordStore:
    return open_existing(args.store, signer)


def open_existing(location: str, signer: RecordSigner | None = None) -> RecordStore:
    """The store at ``location``; a ``ValueError`` when it is an SQLite file that does not
    exist (a command never creates an empty store by mistake)."""
    path = sqlite_path(location)
    if path is not None and not path.is_file():
        raise ValueError(f"no record store at {str(path)!r}: give the records=... value")
    return open_store(location, signer)


def _export(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        rows = store.records(consent_id=args.consent_id, since=args.since, until=args.until)
        if args.format == "csv":
            writer = csv.DictWriter(sys.stdout, _CSV_FIELDS, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                fields = row.as_json()
                fields["granted"] = " ".join(row.granted)
                fields["refused"] = " ".join(row.refused)
                fields["gpc"] = "true" if row.gpc else "false"
                writer.writerow(fields)
        else:
            for row in rows:
                print(json.dumps(row.as_json(), ensure_ascii=False))
    finally:
        store.close()
    return 0


def _verify(args: argparse.Namespace) -> int:
    signer = _signer(args)
    store = _open(args)
    try:
        verdict = verify_chain(store.chain(), store.chain_state(), signer)
    finally:
        store.close()
    if verdict.ok:
        print(f"consentkit records verify: {verdict.rows} rows intact, the chain is whole")
        return 0
    print(
        f"consentkit records verify: record seq {verdict.bad_seq} is bad: {verdict.reason}",
        file=sys.stderr,
    )
    return 1


def _erase(args: argparse.Namespace) -> int:
    store = _open(args, _signer(args))
    try:
        erased = store.erase(args.consent_id)
    finally:
        store.close()
    print(
        f"erased {erased} record{'s' if erased != 1 else ''} of consent id {args.consent_id} "
        "(signed tombstones keep the chain whole)"
    )
    return 0


def _prune(args: argparse.Namespace) -> int:
    now = datetime.datetime.now(_UTC)
    store = _open(args, _signer(args))
    try:
        pruned = store.prune(
            now - datetime.timedelta(days=args.older_than),
            now - datetime.timedelta(days=args.max_age_days),
        )
    finally:
        store.close()
    print(
        f"pruned {pruned} record{'s' if pruned != 1 else ''} older than {args.older_than} days "
        "(the latest record of each consent still in force is kept)"
    )
    return 0


def _shown(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        shown = store.shown_text(args.sha256)
    finally:
        store.close()
    if shown is None:
        print(f"consentkit records shown: no text with SHA-256 {args.sha256}", file=sys.stderr)
        return 1
    print(shown.text)
    return 0
