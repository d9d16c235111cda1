"""Errors raised by Tessera. Every error a user or integrator can trigger is a TesseraError."""


class TesseraError(Exception):
    """Base class of every error Tessera raises on purpose (never a bug)."""


class ValidationError(TesseraError):
    """Data is invalid: a missing required field, a wrong type, an unknown field or
    domain term, a violated constraint. The message names model, field and value;
    `field` is the name of the field at fault when there is one (forms show the
    message next to it)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AccessError(TesseraError):
    """The current user may not perform the operation on the model or record."""


class UserError(TesseraError):
    """A business rule refuses the action (e.g. deleting a record still in use)."""


class MissingError(TesseraError):
    """A record that was asked for no longer exists (deleted, or never existed)."""


class RetryableError(TesseraError):
    """The transaction lost a race (serialization failure or deadlock on PostgreSQL).
    Nothing was committed; running the whole transaction again may succeed."""


class AddonError(TesseraError):
    """An addon cannot be discovered, read, installed, upgraded or uninstalled."""
