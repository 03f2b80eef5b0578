"""The core and every adapter but the FastAPI helper and the demo import no Starlette, so a
Flask or Django site need not install it (pyproject lists it only in the extras)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import consentkit

#: The modules that are Starlette's by nature (``fastapi`` and ``demo`` extras).
STARLETTE_MODULES = {"consentkit.contrib.fastapi", "consentkit.demo"}

# In a fresh interpreter: import every other consentkit module, one by one, and name the
# first whose import brought Starlette in.
_IMPORT_EACH = textwrap.dedent(
    """
    import importlib, json, sys
    from pathlib import Path
    import consentkit

    skip = set(sys.argv[1:])
    imported, culprit = [], None
    # From the files (pkgutil.walk_packages would import every package to look inside).
    root = Path(consentkit.__file__).parent
    names = sorted(
        ".".join(("consentkit", *path.relative_to(root).with_suffix("").parts))
        .removesuffix(".__init__")
        for path in root.rglob("*.py")
        if path.name != "__main__.py"
    )
    for name in names:
        if name in skip or any(name.startswith(s + ".") for s in skip):
            continue
        importlib.import_module(name)
        imported.append(name)
        if "starlette" in sys.modules:
            culprit = name
            break
    print(json.dumps({"imported": imported, "culprit": culprit}))
    """
)


def _import_each(skip: set[str]) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, *sorted(skip)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found: dict[str, object] = json.loads(completed.stdout)
    return found


def test_no_module_but_the_fastapi_helper_and_the_demo_imports_starlette() -> None:
    found = _import_each(STARLETTE_MODULES)
    assert found["culprit"] is None, f"{found['culprit']} imports starlette"
    imported = set(found["imported"])  # type: ignore[arg-type]
    # The modules a Flask or Django site uses are among them (and new contrib modules, such as
    # the Flask and Litestar ones, are picked up by the walk).
    assert {
        "consentkit",
        "consentkit.wsgi",
        "consentkit.asgi",
        "consentkit.contrib.django",
        "consentkit.contrib.templating",
        "consentkit.links",
        "consentkit.cli",
    } <= imported


def test_the_check_can_fail() -> None:
    """The walk does see Starlette when a module brings it in (the demo does)."""
    found = _import_each(STARLETTE_MODULES - {"consentkit.demo"})
    assert found["culprit"] == "consentkit.demo"


def test_the_package_metadata_needs_no_starlette() -> None:
    import importlib.metadata

    requires = importlib.metadata.requires("consentkit") or []
    core = [r for r in requires if "extra ==" not in r]
    assert core and not any(r.lower().startswith("starlette") for r in core), core
    extras = {
        r.split("extra ==")[1].strip(" \"'")
        for r in requires
        if r.lower().startswith(("starlette", "fastapi")) and "extra ==" in r
    }
    assert {"demo", "fastapi", "test"} <= extras
    assert consentkit.__name__ == "consentkit"
