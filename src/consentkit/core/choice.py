"""A visitor's choice, from the body of ``POST <prefix>``: a form (what the banner sends
without JavaScript) or JSON (what ``consentkit.js`` sends)."""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs

#: The choices a visitor can make (the banner's three buttons).
CHOICES = frozenset({"accept_all", "reject_all", "save"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "")


@dataclass(frozen=True, slots=True)
class Choice:
    """What a valid body asks for."""

    #: ``accept_all``, ``reject_all`` or ``save``.
    choice: str
    #: The categories ticked, with ``save``.
    categories: tuple[str, ...]
    #: Where to send the visitor afterwards, unchecked (see :func:`~.origin.safe_next`).
    next_path: str | None

    def granted(self, optional: Sequence[str]) -> tuple[str, ...]:
        """The optional categories (of ``optional``, in its order) this choice grants."""
        if self.choice == "accept_all":
            return tuple(optional)
        if self.choice == "reject_all":
            return ()
        chosen = set(self.categories)
        return tuple(name for name in optional if name in chosen)


def is_json(content_type: str) -> bool:
    """Whether a request's ``Content-Type`` says its body is JSON."""
    return _media_type(content_type) == "application/json"


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def parse_choice(content_type: str, body: bytes, categories: Sequence[str]) -> Choice | str:
    """The :class:`Choice` in ``body``, or the reason it is not one (for a 400).
    ``categories`` are the configured category names."""
    media_type = _media_type(content_type)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the request body is not UTF-8"
    if media_type == "application/json":
        parsed = _from_json(text)
    elif media_type in _FORM_TYPES:
        parsed = _from_form(text)
    elif media_type == "multipart/form-data":  # a form with that enctype, Django's test Client
        parsed = _from_multipart(content_type, body)
    else:
        return (
            "send the choice as application/x-www-form-urlencoded, multipart/form-data "
            "or application/json"
        )
    if isinstance(parsed, str):
        return parsed
    choice, ticked, next_path = parsed
    if not isinstance(choice, str) or choice not in CHOICES:
        return f"unknown choice {str(choice)[:40]!r}: use accept_all, reject_all or save"
    known = set(categories)
    unknown = [c for c in ticked if c not in known]
    if unknown:
        return f"unknown category {unknown[0][:40]!r}"
    return Choice(choice, tuple(ticked), next_path)


_Fields = tuple[object, list[str], str | None]


def _from_json(text: str) -> _Fields | str:
    try:
        data = json.loads(text)
    except ValueError:
        return "the request body is not valid JSON"
    if not isinstance(data, dict):
        return "the JSON body must be an object"
    categories = data.get("categories", [])
    if isinstance(categories, str):
        categories = [categories]
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        return "categories must be a list of category names"
    next_path = data.get("next")
    return data.get("choice"), categories, next_path if isinstance(next_path, str) else None


def _from_form(text: str) -> _Fields | str:
    try:
        form = parse_qs(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except ValueError:
        return "the form has too many fields"
    return _form_fields(form)


def _from_multipart(content_type: str, body: bytes) -> _Fields | str:
    """The text fields of a ``multipart/form-data`` body (files are not choices: left out)."""
    if "boundary=" not in content_type.lower():
        return "the multipart form has no boundary"
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = _MULTIPART.parsebytes(head + body)
    if not message.is_multipart():
        return "the multipart form could not be read"
    form: dict[str, list[str]] = {}
    for index, part in enumerate(message.iter_parts()):
        if index >= _MAX_FIELDS:
            return "the form has too many fields"
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or part.get_filename() is not None:
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            payload = b""
        try:
            form.setdefault(name, []).append(payload.decode("utf-8"))
        except UnicodeDecodeError:
            return "the request body is not UTF-8"
    return _form_fields(form)


_MULTIPART = email.parser.BytesParser(policy=email.policy.HTTP)
_MAX_FIELDS = 200


def _form_fields(form: dict[str, list[str]]) -> _Fields | str:
    choices = set(form.get("choice", []))
    if len(choices) > 1:
        return "the form has more than one choice"
    choice = choices.pop() if choices else None
    return choice, form.get("categories", []), form.get("next", [None])[0]
