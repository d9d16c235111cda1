"""The addon manager of one environment: install addons and tell their state."""

from __future__ import annotations

import importlib.util

from core.addons.discovery import discover, import_addon
from core.addons.graph import auto_install_candidates, install_order
from core.exceptions import AddonError
from core.orm.schema import sync_schema


class AddonManager:
    """`env.addons`: lifecycle operations, each inside the environment's transaction
    (a failure rolls everything back with it)."""

    def __init__(self, database, env):
        self.database = database
        self.env = env

    def manifests(self) -> dict:
        """{name: Manifest} of every addon in the addons paths."""
        return discover(self.database.addons_paths)

    def installed(self) -> list[str]:
        """Installed addons, in install order."""
        modules = self.env["ir.module"].sudo().search([("state", "=", "installed")])
        return [module.name for module in modules]

    def state(self, name: str) -> str:
        """'installed', 'uninstalled' or 'unknown' (not in any addons path)."""
        module = self.env["ir.module"].sudo().search([("name", "=", name)], limit=1)
        if module:
            return module.state
        return "uninstalled" if name in self.manifests() else "unknown"

    def install(self, names) -> list[str]:
        """Install addons with their dependencies (then bridges whose dependencies are
        all installed). Returns the addons installed, in order."""
        if isinstance(names, str):
            names = [names]
        manifests = self.manifests()
        installed = self.installed()
        done: list[str] = []
        with self.env.atomic():
            pending = [n for n in install_order(names, manifests) if n not in installed]
            while pending:
                for name in pending:
                    self._install_one(name, manifests[name], installed)
                    installed.append(name)
                    done.append(name)
                pending = [n for n in install_order(
                    auto_install_candidates(set(installed), manifests), manifests)
                    if n not in installed]
        return done

    def _install_one(self, name: str, manifest, installed: list[str]) -> None:
        for package in manifest.external_dependencies.get("python", []):
            if importlib.util.find_spec(package) is None:
                raise AddonError(f"addon {name!r} needs the Python package {package!r}: "
                                 f"install it (pip install {package}) and try again")
        if manifest.data or manifest.demo:
            raise AddonError(f"addon {name!r} lists data files, which this version of "
                             "Tessera cannot load yet")
        import_addon(name)
        registry = self.database.registry_for([*installed, name])
        transaction = self.env.transaction
        sync_schema(transaction.connection, registry.metadata, registry.check_constraints)
        transaction.registry = registry
        transaction.invalidate()
        modules = self.env["ir.module"].sudo()
        record = modules.search([("name", "=", name)], limit=1)
        values = {"state": "installed", "installed_version": manifest.version,
                  "summary": manifest.summary, "sequence": len(installed) + 1}
        if record:
            record.write(values)
        else:
            modules.create({"name": name, **values})
