"""A FastAPI dependency that hands a path operation the visitor's :class:`~consentkit.Consent`.

::

    from consentkit.contrib.fastapi import ConsentDep, consent_dependency

    @app.get("/")
    def home(consent: Consent = Depends(consent_dependency)): ...

    @app.get("/stats")
    def stats(consent: ConsentDep): ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..consent import Consent
from ..lookup import get_consent


def consent_dependency(request: Request) -> Consent:
    """The consent of the request being handled (``Depends(consent_dependency)``)."""
    return get_consent(request)


#: ``consent: ConsentDep`` in a path operation's signature.
ConsentDep = Annotated[Consent, Depends(consent_dependency)]
