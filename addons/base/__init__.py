"""The base addon: standard groups and access rights (contacts come with it later)."""
