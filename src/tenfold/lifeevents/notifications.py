"""Notifications: an outbox in SIB's database, written in the same transaction as the offer, and a
sender that delivers them. In the demo, e-mail goes to a file sink (one ``.eml`` file per message
in ``var/mail/sib``); a person without an e-mail address finds the offer in the portal. Sending
an offer's notice moves the offer from proposed to notified.
"""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from tenfold import programs
from tenfold.i18n import N_, gettext
from tenfold.lifeevents.offers import mark_notified
from tenfold.lifeevents.records import now, step
from tenfold.lifeevents.tables import notifications, offers
from tenfold.rules import format_eur

SENDER = "Social Insurance Board <no-reply@sib.example>"
TEMPLATES = {
    "birth_offer": (N_("A benefits offer for your family"),
                    N_("Congratulations on the birth. {program}: {total} is ready for you. Confirm the recipient and the account "
                       "in the self-service portal by {deadline}; nothing else is needed.")),
    "automatic_payment": (N_("Your benefits will be paid"),
                          N_("{program}: {total} will be paid to your known account in the next payment run; nothing is needed from you.")),
    "funeral_offer": (N_("A funeral grant is offered to you"),
                      N_("We are sorry for your loss. {program}: {total} is offered to you; confirm the account in the "
                         "self-service portal by {deadline}.")),
    "assistance_decision": (N_("Your social assistance decision"),
                            N_("{program}: {total} a month has been decided for your household; it is paid in the next payment run.")),
    "account_needed": (N_("Tell us where to pay your benefits"),
                       N_("{program}: {total} is due to you, but no bank account is known; give one in the self-service portal.")),
}


def render(template: str, params: dict[str, Any], language: str) -> tuple[str, str]:
    subject, body = TEMPLATES[template]
    program = programs.load(params["program"]).title.get(language) or params["program"]
    values = {"program": program, "total": format_eur(int(params.get("total_cents", 0))), "deadline": params.get("deadline", "")}
    return gettext(subject, language), gettext(body, language).format(**values)


def message(row: Any) -> EmailMessage:
    """The e-mail, in English and Traditional Chinese (the person's language is not known here)."""
    subject_en, body_en = render(row.template, row.params, "en")
    subject_zh, body_zh = render(row.template, row.params, "zh-Hant")
    mail = EmailMessage()
    mail["From"], mail["To"] = SENDER, row.address
    mail["Subject"] = f"{subject_en} / {subject_zh}"
    mail["Date"] = format_datetime(now())
    mail["Message-ID"] = f"<notification-{row.id}@sib.example>"
    mail.set_content(f"{body_en}\n\n{body_zh}\n")
    return mail


class Sender:
    def __init__(self, engine: Engine, mail_dir: Path):
        self.engine, self.mail_dir = engine, mail_dir

    def send_pending(self, limit: int = 200) -> int:
        """Send what waits; returns how many this process sent. Each notification is sent holding
        its row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so that two workers, on two hosts with
        two mail spools, never send the same one twice."""
        with self.engine.connect() as connection:
            ids = connection.execute(select(notifications.c.id).where(notifications.c.state == "pending").order_by(
                notifications.c.id).limit(limit)).scalars().all()
        return sum(self._send(notification) for notification in ids)

    def _send(self, notification: int) -> bool:
        with self.engine.begin() as connection:
            query = select(notifications).where(notifications.c.id == notification, notifications.c.state == "pending")
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = connection.execute(query).first()
            if row is None:   # sent meanwhile, or being sent by another worker
                return False
            try:
                if row.channel == "email":
                    self._write(row)
            except OSError as error:
                connection.execute(update(notifications).where(notifications.c.id == row.id).values(
                    attempts=notifications.c.attempts + 1, last_error=str(error)[:500],
                    state="failed" if row.attempts + 1 >= 5 else "pending"))
                return False
            if not connection.execute(update(notifications).where(notifications.c.id == row.id, notifications.c.state == "pending")
                                      .values(state="sent", sent_at=now(), attempts=notifications.c.attempts + 1)).rowcount:
                return False
            if row.offer_id:
                mark_notified(connection, row.offer_id)
                found = connection.execute(select(offers.c.journey, offers.c.subject).where(offers.c.id == row.offer_id)).first()
                if found:
                    step(connection, found.journey, found.subject, "notified", offer=row.offer_id, channel=row.channel)
        return True

    def _write(self, row: Any) -> None:
        """One file per message, written whole (a temporary name, then renamed): a crash leaves
        no half message, and sending again after a crash writes the same file again."""
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        target = self.mail_dir / f"notification-{row.id:09d}.eml"
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(bytes(message(row)))
        os.replace(temporary, target)
