"""How commands talk to people and machines: Rich for people, ``--json`` for machines."""

from __future__ import annotations

import sys
from typing import Any, Iterable, Sequence

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

console = Console()
errors = Console(stderr=True)


def print_json(value: Any) -> None:
    """Machine output: one JSON document on stdout."""
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")
    sys.stdout.flush()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A summary table; numeric columns are right-aligned with thousands separators."""
    rows = [list(r) for r in rows]
    result = Table(title=title, title_justify="left", header_style="bold")
    for index, column in enumerate(columns):
        numeric = bool(rows) and all(_is_number(r[index]) for r in rows)
        result.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        result.add_row(*[(f"{v:,}" if isinstance(v, int) else f"{v:,.2f}") if _is_number(v) else str(v) for v in row])
    return result


def progress(*, quiet: bool = False) -> Progress:
    """A progress bar for long work; silent when the output is for machines."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        disable=quiet,
        transient=False,
    )
