"""The consent value a request handler sees."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .location.geo import Location


class RequestSource(Protocol):
    """Where a :class:`Consent` finds the request's address and location, lazily."""

    def client_ip(self, full: bool) -> str:
        """The client's address, in full or truncated."""
        ...

    def locate(self) -> Location | None:
        """The approximate location of the client's address."""
        ...


@dataclass(frozen=True)
class ConsentRecord:
    """One choice a visitor made, for the site's proof of consent (GDPR art. 7(1)).

    Passed to the ``on_consent`` option when a choice is recorded. It holds no IP address and
    nothing else that identifies the visitor beyond the random ``consent_id``, which is also in
    the visitor's consent cookie (so a visitor's records can be found, exported and purged).
    """

    consent_id: str
    choice: str
    granted: tuple[str, ...]
    policy_version: str
    decided_at: datetime.datetime
    gpc: bool
    locale: str
    #: The optional categories not granted, in the configured order.
    refused: tuple[str, ...] = ()
    #: The SHA-256 of the banner and preferences text the visitor was shown (``records``).
    banner_sha256: str = ""


class Consent:
    """The visitor's consent as it applies to this request.

    ``granted`` already accounts for Global Privacy Control: with ``Sec-GPC: 1`` the
    ``gpc_opt_out`` categories are not in it, whatever the stored choice.
    """

    __slots__ = (
        "_client_ip",
        "_location",
        "_source",
        "consent_id",
        "decided",
        "decided_at",
        "gpc",
        "granted",
        "policy_version",
        "required",
    )

    def __init__(
        self,
        *,
        decided: bool,
        granted: frozenset[str],
        required: frozenset[str],
        gpc: bool,
        policy_version: str,
        consent_id: str | None = None,
        decided_at: datetime.datetime | None = None,
        source: RequestSource | None = None,
        ip_source: Callable[[bool], str] | None = None,
        location_source: Callable[[], Location | None] | None = None,
    ) -> None:
        #: The visitor has made a choice for the current ``policy_version``.
        self.decided = decided
        #: Names of the categories granted for this request, required ones included.
        self.granted = granted | required
        #: Names of the always-on categories.
        self.required = required
        #: The request carried ``Sec-GPC: 1``.
        self.gpc = gpc
        #: The policy version the middleware runs with.
        self.policy_version = policy_version
        #: A random id of the stored choice (for proving consent), or ``None``.
        self.consent_id = consent_id
        #: When the stored choice was made (UTC), or ``None``.
        self.decided_at = decided_at
        if source is None and (ip_source is not None or location_source is not None):
            source = _CallableSource(ip_source, location_source)
        # The middleware passes its per-request state; ip_source/location_source are for
        # building a Consent by hand (in an app's own tests, say).
        self._source = source
        self._client_ip: str | None = None
        self._location: Any = _UNSET

    def allows(self, category: str) -> bool:
        """Whether ``category`` is granted for this request; always true for required ones."""
        return category in self.granted

    @property
    def client_ip(self) -> str:
        """The client's address: in full with ``location`` granted, else truncated (/24, /48)."""
        if self._client_ip is None:
            source = self._source
            self._client_ip = source.client_ip(self.allows("location")) if source else ""
        return self._client_ip

    @property
    def location(self) -> Location | None:
        """The approximate location from the IP, looked up lazily; ``None`` without consent."""
        if self._location is _UNSET:
            source = self._source
            self._location = source.locate() if source and self.allows("location") else None
        return self._location  # type: ignore[no-any-return]

    def as_json(self, categories_order: tuple[str, ...]) -> dict[str, Any]:
        """The contract's JSON view: ``decided``, ``granted``, ``policy_version``, ``gpc``, and
        the receipt: ``consent_id`` and ``decided_at`` (ISO 8601 UTC), ``null`` when undecided."""
        decided_at = self.decided_at if self.decided else None
        return {
            "decided": self.decided,
            "granted": [name for name in categories_order if name in self.granted],
            "policy_version": self.policy_version,
            "gpc": self.gpc,
            "consent_id": (self.consent_id or None) if self.decided else None,
            "decided_at": decided_at.isoformat().replace("+00:00", "Z") if decided_at else None,
        }

    def __repr__(self) -> str:
        return (
            f"Consent(decided={self.decided!r}, granted={sorted(self.granted)!r}, gpc={self.gpc!r})"
        )


class _CallableSource:
    __slots__ = ("_ip", "_location")

    def __init__(
        self,
        ip_source: Callable[[bool], str] | None,
        location_source: Callable[[], Location | None] | None,
    ) -> None:
        self._ip = ip_source
        self._location = location_source

    def client_ip(self, full: bool) -> str:
        return self._ip(full) if self._ip else ""

    def locate(self) -> Location | None:
        return self._location() if self._location else None


_UNSET: Any = object()
