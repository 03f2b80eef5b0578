"""Delivering each consent record to the site's ``on_consent``: retried, reported, never lost
without a trace, and never run on the event loop's thread when it is a plain function.

The core builds the :class:`~consentkit.consent.ConsentRecord` of a choice (the endpoint's
:class:`~consentkit.core.endpoints.Response` carries it); the adapter hands it to its
:class:`ConsentLog` before it sends the response:

- ASGI, :meth:`ConsentLog.deliver_async`: a coroutine function is awaited on the event loop;
  a plain function runs in a worker thread (``asyncio.to_thread``). The response waits for the
  delivery at most :attr:`ConsentLog.response_wait` seconds; past that it goes, and the
  delivery goes on in the background, held by a strong reference until it ends.
  :meth:`ConsentLog.drain` waits for those at lifespan shutdown.
- WSGI, :meth:`ConsentLog.deliver`: called in the worker thread that serves the request (not
  an event loop), before the response. A coroutine function is run there with
  ``asyncio.run``: a new event loop per call, as Flask does for async views.

A call that raises is made again after each pause of :attr:`ConsentLog.retry_delays`; if the
last one fails too, or the delivery is cancelled (the server stopping), the record is logged at
ERROR in the ``consentkit`` logger as one JSON object, for the site's operator to add by hand.
The retry policy is written once, :meth:`ConsentLog._attempts`, and driven by both flavours.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING

from .consent import ConsentRecord

if TYPE_CHECKING:
    from .records.recorder import Recorder

logger = logging.getLogger("consentkit")

#: Seconds to pause before each retry of a call that raised: two retries.
RETRY_DELAYS = (0.1, 0.5)
#: Seconds an ASGI response waits for its record's delivery before it goes without it.
RESPONSE_WAIT = 1.0
#: Seconds the ASGI lifespan shutdown waits for deliveries still running.
DRAIN_WAIT = 5.0

#: What the pause before an attempt is; what an attempt gives back (``None``: delivered).
_Attempts = Generator[float, "Exception | None", None]


def record_json(record: ConsentRecord) -> str:
    """The record as one line of JSON (``decided_at`` in ISO 8601), as the report logs it."""
    fields = dataclasses.asdict(record)
    fields["decided_at"] = record.decided_at.isoformat()
    return json.dumps(fields, ensure_ascii=False)


def _is_coroutine_function(callback: Callable[..., object]) -> bool:
    """``async def`` functions, and objects whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(
        getattr(callback, "__call__", None)  # noqa: B004 (the method itself is inspected)
    )


async def _awaited(awaitable: Awaitable[object]) -> None:
    await awaitable


def _run_to_the_end(awaitable: Awaitable[object]) -> None:
    """Run what an ``on_consent`` returned in a new event loop (a WSGI worker runs none)."""
    coroutine = awaitable if inspect.iscoroutine(awaitable) else _awaited(awaitable)
    try:
        asyncio.run(coroutine)
    finally:
        coroutine.close()  # a no-op once run; if asyncio.run refused, no "never awaited"


