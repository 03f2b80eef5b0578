"""``consentkit demo``: serve the demo site on localhost, in Thai and English.

The site runs with an embedded configuration and a secret key generated for this run (so every
consent given is forgotten when it stops). Each choice is recorded in an embedded SQLite file,
a temporary one unless ``--records PATH`` is given, so the preferences page shows the receipt
and ``consentkit records export`` works on it. Needs the ``demo`` extra (uvicorn).
"""

from __future__ import annotations

import argparse
import secrets
import socket
import sys
import tempfile
from pathlib import Path

from ._extras import MissingExtra, report_missing, require


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``consentkit demo``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--records",
        metavar="PATH",
        help="the SQLite file to record choices in (default: a new temporary one)",
    )


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def run(args: argparse.Namespace) -> int:
    """Serve the demo until interrupted."""
    try:
        uvicorn = require("uvicorn", "demo", "demo")
    except MissingExtra as error:
        return report_missing(error)
    if not 0 < args.port < 65536:
        print(f"consentkit demo: --port {args.port} is not a TCP port (1-65535).", file=sys.stderr)
        return 2
    if not _port_free(args.host, args.port):
        print(
            f"consentkit demo: {args.host}:{args.port} is in use; "
            f"try another port, e.g. --port {args.port + 1}.",
            file=sys.stderr,
        )
        return 1
    from ..demo import build_app

    records = args.records
    if records is None:
        records = str(Path(tempfile.mkdtemp(prefix="consentkit-demo-")) / "records.sqlite3")
    secret_key = secrets.token_urlsafe(32)
    try:
        app = build_app(secret_key, records=records)
    except ValueError as error:
        print(f"consentkit demo: {error}", file=sys.stderr)
        return 1
    host = f"[{args.host}]" if ":" in args.host else args.host
    print("consentkit demo: generated a fresh secret key for this run;")
    print("  consents given here are forgotten when the demo stops.")
    print(f"  Choices are recorded in {records}")
    print(f"  (see them: consentkit records export {records})")
    print("  The banner speaks Thai and English (switch at the top of each page).")
    print(f"Open http://{host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
