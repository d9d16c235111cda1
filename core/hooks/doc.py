"""Generate docs/hooks.md from the hook specifications' docstrings.

    python -m core.hooks.doc > docs/hooks.md
"""

from __future__ import annotations

import inspect

from core.hooks import specs


def render() -> str:
    """The Markdown reference of every hook specification."""
    lines = [
        "# Hooks",
        "",
        "Generated from `core/hooks/specs.py` by `python -m core.hooks.doc > docs/hooks.md`;",
        "a test fails when this file is stale.",
        "",
        inspect.cleandoc(specs.__doc__ or ""),
        "",
    ]
    for name, function in inspect.getmembers(specs, inspect.isfunction):
        if function.__module__ != specs.__name__:
            continue
        options = getattr(function, "tessera_spec", {}) or {}
        signature = f"{name}({', '.join(inspect.signature(function).parameters)})"
        lines.append(f"## `{signature}`")
        lines.append("")
        if options.get("firstresult"):
            lines.append("*firstresult*: the first non-None result is returned.")
            lines.append("")
        lines.append(inspect.cleandoc(function.__doc__ or "(undocumented)"))
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