class ConsentLog:
    """Delivers the records of one middleware to its ``on_consent`` callback."""

    __slots__ = ("_background", "_callback", "_is_async", "response_wait", "retry_delays")

    def __init__(self, callback: Callable[[ConsentRecord], object]) -> None:
        self._callback = callback
        self._is_async = _is_coroutine_function(callback)
        #: Pauses before each retry (seconds); see :data:`RETRY_DELAYS`.
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        #: See :data:`RESPONSE_WAIT`.
        self.response_wait = RESPONSE_WAIT
        # ASGI deliveries still running: the event loop keeps only weak references to tasks.
        self._background: set[asyncio.Task[None]] = set()

    # -- the policy, once --------------------------------------------------------------------

    def _attempts(self, record: ConsentRecord) -> _Attempts:
        """The retry policy for both flavours: yields the pause before each attempt and is
        sent that attempt's exception, or ``None`` once the callback took the record."""
        pauses = (0.0, *self.retry_delays)
        error: Exception | None = None
        for number, pause in enumerate(pauses, 1):
            error = yield pause
            if error is None:
                return
            if number < len(pauses):
                logger.warning(
                    "on_consent failed (attempt %d of %d) for consent id %s: %r; trying again",
                    number,
                    len(pauses),
                    record.consent_id,
                    error,
                )
        _report(record, f"on_consent failed {len(pauses)} times", error)

    # -- WSGI: in the calling thread ---------------------------------------------------------

    def deliver(self, record: ConsentRecord) -> None:
        """Deliver ``record`` in this thread (a WSGI worker's), retrying; returns when it is
        delivered or reported."""
        attempts = self._attempts(record)
        pause = next(attempts)
        while True:
            if pause:
                time.sleep(pause)
            try:
                pause = attempts.send(self._call(record))
            except StopIteration:
                return

    def _call(self, record: ConsentRecord) -> Exception | None:
        try:
            result = self._callback(record)
            if inspect.isawaitable(result):
                _run_to_the_end(result)
        except Exception as error:
            return error
        return None

    # -- ASGI: awaited, or in a worker thread ------------------------------------------------

    async def deliver_async(self, record: ConsentRecord) -> None:
        """Deliver ``record`` from the event loop, retrying; returns once it is delivered or
        reported, or after :attr:`response_wait` seconds, leaving the rest in the background."""
        task = asyncio.get_running_loop().create_task(self._deliver_async(record))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        done, _ = await asyncio.wait({task}, timeout=self.response_wait)
        if not done:
            logger.warning(
                "on_consent is still busy with consent id %s after %s s: the response goes "
                "now, the delivery goes on in the background",
                record.consent_id,
                self.response_wait,
            )

    async def _deliver_async(self, record: ConsentRecord) -> None:
        attempts = self._attempts(record)
        pause = next(attempts)
        try:
            while True:
                if pause:
                    await asyncio.sleep(pause)
                try:
                    pause = attempts.send(await self._call_async(record))
                except StopIteration:
                    return
        except asyncio.CancelledError:
            _report(record, "the delivery to on_consent was cancelled (the server stopped?)")
            raise

    async def _call_async(self, record: ConsentRecord) -> Exception | None:
        try:
            if self._is_async:
                await self._callback(record)  # type: ignore[misc]
            else:
                result = await asyncio.to_thread(self._callback, record)
                if inspect.isawaitable(result):
                    await result
        except Exception as error:
            return error
        return None

    async def drain(self, timeout: float = DRAIN_WAIT) -> None:
        """Wait at most ``timeout`` seconds for the deliveries still running in the
        background; cancel (and so report) the ones that do not end by then."""
        running = set(self._background)
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    def __repr__(self) -> str:
        return f"<consentkit ConsentLog of {self._callback!r}>"


def _report(record: ConsentRecord, reason: str, error: BaseException | None = None) -> None:
    """Log, at ERROR, a record that may not have reached ``on_consent``, whole."""
    logger.error(
        "%s for consent id %s; the record, to add to your consent log by hand: %s",
        reason,
        record.consent_id,
        record_json(record),
        exc_info=error,
    )


def keep_choice(recorder: Recorder | None, log: ConsentLog | None, record: ConsentRecord) -> None:
    """What happens to a choice before its answer goes, in a worker thread (WSGI, Django's
    sync mode): committed to the record store (or spooled) when ``records`` is set, then
    handed to ``on_consent`` (:meth:`ConsentLog.deliver`)."""
    if recorder is not None:
        recorder.record(record)
    if log is not None:
        log.deliver(record)


async def keep_choice_async(
    recorder: Recorder | None, log: ConsentLog | None, record: ConsentRecord
) -> None:
    """:func:`keep_choice` on an event loop: the store is written off the loop, and a plain
    ``on_consent`` runs in a worker thread (:meth:`ConsentLog.deliver_async`)."""
    if recorder is not None:
        await recorder.record_async(record)
    if log is not None:
        await log.deliver_async(record)
