"""consentkit's built-in gettext catalogs, ``<locale>/LC_MESSAGES/consentkit.po``.

They live at the repository root and are installed as the package ``consentkit.locales``
(see ``[tool.setuptools]`` in pyproject.toml), so :mod:`importlib.resources` finds them in a
wheel, an sdist build and an editable install alike. There is no code here.
"""
