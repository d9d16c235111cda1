"""The addon manager of one environment: install, upgrade, uninstall, and state.

Each operation runs inside the environment's transaction and inside a savepoint of
its own: a failure (bad data file, constraint, exception in a hook) leaves the
database exactly as it was, schema included, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import importlib.util
from dataclasses import dataclass, field

import sqlalchemy as sa

from core.addons import migrations
from core.addons.discovery import (
    addon_module,
    call_addon_code,
    discover,
    import_addon,
    reload_addon,
)
from core.addons.graph import auto_install_candidates, install_order
from core.addons.ownership import schema_objects
from core.exceptions import AddonError
from core.orm.schema import sync_schema
from core.orm.schema_drop import drop_objects
from core.views.data import DataLoader
from core.views.validate import validate_views

REGISTRY_SEQUENCE = "registry.sequence"
DEMO_PARAMETER = "database.demo"


@dataclass
class UninstallPlan:
    """What an uninstall will remove: addons (dependents first), tables, columns,
    and how many rows or owned records go with them."""

    addons: list[str]
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    columns: list[str] = field(default_factory=list)  # "table.column"
    records: dict[str, int] = field(default_factory=dict)  # model -> owned records deleted


class AddonManager:
    """`env.addons`: lifecycle operations inside the environment's transaction."""

    def __init__(self, database, env):
        self.database = database
        self.env = env

    # -- information ---------------------------------------------------------------
    def manifests(self) -> dict:
        """{name: Manifest} of every addon in the addons paths."""
        return discover(self.database.addons_paths)

    def _modules(self):
        return self.env["ir.module"].sudo()

    def installed(self) -> list[str]:
        """Installed addons, in install order."""
        return [m.name for m in self._modules().search([("state", "=", "installed")])]

    def state(self, name: str) -> str:
        """'installed', 'uninstalled' or 'unknown' (in no addons path, never installed)."""
        module = self._modules().search([("name", "=", name)], limit=1)
        if module:
            return module.state
        return "uninstalled" if name in self.manifests() else "unknown"

    def _param(self):
        return self.env["ir.config.parameter"].sudo()

    def _bump_sequence(self) -> None:
        current = int(self._param().get_param(REGISTRY_SEQUENCE, "0"))
        self._param().set_param(REGISTRY_SEQUENCE, current + 1)

    @contextlib.contextmanager
    def _operation(self):
        """All-or-nothing: a savepoint for the data and schema, and the registry the
        transaction had before, put back on failure."""
        transaction = self.env.transaction
        registry = transaction.registry
        try:
            with self.env.atomic():
                yield
        except BaseException:
            transaction.registry = registry
            transaction.invalidate()
            raise

    def _switch_registry(self, addons: list[str]) -> None:
        transaction = self.env.transaction
        transaction.registry = self.database.registry_for(addons)
        transaction.invalidate()

    # -- install -------------------------------------------------------------------
    def install(self, names, demo: bool | None = None) -> list[str]:
        """Install addons with their dependencies, then bridges (`auto_install`) whose
        dependencies are all installed. Demo data is loaded when the database was
        created with demo data (or `demo=True`). Returns the addons installed."""
        if isinstance(names, str):
            names = [names]
        manifests = self.manifests()
        if demo is None:
            demo = self._param().get_param(DEMO_PARAMETER) == "1"
        installed = self.installed()
        done: list[str] = []
        views: list[int] = []
        with self._operation():
            pending = [n for n in install_order(names, manifests) if n not in installed]
            while pending:
                for name in pending:
                    views += self._install_one(name, manifests[name], installed, demo)
                    installed.append(name)
                    done.append(name)
                bridges = auto_install_candidates(set(installed), manifests)
                pending = [n for n in install_order(bridges, manifests) if n not in installed]
            self._validate_views(views)
            if done:
                self._bump_sequence()
        return done

    def _validate_views(self, view_ids: list[int]) -> None:
        """Check every view the operation touched, all errors reported at once."""
        views = self.env["ir.ui.view"].sudo().browse(view_ids).exists()
        errors = validate_views(self.env, views) if views else []
        if errors:
            raise AddonError(f"{len(errors)} invalid view(s):\n" + "\n".join(
                f"- {error}" for error in errors))

    def _install_one(self, name: str, manifest, installed: list[str], demo: bool) -> list[int]:
        """Install one addon; returns the ids of the views its data files loaded."""
        for package in manifest.external_dependencies.get("python", []):
            if importlib.util.find_spec(package) is None:
                raise AddonError(f"addon {name!r} needs the Python package {package!r}: "
                                 f"install it (pip install {package}) and try again")
        import_addon(name)
        registry = self.database.registry_for([*installed, name])
        sync_schema(self.env.connection, registry.metadata, registry.check_constraints)
        self._switch_registry([*installed, name])
        self._record_ownership(name, registry)
        values = {"state": "installed", "installed_version": manifest.version,
                  "summary": manifest.summary, "sequence": len(installed) + 1,
                  "depends": ",".join(manifest.depends)}
        module = self._modules().search([("name", "=", name)], limit=1)
        if module:
            module.write(values)
        else:
            self._modules().create({"name": name, **values})
        loader = DataLoader(self.env, name, "install")
        files = [*manifest.data, *(manifest.demo if demo else ())]
        for relative in files:
            loader.load_file(manifest.path / relative, relative)
        hooks = addon_module(name, "hooks")
        if hooks is not None and callable(getattr(hooks, "post_install", None)):
            call_addon_code(name, "hooks.post_install", hooks.post_install, self.env)
        self.env.hooks.addon_installed(env=self.env, addon=name)
        return loader.views

    def _record_ownership(self, name: str, registry) -> None:
        rows = self.env["ir.schema.owner"].sudo().search([("addon", "=", name)])
        current = {(o.kind, o.table_name, o.name): o.id for o in rows}
        wanted = {key: entry["model"] for key, entry in schema_objects(registry).items()
                  if name in entry["addons"]}
        rows.create([{"kind": kind, "table_name": table, "name": obj, "addon": name,
                      "model": model}
                     for (kind, table, obj), model in wanted.items()
                     if (kind, table, obj) not in current])
        rows.browse([rid for key, rid in current.items() if key not in wanted]).unlink()

    # -- upgrade -------------------------------------------------------------------
    def upgrade(self, names=None) -> list[str]:
        """Upgrade installed addons (all when `names` is None): reload their code,
        run `pre` migrations, update the schema (new tables, columns, indexes, changed
        types; objects no addon declares any more are dropped), reload their data
        (leaving `noupdate` records alone; records no longer declared are removed),
        run `post` migrations and record the new version."""
        installed = self.installed()
        if names is None:
            names = list(installed)
        names = [names] if isinstance(names, str) else list(names)
        missing = [n for n in names if n not in installed]
        if missing:
            raise AddonError(f"cannot upgrade {', '.join(missing)}: not installed "
                             "(install it instead)")
        manifests = self.manifests()
        ordered = [n for n in installed if n in names]
        with self._operation():
            versions = {m.name: m.installed_version
                        for m in self._modules().search([("name", "in", ordered)])}
            for name in ordered:
                if name not in manifests:
                    raise AddonError(f"addon {name!r} is installed but its code is in no "
                                     "addons path: uninstall it, or add its folder")
                migrations.run(self.env, name, manifests[name].path, "pre", versions[name],
                               manifests[name].version)
            for name in ordered:
                reload_addon(name)
            self.database.forget_registries()
            registry = self.database.registry_for(installed)
            connection = self.env.connection
            sync_schema(connection, registry.metadata, registry.check_constraints,
                        alter_types=True)
            self._switch_registry(installed)
            for name in ordered:
                self._drop_undeclared(name, registry)
                self._record_ownership(name, registry)
            demo = self._param().get_param(DEMO_PARAMETER) == "1"
            views: list[int] = []
            for name in ordered:
                views += self._reload_data(name, manifests[name], demo)
                migrations.run(self.env, name, manifests[name].path, "post", versions[name],
                               manifests[name].version)
                module = self._modules().search([("name", "=", name)], limit=1)
                module.write({"installed_version": manifests[name].version,
                              "summary": manifests[name].summary,
                              "depends": ",".join(manifests[name].depends)})
            self._validate_views(views)
            self._bump_sequence()
        return ordered

    def _drop_undeclared(self, name: str, registry) -> None:
        """Drop the schema objects `name` owned and no longer declares, when no other
        addon declares them (a removed field's column, a removed model's table)."""
        declared = {key for key, entry in schema_objects(registry).items()
                    if name in entry["addons"]}
        gone = [key for key in self._owned_objects([name]) if key not in declared]
        owners = self._owners_of(gone)
        orphans = [key for key in gone if not (owners[key] - {name})]
        if orphans:
            drop_objects(self.env.connection, orphans)

    def _reload_data(self, name: str, manifest, demo: bool) -> list[int]:
        """Load an addon's data again (upgrade); returns the ids of the views loaded."""
        loader = DataLoader(self.env, name, "update")
        for relative in [*manifest.data, *(manifest.demo if demo else ())]:
            loader.load_file(manifest.path / relative, relative)
        data = self.env["ir.model.data"].sudo()
        undeclared = data.search([("addon", "=", name), ("noupdate", "=", False)]).filtered(
            lambda entry: (entry.addon, entry.name) not in loader.seen)
        self._delete_records_of(undeclared)
        undeclared.unlink()
        return loader.views

    def _delete_records_of(self, entries) -> None:
        """Delete the records of external ids `entries` (one query per model)."""
        by_model: dict[str, list[int]] = {}
        for entry in entries:
            by_model.setdefault(entry.model, []).append(entry.res_id)
        for model, ids in by_model.items():
            if model in self.env.registry:
                self.env[model].sudo().browse(ids).exists().unlink()

    # -- uninstall -----------------------------------------------------------------
    def _dependents_plan(self, names) -> list[str]:
        """`names` and every installed addon depending on them, dependents first."""
        modules = self._modules().search([("state", "=", "installed")])
        depends = {m.name: set(filter(None, (m.depends or "").split(","))) for m in modules}
        unknown = [n for n in names if n not in depends]
        if unknown:
            raise AddonError(f"cannot uninstall {', '.join(unknown)}: not installed")
        plan = set(names)
        changed = True
        while changed:
            changed = False
            for name, needs in depends.items():
                if name not in plan and needs & plan:
                    plan.add(name)
                    changed = True
        order = [m.name for m in modules]  # install order
        return [n for n in reversed(order) if n in plan]

    def _owned_objects(self, addons) -> list[tuple[str, str, str]]:
        owners = self.env["ir.schema.owner"].sudo().search([("addon", "in", list(addons))])
        return list(dict.fromkeys((o.kind, o.table_name, o.name) for o in owners))

    def _owners_of(self, keys) -> dict[tuple[str, str, str], set[str]]:
        """{(kind, table, name): every addon owning it} for `keys`, in one query."""
        result: dict = {key: set() for key in keys}
        tables = sorted({table for _kind, table, _name in result})
        if tables:
            for owner in self.env["ir.schema.owner"].sudo().search(
                    [("table_name", "in", tables)]):
                key = (owner.kind, owner.table_name, owner.name)
                if key in result:
                    result[key].add(owner.addon)
        return result

    def _doomed_objects(self, plan: list[str]) -> list[tuple[str, str, str]]:
        members = set(plan)
        owned = self._owned_objects(plan)
        owners = self._owners_of(owned)
        return [key for key in owned if owners[key] <= members]

    def uninstall_plan(self, names) -> UninstallPlan:
        """What uninstalling `names` would remove, without changing anything."""
        names = [names] if isinstance(names, str) else list(names)
        plan = UninstallPlan(self._dependents_plan(names))
        connection = self.env.connection
        existing = set(sa.inspect(connection).get_table_names())
        doomed = self._doomed_objects(plan.addons)
        for kind, table, name in doomed:
            if kind == "table" and table in existing:
                count = connection.execute(sa.select(sa.func.count()).select_from(
                    sa.table(table))).scalar_one()
                plan.tables[table] = count
            elif kind == "column":
                plan.columns.append(f"{table}.{name}")
        dropped = set(plan.tables)
        plan.columns = [c for c in plan.columns if c.split(".")[0] not in dropped]
        for entry in self.env["ir.model.data"].sudo().search([("addon", "in", plan.addons)]):
            model = self.env.registry.models.get(entry.model)
            if model is not None and model._table not in dropped:
                plan.records[entry.model] = plan.records.get(entry.model, 0) + 1
        return plan

    def uninstall(self, names) -> list[str]:
        """Uninstall addons and every installed addon depending on them (dependents
        first). Drops the tables, columns and many2many tables only they declared,
        deletes the records their data files created, runs their `uninstall` hook;
        everything else is kept. Works from the database's records even when an
        addon's code has gone. Returns the addons uninstalled."""
        names = [names] if isinstance(names, str) else list(names)
        with self._operation():
            plan = self._dependents_plan(names)
            for name in plan:
                self.env.hooks.addon_uninstalling(env=self.env, addon=name)
            for name in plan:
                hooks = addon_module(name, "hooks")
                if hooks is not None and callable(getattr(hooks, "uninstall", None)):
                    call_addon_code(name, "hooks.uninstall", hooks.uninstall, self.env)
            doomed = self._doomed_objects(plan)
            remaining = [n for n in self.installed() if n not in plan]
            self._switch_registry(remaining)
            drop_objects(self.env.connection, doomed)
            data = self.env["ir.model.data"].sudo()
            entries = data.search([("addon", "in", plan)])
            self._delete_records_of(entries)
            entries.exists().unlink()
            self.env["ir.schema.owner"].sudo().search([("addon", "in", plan)]).unlink()
            self._modules().search([("name", "in", plan)]).write(
                {"state": "uninstalled", "installed_version": False, "sequence": 0})
            self._bump_sequence()
        return plan
