"""The sans-I/O core: every decision consentkit makes, with no protocol and no I/O.

Read in this order:

- :mod:`.engine`: builds the parts from the settings; ``answer``, ``plan``, ``close``.
- :mod:`.request`: the request facts an adapter hands down.
- :mod:`.exchange`: one request's lazy facts (stored consent, grants, refused cookies, locale,
  masked address), kept in the scope or environ for :func:`consentkit.get_consent`.
- :mod:`.cookie_header`: what one ``Cookie`` header says, remembered per distinct header.
- :mod:`.endpoints`, :mod:`.choice`, :mod:`.origin`: the endpoints, the choice in a body,
  same-origin checks and ``next``.
- :mod:`.planning`, :mod:`.snippets`, :mod:`.inject`: what to do to the app's response, the
  banner and loader, and streaming them into the page.
- :mod:`.codec`, :mod:`.cookies`, :mod:`.addresses`, :mod:`.bounded`: the signed consent
  cookie, cookie syntax, client addresses, and the one cache rule.

Nothing here imports an adapter or knows what a scope or an environ is.
"""
