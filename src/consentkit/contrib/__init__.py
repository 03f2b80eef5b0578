"""Thin, optional helpers for frameworks' own conventions.

Nothing here decides anything: every helper reads the per-request state the middleware left on
the request (see :func:`consentkit.get_consent`) and hands it to the framework in the form its
users expect.

- :mod:`consentkit.contrib.templating`: the template context (``consent``, the preferences
  link, a CSP nonce) for Jinja2 in Starlette, FastAPI, Flask, Quart and Litestar.
- :mod:`consentkit.contrib.fastapi`: ``Depends(consent_dependency)`` returning the
  :class:`~consentkit.Consent`.
- :mod:`consentkit.contrib.flask`: the ``ConsentKit`` extension, configured by
  ``app.config["CONSENTKIT_<OPTION>"]``.
- :mod:`consentkit.contrib.litestar`: ``ConsentPlugin``, consentkit as a Litestar plugin that also
  serves its endpoints.
- :mod:`consentkit.contrib.django`: ``CONSENTKIT = {...}`` settings, wrapping Django's WSGI and
  ASGI application, a context processor and the ``{% load consentkit %}`` template tags.
"""
