"""consentkit: cookie-consent middleware for Python web apps, ASGI and WSGI.

Register it with one line::

    app.add_middleware(ConsentMiddleware, secret_key=KEY)            # Starlette / FastAPI
    app.wsgi_app = ConsentWSGIMiddleware(app.wsgi_app, secret_key=KEY)  # Flask

and read the visitor's choice in a handler with ``get_consent(request)``.
"""

from .asgi import ConsentMiddleware
from .categories import DEFAULT_CATEGORIES, Category
from .consent import Consent, ConsentRecord
from .location.geo import Location
from .lookup import get_consent
from .wsgi import ConsentWSGIMiddleware

__all__ = [
    "DEFAULT_CATEGORIES",
    "Category",
    "Consent",
    "ConsentMiddleware",
    "ConsentRecord",
    "ConsentWSGIMiddleware",
    "Location",
    "get_consent",
]
__version__ = "0.1.0"
