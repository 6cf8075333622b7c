"""``tenfold serve``: run members' applications."""

from __future__ import annotations

import typer

from tenfold.cli.output import console
from tenfold.i18n import _
from tenfold.settings import get_settings
from tenfold.topology import load

app = typer.Typer(help="Run the country's services.", no_args_is_help=True)


def registry_app(member_code: str):  # type: ignore[no-untyped-def]
    """The registry application of one member, over its own database."""
    from tenfold.registries import open_service
    from tenfold.registries.api import create_registry_app
    from tenfold.storage import member_engine

    settings = get_settings()
    member = load(settings.topology).member(member_code)
    if not member.registries:
        from tenfold.errors import InvalidInput

        raise InvalidInput(f"{member.id} keeps no registries")
    service = open_service(member_engine(member.code, settings), member.id, member.registries)
    return create_registry_app(service)


@app.command("registry")
def serve_registry(
    member: str = typer.Option(..., "--member", help="Member code, e.g. POP."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(3333, "--port", min=1, max=65535, help="3333 is where the GovStack harness looks."),
) -> None:
    """Serve one member's registries alone (GovStack Digital Registries API)."""
    import uvicorn

    application = registry_app(member)
    console.print(_("Serving the registries of {member} on http://{host}:{port}/ (OpenAPI: /openapi.json)").format(
        member=member, host=host, port=port))
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
