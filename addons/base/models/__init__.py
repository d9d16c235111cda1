"""Models of the base addon: chatter (mail.thread, messages, followers, tracking),
activities and attachments (docs/mail.md); customers and contacts (docs/partners.md)."""

from . import (  # noqa: F401
    attachment,
    country,
    document_access,
    mail_activity,
    mail_compose,
    mail_gateway,
    mail_mail,
    mail_message,
    mail_template,
    mail_thread,
    partner,
    partner_group,
    partner_history,
    partner_owner,
    partner_potential,
    partner_wizards,
    sms,
    sms_composer,
)
