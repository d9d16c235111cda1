"""The background worker behind `tessera worker`: rounds of the `worker_tick` hook
(send queued emails and SMS, run scheduled rules, collect garbage).

Each round calls every installed addon's `worker_tick` implementation in a transaction
of its own, in dependency order, so that one addon failing (or losing a race) neither
stops the others nor rolls back what they did: emails already handed to the SMTP
server stay marked as sent. Errors are reported as one line each, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from core.exceptions import RetryableError, TesseraError

_logger = logging.getLogger(__name__)


@dataclass
class Round:
    """What one round did: jobs done per addon, and one line per error."""

    now: dt.datetime
    done: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The number of jobs done by every addon."""
        return sum(self.done.values())

    def summary(self) -> str:
        """One line: the time, the number of jobs and who did them."""
        details = ", ".join(f"{addon}: {count}" for addon, count in self.done.items() if count)
        return (f"{self.now:%Y-%m-%d %H:%M:%S} UTC: {self.total} job(s) done"
                + (f" ({details})" if details else ""))


def _implementations(env) -> dict:
    """{addon: worker_tick function} of the installed addons, in dependency order."""
    hook = env.registry.hooks.manager.hook.worker_tick
    # pluggy lists implementations in registration order: dependents first
    return {impl.plugin_name: impl.function for impl in reversed(hook.get_hookimpls())}


def _describe(error: BaseException) -> str:
    if isinstance(error, sa.exc.DBAPIError):
        lines = str(error.orig or error).strip().splitlines() or [type(error).__name__]
        return f"database error: {lines[0]}"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def run_round(database, now: dt.datetime | None = None) -> Round:
    """One round: each addon's `worker_tick(env=env, now=now)` in its own transaction
    (superuser). `now` defaults to the current UTC time (naive)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    result = Round(now)
    try:
        with database.env() as env:
            addons = list(_implementations(env))
    except Exception as error:  # the database does not answer: one line, try again later
        result.errors.append(_describe(error))
        return result
    for addon in addons:
        try:
            with database.env() as env:
                function = _implementations(env).get(addon)
                if function is None:  # uninstalled since the round began
                    continue
                result.done[addon] = int(function(env=env, now=now) or 0)
        except RetryableError:  # another worker got there first: next round
            _logger.info("worker_tick of %s lost a race; it runs again next round", addon)
        except (TesseraError, sa.exc.DBAPIError) as error:
            result.errors.append(f"{addon}: {_describe(error)}")
        except Exception as error:  # an addon's bug must not stop the worker
            _logger.debug("worker_tick of %s failed", addon, exc_info=True)
            result.errors.append(f"{addon}: {type(error).__name__}: {_describe(error)}")
    return result


class Worker:
    """Runs rounds every `interval` seconds until `stop()` (SIGTERM, Ctrl+C): the
    round under way is finished first; a second Ctrl+C interrupts it."""

    def __init__(self, database, interval: float, echo: Callable[..., None],
                 verbose: bool = False):
        self.database = database
        self.interval = interval
        self.echo = echo
        self.verbose = verbose
        self._stop = threading.Event()

    def stop(self, signum=None, _frame=None) -> None:
        """Ask the worker to stop after the current round (a signal handler)."""
        if self._stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl+C: do not wait for the round
        self._stop.set()

    def run(self, once: bool = False) -> int:
        """Run one round (`once`) or rounds until stopped; the exit code: 1 when the
        single round had errors, else 0."""
        handlers = self._install_handlers()
        try:
            while not self._stop.is_set():
                result = run_round(self.database)
                self.report(result)
                if once:
                    return 1 if result.errors else 0
                self._stop.wait(self.interval)
        finally:
            for signum, previous in handlers.items():
                signal.signal(signum, previous)
        self.echo("Worker stopped.")
        return 0

    def report(self, result: Round) -> None:
        """Print the round's line (rounds that did nothing only when verbose) and its
        errors on stderr."""
        if result.total or self.verbose:
            self.echo(result.summary())
        for line in result.errors:
            self.echo(f"Error: {line}", err=True)

    def _install_handlers(self) -> dict:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {}
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, self.stop)
        return previous
