"""Running the web client: gunicorn sync workers in production, Werkzeug's development
server with the reloader under `--dev` (see `tessera serve`).

Each gunicorn worker opens its own `Database` (engine, connection pool, registry) after
the fork: nothing that holds a connection crosses a process boundary. The workers stay
consistent with each other because every transaction compares the registry sequence
(`ir.config.parameter` `registry.sequence`) with the one its registry was built from,
and reloads it when another process installed, upgraded or removed an addon.

The master binds the listening socket itself before anything else, so that a port in
use is one clear error at once (gunicorn alone retries for five seconds), and hands it
to gunicorn as `fd://N`.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
from dataclasses import dataclass

from gunicorn.app.base import BaseApplication

from core.exceptions import TesseraError
from core.web.app import create_app

LOG_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class ServeOptions:
    """How `tessera serve` runs: address, worker processes and their limits."""

    host: str = "127.0.0.1"
    port: int = 8069
    workers: int = 2
    access_log: bool = False
    # seconds a worker has to finish its request after SIGTERM before it is killed
    graceful_timeout: int = 10
    # seconds a worker may stay busy on one request before the master restarts it
    timeout: int = 60

    @property
    def address(self) -> str:
        """host:port, with brackets around an IPv6 host."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


class PortInUseError(TesseraError):
    """The address `tessera serve` should listen on is taken or not available."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port and listening, or PortInUseError saying what to
    do when another program holds the port (or the address is not this machine's)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise PortInUseError(f"cannot listen on {host}:{port}: unknown host ({error.strerror})"
                             "; give an address of this machine with --host") from error
    family, kind, proto, _name, sockaddr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        # as gunicorn and werkzeug do: a restart may rebind while old connections linger
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"cannot listen on {host}:{port}: the port is already in use (another "
                "server?); stop that program or choose another --port") from error
        raise PortInUseError(f"cannot listen on {host}:{port}: {error.strerror}; check "
                             "--host and --port") from error
    return sock


def check_port(host: str, port: int) -> None:
    """Raise PortInUseError when host:port cannot be listened on (the socket is closed
    again at once)."""
    listening_socket(host, port).close()


def check_database(url: str, addons_paths) -> None:
    """Open the database once before forking: a server that cannot reach its database
    says so at start, and a new database gets its system tables from one process only
    (not from two workers racing). Every connection is closed before the workers fork."""
    from core import Database

    database = Database(url, addons_paths=addons_paths)
    try:
        with database.env():
            pass
    finally:
        database.dispose()


class TesseraServer(BaseApplication):
    """gunicorn running the web client of one database with sync workers.

    The application (and its Database) is built lazily in `load`, which gunicorn calls
    in each worker after the fork (`preload_app` stays off)."""

    def __init__(self, url: str, addons_paths, options: ServeOptions, fd: int):
        self.url = url
        self.addons_paths = list(addons_paths or [])
        self.options = options
        self.fd = fd
        self.database = None  # set in each worker by load()
        super().__init__(prog="tessera serve")

    def settings(self) -> dict:
        """The gunicorn settings this server runs with."""
        options = self.options
        return {
            "bind": [f"fd://{self.fd}"],
            "workers": options.workers,
            "worker_class": "sync",
            "preload_app": False,  # each worker builds its own Database after the fork
            "accesslog": "-" if options.access_log else None,
            "errorlog": "-",
            "loglevel": "info",
            "graceful_timeout": options.graceful_timeout,
            "timeout": options.timeout,
            "proc_name": "tessera",
            # gunicorn's control socket is one per user by default: two servers would
            # fight over it, and nothing here uses it
            "control_socket_disable": True,
            "worker_exit": _close_worker_database,
        }

    def load_config(self):
        """Apply `settings()` (BaseApplication hook; no command line nor config file)."""
        for key, value in self.settings().items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        """The WSGI application of this worker, with its own Database (called after the
        fork, once per worker)."""
        from core import Database

        # warnings and errors of everything to stderr; Tessera's own messages from INFO
        # (not SQLAlchemy's: at INFO it would log every statement)
        logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT, stream=sys.stderr)
        for name in ("core", "addons"):
            logging.getLogger(name).setLevel(logging.INFO)
        self.database = Database(self.url, addons_paths=self.addons_paths)
        return create_app(self.database)


def _close_worker_database(_arbiter, worker) -> None:
    """gunicorn's worker_exit hook: close the exiting worker's connections."""
    server = getattr(worker, "app", None)
    database = getattr(server, "database", None)
    if database is not None:
        database.dispose()


def serve(url: str, addons_paths, options: ServeOptions, announce=print) -> None:
    """Serve the web client of `url` with gunicorn until SIGTERM or SIGINT (graceful:
    the workers finish their requests), then exit with status 0. Raises PortInUseError
    at once when the address is taken, and database errors when it cannot be opened."""
    if options.workers < 1:
        raise TesseraError(f"--workers must be at least 1, not {options.workers}")
    sock = listening_socket(options.host, options.port)
    try:
        check_database(url, addons_paths)
    except BaseException:
        sock.close()
        raise
    announce(f"Serving {url} on http://{options.address} with {options.workers} "
             f"worker{'s' if options.workers > 1 else ''} (pid {os.getpid()}; "
             "SIGTERM or Ctrl+C stops)")
    fd = sock.detach()  # gunicorn owns the descriptor from here on
    TesseraServer(url, addons_paths, options, fd).run()


def serve_dev(url: str, app_factory, host: str, port: int, announce=print) -> None:
    """Werkzeug's development server with the reloader (its debugger off), one thread
    per request: it restarts when a Python file changes. `app_factory()` builds the WSGI
    application of `url`."""
    from werkzeug.serving import is_running_from_reloader, run_simple

    if not is_running_from_reloader():  # the reloader's child inherits the bound port
        check_port(host, port)
        announce(f"Serving {url} on http://{ServeOptions(host, port).address} "
                 "(development server with reloader)")
    run_simple(host, port, app_factory(), use_reloader=True, threaded=True)
