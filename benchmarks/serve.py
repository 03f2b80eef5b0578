"""Serve one benchmark variant with uvicorn, one worker.

python -m benchmarks.serve NAME PORT
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run uvicorn on 127.0.0.1:PORT with the variant NAME of :func:`asgi_variants`."""
    import uvicorn

    from .apps import asgi_variants

    name, port = sys.argv[1], int(sys.argv[2])
    app = asgi_variants()[name]
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
