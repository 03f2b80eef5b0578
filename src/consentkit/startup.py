"""What ``ConsentMiddleware(...)`` gives when it cannot start inside a running event loop.

Outside an event loop (a module's import, the usual ``app = ConsentMiddleware(app, ...)``) a
bad option raises at once, and the server never starts. Starlette's
``middleware=[Middleware(ConsentMiddleware, ...)]`` and FastAPI's ``app.add_middleware`` build
the middleware later, on the app's first ASGI call, inside the server's event loop; under
uvicorn's default ``--lifespan auto`` that first call is the lifespan scope, and an exception
there reads as "lifespan unsupported": the server would start and answer every request with a
500. So, inside a running loop, the constructor returns a :class:`MisconfiguredMiddleware`
instead, which:

- logs the message at ERROR in the ``consentkit`` logger, once, when it is built;
- answers the lifespan ``startup`` with ``lifespan.startup.failed`` and the message, so that
  the server logs it and exits (uvicorn with status 3, Hypercorn too);
- answers each HTTP request with a 500 that names the option to fix (for a server that runs
  no lifespan protocol), and refuses each WebSocket connection.

The message itself (it may hold a folder's path) goes to the log, not to visitors.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from .asgi import ConsentMiddleware, Receive, Scope, Send
from .option_checks import OptionError

logger = logging.getLogger("consentkit")


def in_running_event_loop() -> bool:
    """Whether this thread is running an event loop (asyncio's, or trio's), where raising from
    a lazily built middleware would not stop the server."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return True
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return False
    return True


class MisconfiguredMiddleware(ConsentMiddleware):
    """The app that stands in for a :class:`ConsentMiddleware` whose options were refused
    inside a running event loop: it fails the server's start-up with the message, and answers
    500 to every request. ``error`` is the exception, ``message`` what the log says.

    Built only by :meth:`instead_of`; the wrapped app is kept as ``app`` and never called.
    """

    error: Exception
    message: str
    _body: bytes

    @classmethod
    def instead_of(cls, app: Any, error: Exception) -> MisconfiguredMiddleware:
        """The stand-in for a middleware around ``app`` that ``error`` stopped; logs it."""
        self = object.__new__(cls)
        self.app = app
        self.error = error
        self.message = f"consentkit cannot start: {error}"
        expected = isinstance(error, (ValueError, TypeError))  # a refused option, not a bug
        logger.error(self.message, exc_info=None if expected else error)
        refused = (
            f": its option {error.option!r} was refused" if isinstance(error, OptionError) else ""
        )
        self._body = (
            f"consentkit could not start{refused}, so this site answers every request with this "
            "error. The server's log (logger 'consentkit', level ERROR) says what to change; "
            "fix it and restart the server. A server that runs the ASGI lifespan protocol "
            "(uvicorn with its default --lifespan auto) stops at start-up with that message "
            "instead.\n"
        ).encode()
        return self

    def __init__(self, app: Any, **options: Any) -> None:
        """Nothing to do: Python calls this after ``ConsentMiddleware.__new__`` returned the
        stand-in, which :meth:`instead_of` has already set up."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.failed", "message": self.message})
            else:
                await send({"type": "lifespan.shutdown.complete"})
        elif kind == "http":
            headers = [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", b"%d" % len(self._body)),
                (b"cache-control", b"no-store"),
            ]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": self._body})
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1011})

    def __repr__(self) -> str:
        return f"<consentkit MisconfiguredMiddleware: {self.error}>"
