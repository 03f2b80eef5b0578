"""Insertion of a snippet before a document's real ``</body>``, as the body streams by.

Only a whole document gets the snippet: one whose first tag, after whitespace, a BOM and
comments (``<?…>`` too, which HTML reads as a comment), is ``<!doctype``, ``<html``, ``<head``
or ``<body``, in any case, within its first :data:`DECIDE_WITHIN` bytes. A fragment (``Hello``,
``<h1>…``) passes untouched.

The snippet goes before the first ``</body`` that an HTML tokenizer reads as a tag: one inside
a comment, or in the text of a ``script``, ``style``, ``textarea``, ``title``, ``iframe`` or
``noscript`` element, is text. A document with none gets the snippet at its end.

A body in one piece (:meth:`Injector.whole`) and a stream (:meth:`Injector.feed`) run the same
scanner, so they agree for every split of the same bytes. It jumps from one place that could
start such a tag to the next with compiled patterns, never byte by byte in Python. A stream is
never buffered: a chunk goes out at once, less the few bytes at its end that could begin a tag
split across chunks (and, until its first tag shows whether it is a document, its start).
"""

from __future__ import annotations

import re
from typing import Final, TypeAlias

from .bounded import BoundedCache

#: How far into a body its first tag is looked for; a body that shows none by then (only
#: whitespace and comments) is taken for a fragment. Also the most a stream holds back.
DECIDE_WITHIN: Final = 4096

_SPACE = rb"[\t\n\f\r ]"
_NAME_ENDS = rb"(?=[\t\n\f\r />])"
_COMMENT = (
    # Closed by the first -->, --!> (or at once: <!--> and <!--->), never by a later one.
    rb"<!--(?:-?>|(?!-?>)[^-]*(?:-(?!-!?>)[^-]*)*--!?>)"
)
_PROLOGUE = (
    rb"(?:\xef\xbb\xbf)?" + _SPACE + rb"*(?:(?:" + _COMMENT + rb"|<\?[^>]*>)" + _SPACE + rb"*)*"
)
_DOCUMENT = re.compile(_PROLOGUE + rb"<(?:!doctype|(?:html|head|body)" + _NAME_ENDS + rb")", re.I)
_PROLOGUE_ONLY = re.compile(_PROLOGUE)
#: What a body's start may still become, when it is no more than a beginning of one of these.
_OPENINGS = (b"<!--", b"<?", b"<!doctype", b"<html", b"<head", b"<body")

#: Elements whose content is text up to their own end tag (raw text and RCDATA). The obsolete
#: xmp, noembed and noframes are left out: a page that puts ``</body>`` in one is not worth
#: letting far more ordinary tags through the classes below.
_RAW_TEXT = (b"script", b"style", b"textarea", b"title", b"iframe", b"noscript")
#: The tags the scanner looks for in markup, after ``<`` (and ``!--``, a comment).
_TAGS = (b"/body", *_RAW_TEXT)


def _any_case(text: bytes) -> bytes:
    """A pattern for ``text`` in any case, as classes (``[sS][cC]…``), which keep the regular
    expression engine on its fast paths where a case-insensitive flag would not."""
    return b"".join(
        b"[%c%c]" % (c, c - 32) if 97 <= c <= 122 else re.escape(bytes([c])) for c in text
    )


def _column(tokens: tuple[bytes, ...], index: int) -> bytes:
    """A class of every byte that one of ``tokens`` has at ``index``, in either case."""
    found = {token[index] for token in tokens}
    found |= {c - 32 for c in found if 97 <= c <= 122}
    return b"[" + b"".join(re.escape(bytes([c])) for c in sorted(found)) + b"]"


#: A comment or a tag the scanner cares about. Classes, one per byte after ``<``, that nearly
#: every other tag fails at once (``</tr>``, ``<strong>`` and ``</option>`` too); what passes
#: them is told apart by a look behind.
_TOKEN = re.compile(
    b"<"
    + b"".join(_column((b"!--", *_TAGS), index) for index in range(3))
    + b"(?:"
    + _column(_TAGS, 3)
    + b"(?:"
    + b"|".join(b"(?<=<" + _any_case(t[:4]) + b")" + _any_case(t[4:]) + _NAME_ENDS for t in _TAGS)
    + b")|(?<=<!--))"
)

