"""The dependency graph of addons: install order, cycles, missing dependencies."""

from __future__ import annotations

from core.addons.manifest import Manifest
from core.exceptions import AddonError


def install_order(names, manifests: dict[str, Manifest]) -> list[str]:
    """`names` and everything they depend on, dependencies first (a topological order;
    ties broken by name so the order is stable)."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = [*path[path.index(name):], name]
            raise AddonError(f"addons depend on each other in a cycle: {' -> '.join(cycle)}")
        manifest = manifests.get(name)
        if manifest is None:
            who = f"addon {path[-1]!r} depends on" if path else "asked to install"
            raise AddonError(f"{who} {name!r}, which is not in any addons path")
        if not manifest.installable:
            raise AddonError(f"addon {name!r} is marked installable: False")
        state[name] = "visiting"
        for dependency in sorted(manifest.depends):
            visit(dependency, (*path, name))
        state[name] = "done"
        order.append(name)

    for name in sorted(names):
        visit(name, ())
    return order


def auto_install_candidates(installed: set[str], manifests: dict[str, Manifest]) -> list[str]:
    """Bridge addons (`auto_install: True`) whose dependencies are all installed."""
    return sorted(
        name for name, manifest in manifests.items()
        if manifest.auto_install and name not in installed and manifest.installable
        and manifest.depends and set(manifest.depends) <= installed
    )
