"""The root of Tenfold's named errors.

Domain errors subclass :class:`TenfoldError`; each HTTP surface maps them to a 4xx in one place
and the CLI prints their message as one line.
"""


class TenfoldError(Exception):
    """An error a user or operator can act on; its message says what and where."""


class InvalidInput(TenfoldError, ValueError):
    """Input that breaks a rule of the domain (a bad check digit, an unknown field...)."""
