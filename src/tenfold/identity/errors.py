"""Named errors of the identity provider; the web layer maps them to OIDC errors or 4xx."""

from tenfold.errors import InvalidInput, TenfoldError


class SignInFailed(TenfoldError):
    """Wrong personal code, password or one-time code, a locked or deactivated account: the
    resident is told only that signing in failed (and, when locked, for how long)."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TooManyAttempts(SignInFailed):
    """Too many sign-in attempts from one address or for one personal code."""


class UnknownClient(TenfoldError):
    """No relying party with that client id."""


class ClientExists(TenfoldError):
    """A relying party with that client id is already registered."""


class InvalidClientMetadata(InvalidInput):
    """Registration data that cannot be accepted (redirect URI, keys, claims...)."""


class TransactionExpired(TenfoldError):
    """The sign-in page was open too long, was already used, or belongs to another browser."""


class PersonUnavailable(TenfoldError):
    """The population register could not be asked about a person (through the exchange)."""


class NotEnrolled(TenfoldError):
    """The person has no account at the identity provider."""
