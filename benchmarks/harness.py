"""Interleaved timing: every case runs once per round (A B C A B C ...), so drift cancels.

Time is the process's CPU time (``time.process_time``), not the wall clock: on a shared
machine the wall clock also counts the time other processes held the CPU, while an in-process
benchmark's cost is the CPU it spends.

A case's overhead is the median, over rounds, of its time minus its baseline's time in the
same round (paired differences), which is steadier on a noisy machine than a difference of
medians.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    """One thing to time: ``run(n)`` serves ``n`` requests."""

    name: str
    run: Callable[[int], None]
    #: The case this one's overhead is measured against (``None`` for a baseline).
    baseline: str | None = None


@dataclass
class Result:
    """A case's per-request times (µs), one per round, and its paired overheads."""

    name: str
    baseline: str | None
    times: list[float] = field(default_factory=list)
    overheads: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median time per request (µs)."""
        return statistics.median(self.times)

    @property
    def overhead(self) -> float | None:
        """The median paired overhead over the baseline (µs), or ``None`` for a baseline."""
        return statistics.median(self.overheads) if self.overheads else None

    @property
    def spread(self) -> float:
        """Half the interquartile range of the times (µs): how noisy the rounds were."""
        if len(self.times) < 4:
            return 0.0
        q = statistics.quantiles(self.times, n=4)
        return (q[2] - q[0]) / 2


#: The clock every in-process batch is timed with.
clock = time.process_time


def calibrate(case: Case, target_seconds: float) -> int:
    """How many requests make one batch of ``case`` last about ``target_seconds``."""
    n = 1
    while True:
        start = time.perf_counter()
        case.run(n)
        elapsed = time.perf_counter() - start
        if elapsed >= target_seconds / 4 or n >= 1_000_000:
            return max(1, int(n * target_seconds / max(elapsed, 1e-9)))
        n *= 4


def interleave(
    cases: list[Case], rounds: int, batch: int | None = None, batch_seconds: float = 0.05
) -> dict[str, Result]:
    """Time every case once per round, in the same order each round, after a warm-up.

    ``batch`` requests per case per round, or a count calibrated on the slowest case so a batch
    takes about ``batch_seconds``.
    """
    for case in cases:  # warm-up: imports, caches, lazily built middleware stacks
        case.run(5)
    if batch is None:
        batch = min(calibrate(case, batch_seconds) for case in cases)
        batch = max(batch, 10)
    results = {case.name: Result(case.name, case.baseline) for case in cases}
    for _ in range(rounds):
        for case in cases:
            gc.collect()
            start = clock()
            case.run(batch)
            elapsed = clock() - start
            results[case.name].times.append(elapsed / batch * 1e6)
    for result in results.values():
        if result.baseline is not None:
            base = results[result.baseline].times
            result.overheads = [t - b for t, b in zip(result.times, base, strict=True)]
    return results


#: How each kind of visitor's cookies is named in a bare baseline case's name.
KIND_LABELS = {
    None: "no cookie",
    "session": "session cookie",
    "undecided": "undecided visitor's cookies",
    "decided": "decided visitor's cookies",
    "gated": "undecided visitor's cookies with _ga, _fbp",
    "refused": "refused-all visitor's cookies",
    "cc-decided": "django-cookie-consent decided visitor's cookies",
}


#: The cookies of optional categories the benchmarks' visitors may carry.
GATED_COOKIES = ("_ga", "_fbp")


def check_expiry(name: str, cookie: str | None, set_cookies: list[str]) -> None:
    """Fail unless the response's ``Set-Cookie`` values expire every cookie of
    :data:`GATED_COOKIES` that the request's ``Cookie`` header carried (at least one)."""
    sent = {pair.split("=", 1)[0].strip() for pair in (cookie or "").split(";")}
    carried = [gated for gated in GATED_COOKIES if gated in sent]
    if not carried:
        raise RuntimeError(f"{name}: the request carries none of {', '.join(GATED_COOKIES)}")
    expired = set()
    for value in set_cookies:
        first, *attributes = value.split(";")
        for attribute in attributes:
            key, _, age = attribute.partition("=")
            age = age.strip()
            if key.strip().lower() == "max-age" and age.lstrip("-").isdigit() and int(age) <= 0:
                expired.add(first.split("=", 1)[0].strip())
    missing = [gated for gated in carried if gated not in expired]
    if missing:
        raise RuntimeError(f"{name}: {', '.join(missing)} not expired")


def with_baselines(
    plan: list[tuple[str, str, str, str | None]], bare: str, kind_of_path: dict[str, str]
) -> list[tuple[str, str, str, str | None, str | None]]:
    """``(name, variant, path, cookie kind, baseline)`` for each case of ``plan``, each after
    a case of the ``bare`` variant with the very same request, which it is compared with.

    Except a session: reading the session cookie is the session's cost (Flask's bare app
    would read it too), so a session case is compared with the bare app and no cookie.
    """
    full: list[tuple[str, str, str, str | None, str | None]] = []
    seen: set[str] = set()
    for name, variant, path, kind in plan:
        base_kind = None if kind == "session" else kind
        base = f"{bare} {kind_of_path[path]}, {KIND_LABELS[base_kind]}"
        if base not in seen:
            seen.add(base)
            full.append((base, bare, path, base_kind, None))
        full.append((name, variant, path, kind, base))
    return full


def format_table(title: str, results: dict[str, Result], floor: str | None = None) -> str:
    """A Markdown table of ``results``: median µs/request, spread, overhead over baseline."""
    lines = [
        f"### {title}",
        "",
        "| case | median µs/req | ± | overhead µs/req | vs baseline |",
        "|---|---:|---:|---:|---|",
    ]
    for result in results.values():
        overhead = result.overhead
        lines.append(
            f"| {result.name} | {result.median:.1f} | {result.spread:.1f} | "
            f"{'' if overhead is None else f'{overhead:.1f}'} | {result.baseline or ''} |"
        )
    return "\n".join(lines)
