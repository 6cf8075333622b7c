"""The two bank channels deliver a file exactly once across crashes and read each answer once."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn
from sqlalchemy import update
from starlette.applications import Starlette
from starlette.routing import Mount

from tenfold.banks.api import create_bank_app
from tenfold.payments.channels import ExchangeChannel, FolderChannel
from tenfold.payments.config import BankConnection
from tenfold.payments.dispatcher import StepReport
from tenfold.payments.tables import bank_files
from tests.payments.world import World

BANK1 = BankConnection(member="DEMO/COM/BANK1", bic="HABAEE2X", debtor_iban="EE432200011000000015", channel="exchange",
                       service="DEMO/COM/BANK1/bank/payment-files")


def test_a_staged_file_is_invisible_until_published_and_never_written_twice(var_dir: Path) -> None:
    bank = BankConnection(member="DEMO/COM/BANK2", bic="EEUHEE2X", debtor_iban="EE831000011000000028", channel="folder")
    channel = FolderChannel(bank)
    channel.stage("F1", b"<x/>")
    visible = [p.name for p in channel.inbound.iterdir() if not p.name.startswith(".")]
    assert visible == []
    channel.publish("F1", b"<x/>")
    assert (channel.inbound / "F1.xml").read_bytes() == b"<x/>"
    (channel.inbound / "F1.xml").rename(channel.inbound / "taken-by-the-bank")
    channel.publish("F1", b"<x/>")  # after a crash between publishing and recording it
    assert not (channel.inbound / "F1.xml").exists()


def test_a_crash_between_staging_and_publishing_delivers_the_file_once(world: World) -> None:
    receipt = world.pay([2, 4, 6], "corr")
    world.dispatcher.release_batches(StepReport())
    file_id = f"{receipt.batch_id}-BANK2"
    channel = world.dispatcher.channels["BANK2"]
    from tenfold.payments.release import content

    with world.treasury.engine.begin() as connection:
        document = content(connection, file_id)
    channel.stage(file_id, document)
    with world.treasury.engine.begin() as connection:  # the dispatcher died right after this commit
        connection.execute(update(bank_files).where(bank_files.c.file_id == file_id).values(state="staged"))
    world.settle()
    assert world.banks["BANK2"].summary()["arrivals"] == {"accepted": 1}
    assert world.banks["BANK2"].summary()["repeated_end_to_end_ids"] == 0
    processed = list((world.var / "payments" / "processed" / "bank2").iterdir())
    assert processed and not list((world.var / "banks" / "bank2" / "outbound").glob("*.xml"))


@pytest.fixture
def bank_behind_a_gateway(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """BANK1's payment-files app mounted where TRE's gateway would forward it (no exchange)."""
    app = Starlette(routes=[Mount("/r1/DEMO/COM/BANK1/bank/payment-files", app=create_bank_app(world.banks["BANK1"], worker=False))])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    monkeypatch.setenv("TENFOLD_PAYMENTS_GATEWAY_URL", f"http://127.0.0.1:{port}")
    from tenfold.payments.config import payments_settings

    payments_settings.cache_clear()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    payments_settings.cache_clear()


def test_the_exchange_channel_asks_before_posting_and_pulls_answers_after_its_cursor(world: World, bank_behind_a_gateway: str) -> None:
    from tenfold.banks.worker import cycle

    channel = ExchangeChannel(BANK1)
    world.dispatcher.channels["BANK1"] = channel
    receipt = world.pay([1, 3], "corr")
    world.dispatcher.step()
    from tenfold.payments.release import content

    with world.treasury.engine.begin() as connection:
        document = content(connection, f"{receipt.batch_id}-BANK1")
    channel.publish(f"{receipt.batch_id}-BANK1", document)  # a second delivery after a crash: the bank already holds it
    assert world.banks["BANK1"].summary()["arrivals"] == {"accepted": 1}
    first = channel.fetch(0)
    assert [m.source.split("-")[2] for m in first] == ["pain.002", "camt.054"]
    assert channel.fetch(first[-1].cursor or 0) == []
    cycle(world.banks["BANK1"], close=True)
    world.settle()
    assert world.treasury.instruction("DEMO/GOV/SIB/benefits", "R1")["state"] == "settled"
    assert world.banks["BANK1"].summary()["repeated_end_to_end_ids"] == 0


def test_a_batch_that_cannot_be_released_does_not_hold_up_the_others(world: World) -> None:
    from tenfold.payments.tables import payment_instructions

    stuck = world.pay([1], "stuck")
    with world.treasury.engine.begin() as connection:  # a bank that left the directory after the payee was mapped
        connection.execute(update(payment_instructions).where(payment_instructions.c.batch_id == stuck.batch_id).values(bank="BANK9"))
    world.pay([2, 3], "fine")
    report = world.dispatcher.step()
    assert report.released == 1 and any("BANK9" in p for p in report.problems)
    assert world.treasury.batch(stuck.batch_id)["state"] == "accepted"
