"""The treasury's side of a batch run, as its own process, for the crash test: submit every batch
of the plan (the duplicate rule makes a restart harmless), then dispatch until every instruction
has its bank's answer. The test kills this process with SIGKILL at random moments."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from tenfold.payments import load_directory, open_payments
from tenfold.payments.config import PaymentsSettings
from tenfold.payments.dispatcher import Dispatcher, DispatcherLock
from tenfold.payments.models import BatchRequest, InstructionRequest
from tenfold.storage import make_engine


def main(var: Path) -> None:
    settings = PaymentsSettings(banks_file=var / "banks.toml", worker=False, worker_interval_seconds=0.05)
    url = os.environ.get("TENFOLD_DATABASE_URL_TRE") or f"sqlite:///{var / 'tre.sqlite'}"  # the test's backend
    service = open_payments(make_engine(url), load_directory(var / "banks.toml"), settings)
    plan = json.loads((var / "plan.json").read_text())
    for batch in plan["batches"]:
        service.submit(BatchRequest(plan["institution"], batch["correlation"], plan["program"], [
            InstructionRequest(i["request"], i["payee"], i["cents"], "EUR", "00", "Crash test") for i in batch["instructions"]]))
    lock = DispatcherLock(service.engine)
    lock.acquire()
    dispatcher = Dispatcher(service.engine, service.directory, settings)
    while service.open_count() > 0:
        if not dispatcher.step().busy:
            time.sleep(settings.worker_interval_seconds)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