#: A scanner state: the pattern that ends it, the most bytes from the start of a match that
#: decide it, and the byte every match starts with.
_State: TypeAlias = tuple[re.Pattern[bytes], int, bytes]
_IN_MARKUP: _State = (_TOKEN, 1 + max(map(len, _TAGS)) + 1, b"<")
_IN_COMMENT: _State = (re.compile(rb"--!?>"), 4, b"-")
_IN_TEXT: dict[bytes, _State] = {
    name: (re.compile(b"</" + _any_case(name) + _NAME_ENDS), len(name) + 3, b"<")
    for name in _RAW_TEXT
}


class Injector:
    """Inserts ``snippet`` once, into a document, before its real ``</body>`` (else at its end).

    Feed it the body's chunks in order, then call :meth:`finish`, or give it the whole body to
    :meth:`whole`. :attr:`document` says, as soon as the body's start has shown it, whether the
    output is ``len(snippet)`` bytes longer than the input (a document) or the input itself (a
    fragment); until then :meth:`feed` holds the body back.
    """

    __slots__ = ("_held", "_snippet", "_state", "document")

    def __init__(self, snippet: bytes) -> None:
        self._snippet = snippet
        self._held = b""
        #: Where the scanner is; ``None`` once nothing is left to do (the rest passes through).
        self._state: _State | None = _IN_MARKUP
        #: Whether the body is a document, ``None`` while its start does not show it yet.
        self.document: bool | None = None

    def feed(self, chunk: bytes) -> bytes:
        """The bytes that can be sent now for this chunk."""
        state = self._state
        if state is None:
            return chunk
        data = self._held + chunk if self._held else chunk
        if self.document is None:
            document = _is_document(data, len(data) >= DECIDE_WITHIN)
            if document is None:
                self._held = data
                return b""
            self.document = document
            if not document:
                self._state = None
                self._held = b""
                return data
        return self._scanned(data, state, False)

    def whole(self, body: bytes) -> bytes:
        """A complete body that arrived in one piece, with the snippet inserted if it is a
        document; the same as :meth:`feed` then :meth:`finish`."""
        if self.document is not None or self._held:
            return self.feed(body) + self.finish()
        self._state = None
        self.document = (
            body[:9].lower() == b"<!doctype" or _DOCUMENT.match(body, 0, DECIDE_WITHIN) is not None
        )
        if not self.document:
            return body
        index = _plain_closing_tag(body)
        if index is None:  # what follows the last </body may make it text: read it all
            index = _scan(body, _IN_MARKUP, True)[0]
        if index < 0:
            return body + self._snippet
        view = memoryview(body)  # joined from views: the page is copied once, not twice
        return b"".join((view[:index], self._snippet, view[index:]))

    def finish(self) -> bytes:
        """The rest: the held-back bytes, with the snippet if it is still to go in."""
        state = self._state
        if state is None:
            return b""
        data, self._held = self._held, b""
        if self.document is None:
            self.document = _is_document(data, True)
        if not self.document:
            self._state = None
            return data
        return self._scanned(data, state, True)

    def _scanned(self, data: bytes, state: _State, final: bool) -> bytes:
        """``data`` of a document, scanned from ``state``: what can go out now."""
        index, resume, state = _scan(data, state, final)
        if index >= 0:
            self._state = None
            self._held = b""
            view = memoryview(data)
            return b"".join((view[:index], self._snippet, view[index:]))
        if final:
            self._state = None
            return data + self._snippet
        self._state = state
        if resume == len(data):
            self._held = b""
            return data
        self._held = data[resume:]
        return data[:resume]


