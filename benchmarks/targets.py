"""The targets of issue 6, each a ratio of two figures measured in the same run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024


@dataclass
class Target:
    """One target: what is compared, the measured value, the limit, and whether it is met."""

    what: str
    measured: float
    limit: float
    #: ``"<="`` (at most) or ``">="`` (at least).
    sense: str
    unit: str = "×"

    @property
    def met(self) -> bool:
        """Whether the measured value is within the limit."""
        return self.measured <= self.limit if self.sense == "<=" else self.measured >= self.limit

    @property
    def margin(self) -> str:
        """How far inside (or outside) the limit, in words."""
        if self.measured <= 0 or self.limit <= 0:
            return "met" if self.met else "not met"
        factor = self.limit / self.measured if self.sense == "<=" else self.measured / self.limit
        if self.met:
            return "met" if factor == 1 else f"met, {factor:.2f}× inside the limit"
        return f"NOT met: {1 / factor:.2f}× past the limit"


def _overhead_ratio(results: dict[str, Any], ours: str, theirs: str) -> float:
    return float(results[ours].overhead / results[theirs].overhead)


#: The floor middleware's cases, by the kind of response they are compared on.
FLOORS = {
    "HTML": "floor: the least work, HTML + fixed 4 KB snippet",
    "JSON": "floor: the least work, JSON",
}


def _floor_targets(asgi: dict[str, Any]) -> list[Target]:
    """Every ASGI consentkit case within 1.5× the floor's overhead on the same kind of response
    (the kind is its baseline's: ``bare HTML, ...`` or ``bare JSON, ...``)."""
    targets = []
    for name, result in asgi.items():
        if not name.startswith("consentkit "):
            continue
        kind = result.baseline.split(" ")[1].rstrip(",")
        targets.append(
            Target(
                f"ASGI {name.removeprefix('consentkit ')}: overhead ÷ the {kind} floor's",
                _overhead_ratio(asgi, name, FLOORS[kind]),
                1.5,
                "<=",
            )
        )
    return targets


def evaluate(measured: dict[str, Any]) -> list[Target]:
    """The targets that the sections run can answer."""
    targets: list[Target] = []
    asgi = measured.get("asgi")
    if asgi:
        targets += [
            Target(
                "ASGI decided visitor, JSON: overhead ÷ SessionMiddleware's",
                _overhead_ratio(asgi, "consentkit (d) decided, JSON", "session JSON"),
                0.2,
                "<=",
            ),
            Target(
                "ASGI no cookie, HTML + banner: overhead ÷ SessionMiddleware's",
                _overhead_ratio(asgi, "consentkit (a) no cookie, HTML + banner", "session HTML"),
                0.4,
                "<=",
            ),
            Target(
                "ASGI undecided with cookies, HTML + banner: overhead ÷ SessionMiddleware's",
                _overhead_ratio(
                    asgi, "consentkit (b) undecided with cookies, HTML + banner", "session HTML"
                ),
                0.4,
                "<=",
            ),
        ]
        targets += _floor_targets(asgi)
    loop = measured.get("loopback")
    if loop:
        for case in (
            "consentkit (a) no cookie, HTML + banner",
            "consentkit (c) decided, HTML + loader",
        ):
            short = case.split(" ", 2)[1] + " " + case.split(" ", 2)[2].split(",")[0]
            targets += [
                Target(
                    f"loopback HTML {short}: requests/s ÷ bare app's",
                    loop[case].ratio(loop["bare HTML"]),
                    0.75,
                    ">=",
                ),
                Target(
                    f"loopback HTML {short}: requests/s ÷ SessionMiddleware's",
                    loop[case].ratio(loop["session HTML"]),
                    1.35,
                    ">=",
                ),
            ]
    wsgi = measured.get("wsgi")
    if wsgi:
        targets += [
            Target(
                "Flask no cookie, HTML + banner: overhead ÷ Flask session's",
                _overhead_ratio(
                    wsgi, "consentkit (a) no cookie, HTML + banner", "Flask session HTML"
                ),
                0.25,
                "<=",
            ),
            Target(
                "Flask decided visitor, JSON: overhead ÷ Flask session's",
                _overhead_ratio(wsgi, "consentkit (d) decided, JSON", "Flask session JSON"),
                0.25,
                "<=",
            ),
        ]
    django = measured.get("django")
    if django:
        targets += [
            Target(
                "Django undecided: overhead ÷ django-cookie-consent's",
                _overhead_ratio(
                    django, "consentkit, undecided + banner", "django-cookie-consent, undecided"
                ),
                0.1,
                "<=",
            ),
            Target(
                "Django decided: overhead ÷ django-cookie-consent's",
                _overhead_ratio(
                    django, "consentkit, decided + loader", "django-cookie-consent, decided"
                ),
                0.1,
                "<=",
            ),
        ]
    memory = measured.get("memory")
    if memory:
        streams, crowd = memory
        small, big = streams
        targets += [
            Target(
                f"streaming {big.size // MB} MB: peak memory growth over a 1 KB page (MB)",
                (big.peak - small.peak) / MB,
                1.0,
                "<=",
                "MB",
            ),
            Target(
                f"streaming {big.size // MB} MB: body chunks the app had sent before the "
                "first byte went out",
                float(big.chunks_before_first_byte),
                1.0,
                "<=",
                "chunks",
            ),
            Target(
                f"{crowd.visitors:,} distinct visitors: memory growth (MB)",
                crowd.growth / MB,
                20.0,
                "<=",
                "MB",
            ),
        ]
    return targets


def format_targets(targets: list[Target]) -> str:
    """A Markdown table of the targets."""
    lines = [
        "### Targets (issue 6)",
        "",
        "| target | measured | limit | verdict |",
        "|---|---:|---:|---|",
    ]
    for target in targets:
        sign = "≤" if target.sense == "<=" else "≥"
        lines.append(
            f"| {target.what} | {target.measured:.2f} {target.unit} | {sign} {target.limit:g} "
            f"{target.unit} | {target.margin} |"
        )
    return "\n".join(lines)
