"""The base addon: standard groups and access rights, the Settings app, and the chatter
(messages, followers, field tracking), activities and attachments every addon can use
(docs/mail.md)."""

from . import models  # noqa: F401
