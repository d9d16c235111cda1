"""The pluggy markers of Tessera's hooks (project name "tessera")."""

import pluggy

PROJECT = "tessera"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
