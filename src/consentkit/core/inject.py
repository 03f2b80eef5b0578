"""Streaming insertion of a snippet before ``</body>``.

The body is never buffered: each chunk goes out as it comes, less the few bytes at its end
that could be the start of a ``</body>`` split across chunks.
"""

from __future__ import annotations

_MARKER = b"</body"
_KEEP = len(_MARKER) - 1


class Injector:
    """Inserts ``snippet`` once: before the first ``</body`` (any case) found, else at the end.

    Feed it the body's chunks in order, then call :meth:`finish`; the output is exactly
    ``len(snippet)`` bytes longer than the input, so a ``Content-Length`` can be fixed up front.
    """

    __slots__ = ("_done", "_snippet", "_tail")

    def __init__(self, snippet: bytes) -> None:
        self._snippet = snippet
        self._tail = b""
        self._done = False

    def feed(self, chunk: bytes) -> bytes:
        """The bytes that can be sent now for this chunk."""
        if self._done:
            return chunk
        data = self._tail + chunk if self._tail else chunk
        index = data.lower().find(_MARKER)
        if index >= 0:
            self._done = True
            self._tail = b""
            return data[:index] + self._snippet + data[index:]
        if len(data) <= _KEEP:
            self._tail = data
            return b""
        self._tail = data[-_KEEP:]
        return data[:-_KEEP]

    def whole(self, body: bytes) -> bytes:
        """A complete body that arrived in one piece, with the snippet inserted.

        Searched from its end: before the *last* ``</body`` (any case), else at the end. A
        page's closing tag sits near its end, so this reads a few bytes where :meth:`feed` reads
        them all, and it is the right tag when a script or comment earlier in the page holds
        the text ``</body>``. Only for a fresh injector; otherwise it is :meth:`feed` then
        :meth:`finish`.
        """
        if self._done or self._tail:
            return self.feed(body) + self.finish()
        self._done = True
        index = _last_marker(body)
        if index < 0:
            return body + self._snippet
        view = memoryview(body)  # joined from views: the page is copied once, not twice
        return b"".join((view[:index], self._snippet, view[index:]))

    def finish(self) -> bytes:
        """The rest: the held-back tail, with the snippet if no ``</body`` was seen."""
        if self._done:
            return b""
        self._done = True
        tail, self._tail = self._tail, b""
        return tail + self._snippet


def _last_marker(data: bytes) -> int:
    """Where the last ``</body`` (any case) of ``data`` starts, or -1."""
    index = data.rfind(_MARKER)
    start = index + 1 if index >= 0 else 0
    later = data[start:].lower().rfind(_MARKER)  # one in another case after the last lower-case
    return start + later if later >= 0 else index
