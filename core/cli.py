"""The `tessera` command: create databases, install addons, serve the web client."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path

import click
import sqlalchemy

from core import Database
from core.exceptions import TesseraError
from core.security.admin import ensure_admin

DEFAULT_DB = "sqlite:///data/tessera.sqlite3"
CONFIG = Path(__file__).resolve().parents[1] / "config" / "tessera.toml"


def _configured_db() -> str:
    if os.environ.get("TESSERA_DB"):
        return os.environ["TESSERA_DB"]
    if CONFIG.is_file():
        with CONFIG.open("rb") as handle:
            return tomllib.load(handle).get("database", {}).get("url", DEFAULT_DB)
    return DEFAULT_DB


class _Reported(click.ClickException):
    """Exit with status 1: the errors were printed already, one line each."""

    def __init__(self):
        super().__init__("")

    def show(self, file=None) -> None:
        """Nothing more to print."""


class _Context:
    """What the global options chose: the database URL and the extra addons paths."""
    def __init__(self, url: str, addons_paths: list[str]):
        self.url = url
        self.addons_paths = addons_paths
        self._database = None

    @property
    def database(self) -> Database:
        """The Database of --db, opened on first use."""
        if self._database is None:
            self._database = Database(self.url, addons_paths=self.addons_paths)
        return self._database


@click.group()
@click.option("--db", "url", default=None, help="Database URL (else $TESSERA_DB, else config).")
@click.option("--addons-path", default="", help="Extra addons folders, comma-separated.")
@click.pass_context
def cli(ctx, url, addons_path):
    """Tessera: manage databases and addons, serve the web client."""
    paths = [p for p in addons_path.split(",") if p]
    ctx.obj = _Context(url or _configured_db(), paths)


@cli.command()
@click.option("--demo", is_flag=True, help="Load demo data with each addon.")
@click.option("--all", "all_addons", is_flag=True, help="Install every available addon.")
@click.option("--if-missing", is_flag=True, help="Do nothing when the database exists.")
@click.pass_obj
def init(obj, demo, all_addons, if_missing):
    """Create the database (and install base, or every addon with --all)."""
    database = obj.database
    with database.env() as env:
        installed = env.addons.installed()
        if installed and if_missing:
            click.echo(f"Database {obj.url} is ready ({len(installed)} addons installed).")
            return
        if demo:
            env["ir.config.parameter"].set_param("database.demo", "1")
        manifests = env.addons.manifests()
        wanted = sorted(manifests) if all_addons else [n for n in ("base",) if n in manifests]
        done = env.addons.install(wanted) if wanted else []
        generated = ensure_admin(env) if "base" in env.addons.installed() else None
    click.echo(f"Database {obj.url} created; installed: {', '.join(done) or 'no addons'}.")
    if generated:
        click.echo(f"Log in as 'admin' with the password {generated} (shown only now; set "
                   "TESSERA_ADMIN_PASSWORD to choose it).")


@cli.command()
@click.argument("names", nargs=-1, required=True)
@click.pass_obj
def install(obj, names):
    """Install addons with their dependencies."""
    with obj.database.env() as env:
        done = env.addons.install(list(names))
    click.echo(f"Installed: {', '.join(done) or 'nothing (already installed)'}.")


@cli.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def uninstall(obj, names, yes):
    """Show what uninstalling NAMES removes (dependents included), then do it."""
    with obj.database.env() as env:
        plan = env.addons.uninstall_plan(list(names))
        click.echo(f"Uninstall plan (dependents first): {', '.join(plan.addons)}")
        for table, rows in plan.tables.items():
            click.echo(f"  drop table {table} ({rows} rows)")
        for column in plan.columns:
            click.echo(f"  drop column {column}")
        for model, count in plan.records.items():
            click.echo(f"  delete {count} {model} records created by these addons")
        if not yes and not click.confirm("Proceed?", default=False):
            raise click.exceptions.Abort()
        done = env.addons.uninstall(list(names))
    click.echo(f"Uninstalled: {', '.join(done)}.")


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_addons", is_flag=True, help="Upgrade every installed addon.")
@click.pass_obj
def upgrade(obj, names, all_addons):
    """Upgrade addons: schema, data (noupdate respected), migrations, version."""
    if not names and not all_addons:
        raise click.UsageError("name the addons to upgrade, or give --all")
    with obj.database.env() as env:
        done = env.addons.upgrade(None if all_addons else list(names))
    click.echo(f"Upgraded: {', '.join(done) or 'nothing'}.")


@cli.command()
@click.argument("name")
@click.option("--path", "path", default=None, type=click.Path(file_okay=False),
              help="Folder to create the addon in (default: the repository's addons/).")
def scaffold(name, path):
    """Create a new addon NAME: a model, views, an action, a menu, access rights, demo
    data and passing tests."""
    from core.addons.scaffold import scaffold as make_addon

    target = make_addon(name, Path(path) if path else None)
    click.echo(f"Created addon {name!r} in {target}")


@cli.group()
def user():
    """Manage users: passwords and API keys."""


def _find_user(env, login: str):
    found = env["res.users"].with_context(active_test=False).search([("login", "=", login)],
                                                                    limit=1)
    if not found:
        raise click.ClickException(f"no user with login {login!r}")
    return found


@user.command("password")
@click.argument("login")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the password from stdin.")
@click.pass_obj
def user_password(obj, login, from_stdin):
    """Set the password of LOGIN (asked twice, or read from stdin with --stdin)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    with obj.database.env() as env:
        _find_user(env, login).write({"password": password})
    click.echo(f"Password of {login} changed; their sessions were closed.")


