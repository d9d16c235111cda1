"""Helpers shared by the mail tests (tests/test_mail_*.py): a database with base and
the test addon mail_test (tests/addons_mail) installed and users committed once per
test module and engine, and a configuration pointing the filestore at a temporary
folder.

Users (see `mail_world`): alice and bob are ticket agents (read and write tickets),
rita is an employee who may only read tickets, dave has no group. A global rule hides
confidential tickets from everyone but the superuser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core import Database, config
from tests.conftest import database_url
from tests.security_support import count_queries, rolled_back

MAIL_ADDONS = Path(__file__).resolve().parent / "addons_mail"
TICKET = "mail_test.ticket"
NOTE = "mail_test.note"

__all__ = ["MAIL_ADDONS", "NOTE", "TICKET", "MailWorld", "count_queries", "mail_world",
           "rolled_back", "use_config"]


@dataclass
class MailWorld:
    """The committed database and the ids of its users by login."""

    database: Database
    url: str
    users: dict[str, int] = field(default_factory=dict)


def mail_world(request, tmp_path_factory):
    """For a module-scoped fixture parametrized on the engines: a new database with
    base and mail_test installed and the users created and committed."""
    with database_url(request.param, tmp_path_factory.mktemp("mail"), request) as url:
        database = Database(url, addons_paths=[MAIL_ADDONS])
        with database.env() as env:
            env.addons.install(["base", "mail_test"])
            agent = env.ref("mail_test.group_agent").id
            employee = env.ref("base.group_user").id
            specs = {"alice": [agent], "bob": [agent], "rita": [employee], "dave": []}
            users = {login: env["res.users"].create({
                "name": login.capitalize(), "login": login,
                "groups_id": [(6, 0, groups)]}).id for login, groups in specs.items()}
        yield MailWorld(database, url, users)
        database.dispose()


def use_config(monkeypatch, folder: Path, **attachments) -> Path:
    """Point $TESSERA_CONFIG at a new file in `folder` whose [attachments] section
    holds `attachments` (the filestore defaults to `folder`/filestore). Returns the
    filestore folder."""
    values = {"filestore": str(folder / "filestore"), **attachments}
    lines = ["[attachments]"] + [f"{key} = {_toml(value)}" for key, value in values.items()]
    path = folder / f"tessera-{len(list(folder.glob('tessera-*.toml')))}.toml"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv(config.CONFIG_VARIABLE, str(path))
    return Path(values["filestore"])


def _toml(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)
