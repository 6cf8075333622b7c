"""Why a file cannot be ingested; each message names the file and says what to do."""

from tenfold.errors import InvalidInput


class UnsupportedFormat(InvalidInput):
    """The file's type is not one the assistant reads."""


class UnreadableDocument(InvalidInput):
    """The file claims a supported type but cannot be read (damaged, encrypted, not UTF-8...)."""
