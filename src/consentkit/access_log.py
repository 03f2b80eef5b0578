"""``TruncateAddresses``: a logging filter for servers that log addresses from their own copy.

consentkit masks the ASGI scope and the WSGI environ in place, so a server that logs from them
(uvicorn, gunicorn's ``%(h)s``, hypercorn, werkzeug for a request it has read) logs the address
consentkit shows the app. Some lines come from the server's own copy of the address instead:
werkzeug's for a request it could not read, hypercorn's for a request that ended before the
app ran, gunicorn's ``%({x-forwarded-for}i)s`` (the raw header), a proxy's address in an error
message. This filter truncates every IPv4 and IPv6 address in a log record, whoever's it is::

    import logging
    from consentkit.access_log import TruncateAddresses

    logging.getLogger("werkzeug").addFilter(TruncateAddresses())

or, in a ``logging.config.dictConfig`` (uvicorn's ``--log-config``, gunicorn's
``logconfig_dict``, hypercorn's ``--log-config``)::

    "filters": {"truncate_addresses": {"()": "consentkit.access_log.TruncateAddresses"}},
    "handlers": {"access": {..., "filters": ["truncate_addresses"]}},

A log line does not say whose address it holds, nor whether that visitor granted
``location``: so the filter truncates all of them, the consenting visitors' and the server's
own (its start-up line, say) too. That is the safe direction.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

from .location.ip import IPV4_PREFIX, IPV6_PREFIX, truncate_addresses_in

__all__ = ["TruncateAddresses"]


class TruncateAddresses(logging.Filter):
    """A :class:`logging.Filter` that truncates every IPv4 and IPv6 address in a record (IPv4
    to /24 and IPv6 to /48, or coarser) and lets the record through.

    It rewrites the record's message and each of its arguments that is text (a tuple of them,
    as uvicorn and werkzeug log, or a mapping, as gunicorn does), keeping their shape so that
    the server's formatter still works; the formatted traceback and stack of a record that has
    them; and, should the formatted message still hold an address that only its pieces
    together make, it replaces the record's message by the truncated whole. Attach it to the
    logger that logs the lines (``uvicorn.access``, ``gunicorn.access``, ``hypercorn.access``,
    ``werkzeug``) or to a handler, which sees the records of every logger under it.

    ``name``, as for any :class:`logging.Filter`, limits it to the records of that logger and
    those below it; the others go through unchanged (it never drops a record).
    """

    def __init__(
        self, name: str = "", *, ipv4_prefix: int = IPV4_PREFIX, ipv6_prefix: int = IPV6_PREFIX
    ) -> None:
        super().__init__(name)
        truncate_addresses_in("", ipv4_prefix=ipv4_prefix, ipv6_prefix=ipv6_prefix)  # checks
        self.ipv4_prefix = ipv4_prefix
        self.ipv6_prefix = ipv6_prefix

    def truncate(self, text: str) -> str:
        """``text`` with every address in it truncated."""
        return truncate_addresses_in(
            text, ipv4_prefix=self.ipv4_prefix, ipv6_prefix=self.ipv6_prefix
        )

    def filter(self, record: logging.LogRecord) -> bool:
        """Truncate the addresses in ``record`` in place; always let it through."""
        if not super().filter(record):
            return True  # a record of another logger (``name`` given): not ours to change
        if isinstance(record.msg, str):
            record.msg = self.truncate(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(self._value(value) for value in args)
        elif isinstance(args, Mapping):
            record.args = self._mapping(args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.truncate(record.exc_text)
        if record.stack_info:
            record.stack_info = self.truncate(record.stack_info)
        try:
            message = record.getMessage()
        except Exception:  # the server's own mistake: its handler reports it as it would
            return True
        truncated = self.truncate(message)
        if truncated != message:  # an address made of pieces: keep only the truncated whole
            record.msg, record.args = truncated, None
        return True

    def _value(self, value: Any) -> Any:
        return self.truncate(value) if isinstance(value, str) else value

    def _mapping(self, args: Mapping[str, Any]) -> Mapping[str, Any]:
        """The mapping with its text values truncated: a copy of the same class when it is a
        dict (gunicorn's atoms answer ``-`` for a missing key, and must go on doing so)."""
        if isinstance(args, dict):
            changed = copy.copy(args)
            for key, value in args.items():
                if isinstance(value, str):
                    changed[key] = self.truncate(value)
            return changed
        return {key: self._value(value) for key, value in args.items()}