@user.command("api-key")
@click.argument("login")
@click.option("--name", default="CLI", show_default=True, help="What the key is for.")
@click.pass_obj
def user_api_key(obj, login, name):
    """Print a new API key for LOGIN (shown once: only its hash is stored)."""
    with obj.database.env() as env:
        key = env["res.users.apikey"].generate(_find_user(env, login).id, name)
    click.echo(key)


@cli.group()
def access():
    """Inspect access rights."""


@access.command("explain")
@click.argument("login")
@click.argument("model")
@click.argument("operation", type=click.Choice(["read", "write", "create", "unlink"]))
@click.argument("record_id", required=False, type=int)
@click.pass_obj
def access_explain(obj, login, model, operation, record_id):
    """Print the access lines and rules that apply to LOGIN, and the verdict."""
    from core.security.explain import explain

    with obj.database.env() as env:
        click.echo(explain(env, login, model, operation, record_id))


@cli.group()
def views():
    """Inspect views."""


@views.command("explain")
@click.argument("model")
@click.argument("view_type")
@click.pass_obj
def views_explain(obj, model, view_type):
    """Print the combined MODEL view of VIEW_TYPE, each node with its addon."""
    from core.views.arch import explain

    with obj.database.env() as env:
        if model not in env.registry:
            raise click.ClickException(f"model {model!r} is not installed")
        view = env["ir.ui.view"]._primary_view(model, view_type, None)
        if view is None:
            raise click.ClickException(f"{model} has no {view_type} view (a default one "
                                       "is generated when it is displayed)")
        click.echo(explain(view))


@cli.command("import")
@click.argument("model")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-invalid", is_flag=True,
              help="Import the valid rows and report the invalid ones (default: all or nothing).")
@click.option("--as", "login", default=None,
              help="Import as this user: access rights, rules and defaults are theirs "
                   "(default: superuser).")
@click.pass_obj
def import_csv_file(obj, model, file, skip_invalid, login):
    """Create MODEL records from FILE.csv (header: field names or labels), with a report
    of every invalid row (docs/web.md, "Importing CSV")."""
    from core.views.csv_import import import_csv

    data = Path(file).read_bytes()
    with obj.database.env() as env:
        if model not in env.registry:
            raise click.ClickException(f"model {model!r} is not installed (see `tessera "
                                       "addons`)")
        if login:
            env = env(user=_find_user(env, login).id)
        report = import_csv(env[model], data, skip_invalid=skip_invalid)
    for error in report.errors:
        click.echo(str(error), err=True)
    if report.fatal or (report.errors and not skip_invalid):
        raise click.ClickException(report.summary())
    click.echo(report.summary())


@cli.command("addons")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_addons(obj, as_json):
    """List available addons with their state and version."""
    with obj.database.env() as env:
        manager = env.addons
        manifests = manager.manifests()
        rows = [{"name": name, "state": manager.state(name), "version": manifest.version,
                 "summary": manifest.summary} for name, manifest in sorted(manifests.items())]
        for module in env["ir.module"].search([("state", "=", "installed")]):
            if module.name not in manifests:  # installed, but its code has gone
                rows.append({"name": module.name, "state": "installed (code missing)",
                             "version": module.installed_version or "",
                             "summary": module.summary or ""})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']:<20} {row['state']:<12} {row['version']:<10} {row['summary']}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8069, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="gunicorn worker processes (one request at a time each).")
