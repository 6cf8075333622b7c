"""The root ``tenfold`` command and the one place where errors become one clear line."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from tenfold.cli.output import errors
from tenfold.errors import TenfoldError
from tenfold.i18n import _, current_language, normalise_language

app = typer.Typer(
    name="tenfold",
    help="Tenfold: digital public infrastructure for proactive, once-only government services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_state = {"debug": False}


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback when something fails."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the output: en or zh-Hant.", envvar="TENFOLD_LANG"),
) -> None:
    _state["debug"] = debug
    if lang is not None:
        if normalise_language(lang) != "zh-Hant" and not lang.lower().startswith("en"):
            raise typer.BadParameter(f"unsupported language {lang!r}; use en or zh-Hant", param_hint="--lang")
        current_language.set(normalise_language(lang))


def _register() -> None:
    """Attach each building block's commands (one module each under tenfold.cli)."""
    from tenfold.cli import assistant, bench, country, ids, registry, rules, serve, topology

    app.add_typer(topology.app, name="topology")
    app.add_typer(ids.app, name="ids")
    app.add_typer(registry.app, name="registry")
    app.add_typer(serve.app, name="serve")
    app.add_typer(bench.app, name="bench")
    app.add_typer(rules.app, name="rules")
    app.add_typer(country.app, name="country")
    from tenfold.cli import exchange  # also adds `tenfold bench exchange`

    app.add_typer(exchange.app, name="exchange")
    app.command("status")(exchange.status)
    app.add_typer(assistant.app, name="assistant")
    from tenfold.cli import payments  # also adds `tenfold bench payments` and `tenfold bench emergency`

    app.add_typer(payments.app, name="payments")
    from tenfold.cli import consent, identity  # identity also adds `tenfold bench login`

    app.add_typer(identity.app, name="identity")
    app.add_typer(consent.app, name="consent")
    from tenfold.cli import life  # also adds `tenfold bench births`

    app.add_typer(life.app, name="life")
    from tenfold.cli import portal  # also adds `tenfold bench portal`

    app.add_typer(portal.app, name="portal")
    from tenfold.cli import demo

    app.command("demo")(demo.demo)
    from tenfold.cli import cluster

    app.add_typer(cluster.app, name="cluster")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line on stderr and return the exit to raise."""
    label = _("error")
    errors.print(f"[bold red]{label}:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def main() -> None:
    _register()
    try:
        app(standalone_mode=True)
    except TenfoldError as error:
        if _state["debug"]:
            raise
        label = _("error")
        errors.print(f"[bold red]{label}:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        errors.print(_("interrupted"))
        sys.exit(130)
    except Exception as error:  # a defect: still one line, unless the operator asks for more
        if _state["debug"]:
            raise
        label, hint = _("internal error"), _("run with --debug for the traceback")
        errors.print(f"[bold red]{label}:[/] {type(error).__name__}: {error} ({hint})", highlight=False, soft_wrap=True)
        sys.exit(1)
