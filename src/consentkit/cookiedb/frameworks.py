"""The session and CSRF cookies of the common web frameworks: never gated by the database.

The Open Cookie Database describes cookies as third-party services set them, which is not
always what a first-party server means by the same name: it lists ``sessionid`` as
Instagram's marketing cookie, while on a Django site it is the login session. A cookie named
here is strictly necessary whatever the database says; a category that names it still wins
(a site that really sets Instagram's ``sessionid`` can say so).

Exact names always win over the database; a pattern here (Rails' ``_<app>_session``) wins over
the database's wildcard prefixes, but not over a name the database lists exactly (Zendesk's
``_zendesk_session`` stays Zendesk's).
"""

from __future__ import annotations

import fnmatch
import re

#: Exact cookie names, each with the framework that sets it.
FRAMEWORK_COOKIES: dict[str, str] = {
    "sessionid": "Django (session)",
    "csrftoken": "Django (CSRF)",
    "messages": "Django (messages framework)",
    "session": "Flask, Starlette, Quart, Litestar (session)",
    "PHPSESSID": "PHP (session)",
    "laravel_session": "Laravel (session)",
    "XSRF-TOKEN": "Laravel, Angular, Spring Security (CSRF)",
    "connect.sid": "Express (express-session)",
    "_csrf": "Express (csurf)",
    "JSESSIONID": "Java Servlet (session)",
    "SESSION": "Spring Session (session)",
    "ASP.NET_SessionId": "ASP.NET (session)",
    "__RequestVerificationToken": "ASP.NET MVC (CSRF)",
    ".ASPXAUTH": "ASP.NET Forms authentication",
    "csrf_token": "Flask-WTF, Starlette-CSRF (CSRF)",
}

#: Shell-style patterns, each with the framework that sets the cookies it matches.
FRAMEWORK_PATTERNS: dict[str, str] = {
    "_*_session": "Ruby on Rails (session: _<app>_session)",
    ".AspNetCore.*": "ASP.NET Core (session, antiforgery, authentication)",
    "ASPSESSIONID*": "Classic ASP (session)",
}

_PATTERNS = tuple(
    (re.compile(fnmatch.translate(pattern)), framework)
    for pattern, framework in FRAMEWORK_PATTERNS.items()
)


def framework_of(name: str, *, patterns: bool = True) -> str | None:
    """The framework whose session or CSRF cookie ``name`` is, or ``None``; with
    ``patterns=False`` only the exact names count."""
    framework = FRAMEWORK_COOKIES.get(name)
    if framework is None and patterns:
        for pattern, candidate in _PATTERNS:
            if pattern.match(name):
                return candidate
    return framework