@click.option("--dev", is_flag=True, help="Werkzeug development server with reloader.")
@click.option("--access-log", is_flag=True, help="Log every request (off by default).")
@click.pass_obj
def serve(obj, host, port, workers, dev, access_log):
    """Serve the web client on http://HOST:PORT until SIGTERM or Ctrl+C."""
    from core.web import create_app, serving

    if dev:
        serving.serve_dev(obj.url, lambda: create_app(obj.database), host, port,
                          announce=click.echo)
        return
    options = serving.ServeOptions(host=host, port=port, workers=workers,
                                   access_log=access_log)
    serving.serve(obj.url, obj.addons_paths, options, announce=click.echo)


@cli.command()
@click.option("--once", is_flag=True, help="Run one round, then exit (1 if it had errors).")
@click.option("--interval", default=60.0, show_default=True, type=click.FloatRange(min=0.05),
              help="Seconds between rounds.")
@click.option("--verbose", is_flag=True, help="Also print rounds that did nothing.")
@click.pass_obj
def worker(obj, once, interval, verbose):
    """Send queued emails and SMS, run scheduled rules: a round every INTERVAL seconds
    until SIGTERM or Ctrl+C (docs/mail.md, "Sending email")."""
    import logging

    from core.worker import Worker

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database = obj.database
    if not once:
        where = database.engine.url.render_as_string(hide_password=True)
        click.echo(f"Worker on {where}: a round every {interval:g} s; stop with Ctrl+C.")
    if Worker(database, interval, click.echo, verbose).run(once=once):
        raise _Reported()


# -- incoming email (core/mailgate.py, core/mailfetch.py) -------------------------------
@cli.command("mail-gateway")
@click.option("--retry-failed", is_flag=True,
              help="Deliver again the messages kept as failed (instead of reading stdin).")
@click.pass_obj
def mail_gateway(obj, retry_failed):
    """Deliver one RFC 822 message read on standard input (run by the MTA). A message no
    addon takes is kept as a failed message; exit status 75 (EX_TEMPFAIL: the MTA keeps
    it and tries again) when it cannot even be kept."""
    import logging

    from core import mailgate

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if retry_failed:
        with obj.database.env() as env:
            delivered, failed = mailgate.retry_failed(env)
        click.echo(f"Failed messages: {delivered} delivered, {failed} still failed.")
        return
    raw = sys.stdin.buffer.read()
    try:
        outcome = mailgate.deliver_in(obj.database, raw)
    except Exception as error:  # not stored: the MTA must keep the message
        lines = str(getattr(error, "orig", None) or error).strip().splitlines()
        refused = click.ClickException(f"the message was not stored ("
                                       f"{lines[0] if lines else type(error).__name__}); "
                                       "the MTA keeps it and tries again later")
        refused.exit_code = mailgate.EX_TEMPFAIL
        raise refused from error
    if outcome.record:
        click.echo(f"Delivered to {outcome.record}.")
    else:
        click.echo(f"Not delivered: {outcome.reason}. Kept as {outcome.failure} (deliver "
                   "it again with `tessera mail-gateway --retry-failed`).")


@cli.command()
@click.option("--maildir", type=click.Path(file_okay=False), default=None,
              help="Read this Maildir (default: [fetchmail] maildir, else the IMAP mailbox).")
@click.pass_obj
def fetchmail(obj, maildir):
    """Deliver the unread messages of a Maildir or an IMAP mailbox ([fetchmail] in the
    configuration), each as `tessera mail-gateway` would."""
    import logging

    from core import mailfetch

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    summary = mailfetch.fetch(obj.database, maildir)
    if summary.errors:
        raise click.ClickException(f"fetched {summary.line()}")
    click.echo(f"Fetched: {summary.line()}.")


@cli.command()
@click.pass_obj
def shell(obj):
    """A Python shell with `env` (committed when the shell exits without error)."""
    import code

    with obj.database.env() as env:
        code.interact(banner="Tessera shell: `env` is a superuser environment.",
                      local={"env": env})


def main(argv=None) -> int:
    """Entry point of the `tessera` console script: errors print one line, never a traceback."""
    try:
        cli.main(args=argv, prog_name="tessera", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.UsageError as error:  # one line, not click's usage block
        where = error.ctx.command_path if error.ctx else "tessera"
        click.echo(f"Error: {error.format_message()} (see `{where} --help`)", err=True)
        return 1
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except TesseraError as error:
        click.echo(f"Error: {error}", err=True)
        return 1
    except sqlalchemy.exc.DBAPIError as error:  # e.g. the database server does not answer
        reason = str(error.orig or error).strip().splitlines() or [type(error).__name__]
        click.echo(f"Error: database error: {reason[0]}", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
