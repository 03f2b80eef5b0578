"""A throw-away PostgreSQL cluster for the tests, from Debian's ``postgresql`` package.

:class:`Cluster` runs ``initdb`` into a temporary folder, then ``pg_ctl`` starts the server on
a free port, listening on 127.0.0.1 only and on a socket in that folder, with ``fsync=off`` (a
crash loses nothing a test needs). As root (CI runs as root), the folder belongs to the
``postgres`` user and the server programs run as that user: ``initdb`` refuses root. Clients
connect over TCP as the superuser ``postgres`` (``trust`` on the loopback address: only this
machine's users can reach it, and only while the tests run)::

    with Cluster.create() as cluster:
        url = cluster.create_database("records")  # postgresql://postgres@127.0.0.1:PORT/records
        cluster.stop()   # the fault tests: the server is down ...
        cluster.start()  # ... and back, on the same port

:func:`find_binaries` finds the server programs (``None`` without them); the fixtures in
:mod:`tests.support.postgres_fixtures` skip, or fail under ``CI=true``, when there are none.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .servers import free_port

#: Where Debian puts each major version's server programs.
DEBIAN_ROOT = Path("/usr/lib/postgresql")
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
#: The account the server runs as when the tests run as root.
SERVER_USER = "postgres"
SUPERUSER = "postgres"
#: What the tests need, set in ``postgresql.conf`` once (a restart keeps the port).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",  # several worker processes, each with a pool
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
}


def find_binaries() -> Path | None:
    """The folder of ``initdb``, ``pg_ctl`` and ``postgres``: the one on ``PATH``, else
    Debian's newest ``/usr/lib/postgresql/N/bin``; ``None`` when PostgreSQL is not here."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    if DEBIAN_ROOT.is_dir():
        versions = [p for p in DEBIAN_ROOT.iterdir() if re.fullmatch(r"\d+", p.name)]
        for version in sorted(versions, key=lambda p: int(p.name), reverse=True):
            candidates.append(version / "bin")
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in SERVER_PROGRAMS):
            return folder
    return None


def _server_account() -> pwd.struct_passwd | None:
    """The ``postgres`` account when running as root (``None`` otherwise: run as oneself)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise RuntimeError(
            f"running as root, and there is no {SERVER_USER!r} user to run PostgreSQL as "
            "(Debian's postgresql package creates it)"
        ) from None


@dataclass
class Cluster:
    """One PostgreSQL server of the tests' own: its folder, port and programs."""

    binaries: Path
    folder: Path
    port: int
    account: pwd.struct_passwd | None

    @classmethod
    def create(cls, binaries: Path | None = None) -> Cluster:
        """``initdb`` a new cluster in a new temporary folder and start it."""
        binaries = binaries or find_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        account = _server_account()
        folder = Path(tempfile.mkdtemp(prefix="consentkit-pg-"))
        cluster = cls(binaries, folder, 0, account)
        try:
            if account is not None:
                os.chown(folder, account.pw_uid, account.pw_gid)
            cluster._initdb()
            cluster._start_on_a_free_port()
        except BaseException:
            cluster.remove()
            raise
        return cluster

    @property
    def data(self) -> Path:
        """The data directory."""
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        """The folder of the server's Unix socket."""
        return self.folder / "socket"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The ``postgresql://`` URL of ``database`` on this server."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(self.binaries / program), *args]
        if self.account is not None:
            argv = ["runuser", "-u", self.account.pw_name, "--", *argv]
        result = subprocess.run(
            argv, cwd=self.folder, capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}"
            )
        return result

    def _log_tail(self) -> str:
        try:
            return "\n-- server log --\n" + self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        socket_dir = self.socket_dir
        self._run("postgres", "--version")  # the programs run as the server's user
        socket_dir.mkdir()
        if self.account is not None:
            os.chown(socket_dir, self.account.pw_uid, self.account.pw_gid)
        settings = {**SETTINGS, "unix_socket_directories": f"'{socket_dir}'"}
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# consentkit's tests\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def _start_on_a_free_port(self, attempts: int = 3) -> None:
        """Pick a free port and start; another process may take the port first: try again."""
        for attempt in range(attempts):
            self.port = free_port()
            with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write(f"port = {self.port}\n")  # the last setting of a name wins
            try:
                self.start()
                return
            except RuntimeError:
                if attempt == attempts - 1:
                    raise

    def start(self) -> None:
        """Start the server (again) and wait until it accepts connections."""
        self._run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.log), "--wait", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends the open connections; ``immediate`` is a crash."""
        self._run("pg_ctl", "--pgdata", str(self.data), "--mode", mode, "--wait", "stop")

    @property
    def running(self) -> bool:
        """Whether the server runs (``pg_ctl status``)."""
        return (
            self._run("pg_ctl", "--pgdata", str(self.data), "status", check=False).returncode == 0
        )

    @contextmanager
    def stopped(self, mode: str = "fast") -> Iterator[None]:
        """The server is down inside the block and up again after it, whatever happens."""
        self.stop(mode)
        try:
            yield
        finally:
            self.start()

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        self._run(
            "psql",
            "--host",
            str(self.socket_dir),
            "--port",
            str(self.port),
            "--username",
            SUPERUSER,
            "--dbname",
            "postgres",
            "--quiet",
            "--set",
            "ON_ERROR_STOP=1",
            "--command",
            f"CREATE DATABASE {name}",
        )
        return self.url(name)

    def remove(self) -> None:
        """Stop the server if it runs, and remove its folder."""
        try:
            if self.data.is_dir() and self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()