#: What, after a page's last ``</body``, could mean that it is text (it is in a comment or a
#: raw-text element that ends after it) or that it is not the only one.
_HIDES_A_CLOSING_TAG = re.compile(rb"--|</?(?:body|" + b"|".join(_RAW_TEXT) + rb")", re.I)
#: What may follow a tag's name (a ``</body`` cut off at the body's end is no tag).
_TAG_NAME_ENDS = frozenset({b"\t", b"\n", b"\f", b"\r", b" ", b"/", b">"})


def _plain_closing_tag(body: bytes) -> int | None:
    """Where a page's real ``</body>`` is when a search from its end finds it: the last
    ``</body`` (lower case, as templates write it) when nothing after it could make it text
    (the end of a comment or of a raw-text element) or follow another one; ``None`` otherwise,
    and then the page is read from its start (:func:`_scan`), the stream's way.

    A page in one piece sits in memory, its closing tag near its end: reading a few bytes
    there costs nothing, reading it all ~0.6 ns a byte. On a well-formed page (every comment
    and raw-text element closed) the two agree: a ``</body`` inside one is followed by its
    end. A broken page, with a ``<script>`` or comment left open before its last ``</body``
    or two real ``</body>`` tags, gets the snippet before that last one (docs/limitations.md).
    """
    index = body.rfind(b"</body")
    if index < 0:
        return None
    tail = body[index + 6 :]
    return None if hiding_tails[tail] else index


def _hides(tail: bytes) -> bool:
    """Whether what follows a page's last ``</body`` (``tail``) makes that no closing tag: it
    does not end the tag's name, or it could make it text or follow another one."""
    return tail[:1] not in _TAG_NAME_ENDS or _HIDES_A_CLOSING_TAG.search(tail) is not None


#: :func:`_hides` of the tails seen: a site's pages mostly end alike (``">\n</html>\n"``), so
#: a short tail's answer is remembered (a longer one is worked out every time).
hiding_tails: BoundedCache[bytes, bool] = BoundedCache(_hides, 64, longest_key=64)


def _is_document(start: bytes, final: bool) -> bool | None:
    """Whether a body beginning with ``start`` is a document; ``None`` when more of it could
    still tell (never when ``final``: no more is coming, or enough was read)."""
    # The first test is the usual page's start, told without the pattern (as in whole()).
    if start[:9].lower() == b"<!doctype" or _DOCUMENT.match(start, 0, DECIDE_WITHIN) is not None:
        return True
    if final:
        return False
    prologue = _PROLOGUE_ONLY.match(start)
    end = prologue.end() if prologue is not None else 0
    rest = start[end:]
    if rest.startswith((b"<!--", b"<?")):
        return None  # a comment not closed yet
    if end == 0 and b"\xef\xbb\xbf".startswith(rest):
        return None  # nothing yet, or the start of a BOM
    beginning = rest[:9].lower()
    if len(rest) < 9 and any(opening.startswith(beginning) for opening in _OPENINGS):
        return None
    return False


def _scan(data: bytes, state: _State, final: bool) -> tuple[int, int, _State]:
    """Look through ``data``, from its start in ``state``, for the real ``</body``.

    Returns where it starts (or -1), where a later scan must resume (the bytes before that are
    settled) and in which state. Unless ``final``, a match counts only once every byte that
    decides it is there; the bytes from the first one that could begin a match still to come
    are left for the next scan.
    """
    size = len(data)
    pos = 0
    while True:
        pattern, need, lead = state
        match = pattern.search(data, pos)
        if match is None or (not final and match.start() > size - need):
            if final:
                return -1, size, state
            held = data.find(lead, max(pos, size - need + 1))
            return -1, size if held < 0 else held, state
        pos = match.end()
        if state is not _IN_MARKUP:
            state = _IN_MARKUP
            continue
        token = data[match.start() + 1 : pos].lower()
        if token == b"/body":
            return match.start(), pos, state
        if token != b"!--":
            state = _IN_TEXT[token]
        elif data.startswith(b">", pos):  # <!--> : a comment that closes at once
            pos += 1
        elif data.startswith(b"->", pos):
            pos += 2
        else:
            state = _IN_COMMENT
