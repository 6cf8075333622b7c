"""A served process checkpoints SQLite's write-ahead log in a background thread, not inside the
commit that fills it (each case runs in a child process: the setting is process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, os, sys
from tenfold.storage import make_engine, walcheckpoint
from tenfold.storage.walcheckpoint import _CHECKPOINTER

path, background = sys.argv[1], sys.argv[2] == "yes"
if background:
    walcheckpoint.start(every=3600)  # the rounds are run below, by hand
engine = make_engine(f"sqlite:///{path}")
with engine.begin() as connection:
    connection.exec_driver_sql("CREATE TABLE t (x BLOB)")
for _ in range(60):  # 6 MB: past SQLite's automatic checkpoint at 1,000 pages
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t VALUES (randomblob(100000))")
with engine.connect() as connection:
    automatic = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
result = {"automatic": automatic, "database_before": os.path.getsize(path)}
if background:
    result["rounds"] = [_CHECKPOINTER.round(), _CHECKPOINTER.round()]
    result["database_after"] = os.path.getsize(path)
print(json.dumps(result))
"""


def _run(tmp_path: Path, background: bool) -> dict:  # type: ignore[type-arg]
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "db.sqlite"), "yes" if background else "no"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_commits_leave_the_checkpoint_to_the_thread_which_does_it_once(tmp_path: Path) -> None:
    result = _run(tmp_path, background=True)
    assert result["automatic"] == 16384  # 64 MB: only a log that grows past it is checkpointed in a commit
    assert result["database_before"] < 1_000_000  # every page still in the log: no commit checkpointed
    assert result["rounds"] == [1, 0]  # the log grew: checkpointed; unchanged since: left alone
    assert result["database_after"] > 5_000_000


def test_without_it_sqlite_checkpoints_inside_the_commits(tmp_path: Path) -> None:
    result = _run(tmp_path, background=False)
    assert result["automatic"] == 1000
    assert result["database_before"] > 3_000_000
