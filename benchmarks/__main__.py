"""``python -m benchmarks``: every benchmark side by side, then the targets.

python -m benchmarks                      # everything (about 5 minutes)
python -m benchmarks --only asgi,wsgi     # a subset of: asgi, loopback, wsgi, django,
                                          # memory, load, cookiedb, records
python -m benchmarks --quick              # a few iterations of each, to check it runs
python -m benchmarks --markdown out.md    # also write the tables as Markdown
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from .targets import Target, evaluate, format_targets

SECTIONS = ("asgi", "loopback", "wsgi", "django", "memory", "load", "cookiedb", "records")


def machine() -> str:
    """One line about the machine: CPU model, CPUs, Python, OS."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run, of: {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--quick", action="store_true", help="a few iterations only (smoke test)")
    parser.add_argument("--rounds", type=int, help="rounds of in-process timing (default 25)")
    parser.add_argument(
        "--seconds", type=float, help="seconds of load per loopback case per round (default 1)"
    )
    parser.add_argument("--loopback-rounds", type=int, help="rounds of loopback load (default 9)")
    parser.add_argument("--visitors", type=int, help="distinct visitors (default 100000)")
    parser.add_argument(
        "--requests", type=int, help="mixed requests per server and app in load (default 20000)"
    )
    parser.add_argument("--markdown", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    args.sections = sections
    quick = args.quick
    args.rounds = args.rounds or (3 if quick else 25)
    args.batch = 20 if quick else None
    args.seconds = args.seconds or 1.0
    args.loopback_rounds = args.loopback_rounds or (1 if quick else 9)
    args.visitors = args.visitors or (2_000 if quick else 100_000)
    args.requests = args.requests or (400 if quick else 20_000)
    args.load_rounds = 1 if quick else 4
    args.stream_size = (4 if quick else 100) * 1024 * 1024
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections, print the tables and the targets; 0 unless something broke."""
    args = parse(argv)
    from .harness import format_table

    started = time.monotonic()
    parts: list[str] = []
    measured: dict[str, object] = {}

    def emit(text: str) -> None:
        print(text, flush=True)
        parts.append(text)
        parts.append("")

    emit(f"Machine: {machine()}")
    if "asgi" in args.sections:
        from . import asgi_inprocess

        results = asgi_inprocess.run(args.rounds, args.batch)
        measured["asgi"] = results
        emit(format_table("ASGI in-process (Starlette, µs per request)", results))
    if "loopback" in args.sections:
        from . import loopback

        loaded, tool = loopback.run(args.loopback_rounds, args.seconds)
        measured["loopback"] = loaded
        if tool != "wrk":
            emit(
                "**wrk is not installed** (`apt-get install wrk`): falling back to a Python "
                "load generator, whose own CPU use lowers every figure."
            )
        emit(loopback.format_table(loaded, tool))
    if "wsgi" in args.sections:
        from . import wsgi_inprocess

        results = wsgi_inprocess.run(args.rounds, args.batch)
        measured["wsgi"] = results
        emit(format_table("WSGI in-process (Flask, µs per request)", results))
    if "django" in args.sections:
        from . import django_bench

        results = django_bench.run(args.rounds, args.batch)
        measured["django"] = results
        emit(
            format_table(
                f"Django (WSGI in-process, µs per request; consentkit via "
                f"{django_bench.integration()})",
                results,
            )
        )
    if "memory" in args.sections:
        from . import memory

        streams = [memory.stream(1024), memory.stream(args.stream_size)]
        crowd = memory.visitors(args.visitors)
        measured["memory"] = (streams, crowd)
        emit(memory.format_tables(streams, crowd))
    if "cookiedb" in args.sections:
        from . import cookie_classification

        loaded_ms = cookie_classification.load_time()
        results = cookie_classification.run(args.rounds, args.batch)
        emit(format_table("Cookie classification (µs per name, or per request)", results))
        emit(f"The Open Cookie Database's one-time load: {loaded_ms:.1f} ms.")
    load_failed = False
    if "load" in args.sections:
        from . import load

        loaded_runs = load.run(args.requests, args.load_rounds)
        load_failed = load.failed(loaded_runs)
        emit(load.format_table(loaded_runs))
    records_failed = False
    if "records" in args.sections:
        from . import records

        recorded = records.run(200 if args.quick else 2_000)
        records_failed = recorded["pages"][0] != 0
        emit(records.format_tables(recorded))
    targets: list[Target] = evaluate(measured)
    if "load" in args.sections:
        targets += load.targets(loaded_runs)
    emit(format_targets(targets))
    emit(f"({time.monotonic() - started:.0f} s; `python -m benchmarks {' '.join(sys.argv[1:])}`)")
    if args.markdown is not None:
        args.markdown.write_text("\n".join(parts), encoding="utf-8")
    if load_failed:  # a 5xx or a refused connection is a failure, not a figure
        print("load: NOT met: connection errors, 5xx or failed checks (see above)", flush=True)
        return 1
    if records_failed:
        print("records: NOT met: page views touched the record store", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
