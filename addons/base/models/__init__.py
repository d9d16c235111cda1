"""Models of the base addon: chatter (mail.thread, messages, followers, tracking),
activities and attachments. See docs/mail.md."""

from . import attachment, document_access, mail_activity, mail_message, mail_thread  # noqa: F401
