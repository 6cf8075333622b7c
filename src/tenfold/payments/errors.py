"""The payments building block's named errors; api.py maps each to its HTTP status."""

from __future__ import annotations

from tenfold.errors import InvalidInput, TenfoldError


class DuplicateConflict(TenfoldError):
    """The Mojaloop rule: an id already used with different content (HTTP 409)."""


class NotFound(TenfoldError):
    """No such batch, instruction, program or beneficiary (HTTP 404)."""


class InsufficientFunds(TenfoldError):
    """The program's available budget does not cover the batch (HTTP 422, reason AM04)."""


class NotRetryable(TenfoldError):
    """A retry of an instruction that did not fail (HTTP 409)."""


class BankUnreachable(TenfoldError):
    """A bank channel could not deliver or fetch; the dispatcher tries again later."""


class MessageInvalid(InvalidInput):
    """A bank message that is not the ISO 20022 message it claims to be."""


__all__ = ["BankUnreachable", "DuplicateConflict", "InsufficientFunds", "InvalidInput", "MessageInvalid", "NotFound", "NotRetryable"]
