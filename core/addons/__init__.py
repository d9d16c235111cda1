"""Addons: manifests, discovery, the dependency graph and the lifecycle."""

from core.addons.discovery import discover
from core.addons.manager import AddonManager
from core.addons.manifest import Manifest, read_manifest

__all__ = ["AddonManager", "Manifest", "discover", "read_manifest"]
