"""Named errors of the Consent building block, mapped to HTTP statuses in api.py."""

from tenfold.errors import InvalidInput, TenfoldError


class NotFound(TenfoldError):
    """No such policy, data agreement, individual or consent record (for this individual)."""


class Conflict(TenfoldError):
    """The object exists already, or cannot change as asked (e.g. a policy still in use)."""


class InvalidConsent(InvalidInput):
    """A consent object that breaks a rule (inactive agreement, bad signature...)."""
