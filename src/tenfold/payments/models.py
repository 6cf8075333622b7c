"""Domain objects of the treasury: instruction requests, receipts, states and reason codes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from tenfold.i18n import N_

# An instruction's life: accepted (funds reserved) -> released (in a pain.001, paid in the ledger)
# -> sent (the file reached the bank) -> accepted_by_bank -> settled; or rejected (before release:
# no account mapped; or by the bank), or returned (a pacs.004 after settlement). Every instruction
# ends in exactly one of FINAL.
ACCEPTED, RELEASED, SENT, BANK_ACCEPTED = "accepted", "released", "sent", "bank_accepted"
SETTLED, REJECTED, RETURNED = "settled", "rejected", "returned"
FINAL = (SETTLED, REJECTED, RETURNED)
OPEN = (ACCEPTED, RELEASED, SENT, BANK_ACCEPTED)
PAID = (RELEASED, SENT, BANK_ACCEPTED, SETTLED)  # with a payment posting and no reversal

# Reason codes: ISO 20022 external status/return reason codes, and two of the treasury's own.
NO_FINANCIAL_ADDRESS = "TF01"
REASONS = {
    "TF01": N_("No account is registered for this payee"),
    "AC01": N_("The account number is not known at the bank"),
    "AC03": N_("The creditor account number is invalid"),
    "AC04": N_("The account is closed"),
    "AC06": N_("The account is blocked"),
    "AG01": N_("The bank does not allow this transaction on the account"),
    "AM02": N_("The amount is above what the bank allows"),
    "AM03": N_("The currency is not allowed for the account"),
    "AM04": N_("Insufficient funds"),
    "AM05": N_("The payment was a duplicate"),
    "AM10": N_("The control sum of the file is wrong"),
    "AM18": N_("The number of transactions in the file is wrong"),
    "DU01": N_("The bank already received a file with this message id"),
    "FF01": N_("The bank could not read the payment file"),
    "MD07": N_("The account holder has died"),
    "MS03": N_("The bank gave no reason"),
    "RC01": N_("The bank identifier is wrong"),
    "CUST": N_("Returned at the account holder's request"),
}


def reason_text(code: str | None) -> str | None:
    if code is None:
        return None
    return REASONS.get(code, REASONS["MS03"])


def content_hash(*parts: object) -> str:
    """The request hash of the duplicate rule: 128 bits of SHA-256 over the canonical parts."""
    text = "\x1f".join(["" if p is None else str(p) for p in parts])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class InstructionRequest:
    request_id: str
    payee_identity: str
    amount_cents: int
    currency: str
    payment_mode: str = "00"
    narration: str | None = None

    def request_hash(self, program_id: str) -> str:
        text = f"{program_id}\x1f{self.payee_identity}\x1f{self.amount_cents}\x1f{self.currency}\x1f{self.payment_mode}\x1f{self.narration or ''}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class BatchRequest:
    institution: str
    correlation_id: str
    program_id: str
    instructions: list[InstructionRequest]
    callback_url: str | None = None
    tenant: str | None = None

    def instruction_hashes(self) -> list[str]:
        return [i.request_hash(self.program_id) for i in self.instructions]

    def request_hash(self, instruction_hashes: list[str] | None = None) -> str:
        hashes = instruction_hashes if instruction_hashes is not None else self.instruction_hashes()
        return content_hash(self.program_id, *(f"{i.request_id}={h}" for i, h in zip(self.instructions, hashes)))


@dataclass(frozen=True)
class Replayed:
    request_id: str
    batch_id: str
    end_to_end_id: str
    state: str


@dataclass(frozen=True)
class Refused:
    request_id: str
    reason_code: str
    reason: str


@dataclass
class BatchReceipt:
    batch_id: str
    state: str
    accepted: int
    accepted_cents: int
    replay: bool = False
    refused: list[Refused] = field(default_factory=list)
    replayed: list[Replayed] = field(default_factory=list)


def end_to_end_id(batch_id: str, seq: int) -> str:
    return f"{batch_id}{seq:06d}"


def split_end_to_end_id(value: str) -> tuple[str, int] | None:
    """(batch id, sequence number) of one of our end-to-end ids, or None."""
    if len(value) != 18 or not value[12:].isdigit() or not value[:12].isalnum():
        return None
    return value[:12], int(value[12:])
