"""``tenfold rules``: golden cases, one household evaluated and explained, the dated parameters."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
import yaml
from rich.table import Table

from tenfold.cli.output import console, print_json, table
from tenfold.errors import TenfoldError
from tenfold.i18n import _, current_language, normalise_language
from tenfold.rules.explain import confirmation_label, kind_label, outcome_label
from tenfold.rules import Evaluation, evaluate, evaluate_household, explain, format_eur, parse_input, run_cases

app = typer.Typer(help="Rules: golden cases, evaluate and explain one household, dated parameters.", no_args_is_help=True)

PROGRAM = typer.Option(None, "--program", "-p", help="One program (family_benefits, social_assistance, funeral_grant).")
AS_JSON = typer.Option(False, "--json", help="Print JSON.")
INPUT = typer.Option(..., "--input", "-i", help="The household: a JSON (or YAML) file, or - for stdin.")


def _programs(name: Optional[str]):  # type: ignore[no-untyped-def]
    from tenfold.programs import select

    return select(name)


@app.command("test")
def test_cases(program: Optional[str] = PROGRAM, as_json: bool = AS_JSON) -> None:
    """Run every golden case on the per-household and the vectorised path; exit 1 on any failure."""
    results = run_cases(_programs(program))
    failed = [r for r in results if not r.passed]
    if as_json:
        print_json({
            "passed": len(results) - len(failed), "failed": len(failed),
            "cases": [{"program": r.program, "case": r.name, "per_household": _verdict(r.per_household),
                       "vectorised": _verdict(r.vectorised), "problems": r.per_household + (r.vectorised or [])} for r in results],
        })
    else:
        rows = [(r.program, r.name, _verdict(r.per_household), _verdict(r.vectorised)) for r in results]
        console.print(_folded(table(_("Golden cases"), [_("program"), _("case"), _("per household"), _("vectorised")], rows)))
        for result in failed:
            for problem in result.per_household + (result.vectorised or []):
                console.print(f"[red]{result.program} / {result.name}:[/] {problem}", highlight=False)
        console.print(_("{passed} passed, {failed} failed").format(passed=len(results) - len(failed), failed=len(failed)))
    if failed:
        raise typer.Exit(1)


def _verdict(problems: list[str] | None) -> str:
    if problems is None:
        return "-"
    return "pass" if not problems else "FAIL"


@app.command("evaluate")
def evaluate_command(input_file: str = INPUT, program: Optional[str] = PROGRAM, as_json: bool = AS_JSON) -> None:
    """Evaluate one household for one month, without any database."""
    evaluation = _evaluate(input_file, program)
    if as_json:
        print_json(evaluation.to_output())
        return
    rows = [(i.benefit, i.person, i.recipient or "-", _(kind_label(i.kind)), format_eur(i.amount_cents), _(outcome_label(i.outcome)), ", ".join(r.code for r in i.reasons))
            for i in evaluation.items]
    title = _("Decisions for {period}").format(period=str(evaluation.period))
    console.print(_folded(table(title, [_("benefit"), _("person"), _("recipient"), _("kind"), _("amount"), _("outcome"), _("reasons")], rows)))
    console.print(_("Total a month: {monthly}; one-off: {one_off}").format(
        monthly=format_eur(evaluation.total("monthly")), one_off=format_eur(evaluation.total("one_off"))))


@app.command("explain")
def explain_command(
    input_file: str = INPUT, program: Optional[str] = PROGRAM,
    lang: Optional[str] = typer.Option(None, "--lang", help="en or zh-Hant (default: the command's language)."),
) -> None:
    """Why each item came out as it did: the reasons in words, with the parameter values and references."""
    language = normalise_language(lang) if lang else current_language.get()
    evaluation = _evaluate(input_file, program)
    programs = {p.name: p for p in _programs(program)}
    texts = [explain(d, programs[d.program], language) for d in evaluation.decisions]
    console.print("\n\n".join(texts) if texts else _("No program applies to this household."), highlight=False, markup=False, soft_wrap=True)


@app.command("parameters")
def parameters_command(program: Optional[str] = PROGRAM, as_json: bool = AS_JSON) -> None:
    """Every program's dated parameter values, with units and references."""
    programs = _programs(program)
    entries = [
        {"program": p.name, "parameter": parameter.name, "from": value.start.isoformat(), "value": value.value,
         "shown": parameter.render(value.value, current_language.get()), "unit": parameter.unit,
         "reference": parameter.reference, "version": p.parameters.version}
        for p in programs for parameter in p.parameters for value in parameter.values
    ]
    if as_json:
        print_json(entries)
        return
    for name in dict.fromkeys(e["program"] for e in entries):
        rows = [(e["parameter"], e["from"], e["shown"], e["reference"]) for e in entries if e["program"] == name]
        console.print(_folded(table(_("Parameters") + f": {name}", [_("parameter"), _("from"), _("value"), _("reference")], rows)))


@app.command("programs")
def programs_command(as_json: bool = AS_JSON) -> None:
    """Programs and their benefits: kind, confirmation mode (after any setting), versions."""
    language = current_language.get()
    entries = [
        {"program": p.name, "title": p.title.get(language, p.title["en"]), "benefit": b.name, "kind": b.kind,
         "confirmation": p.confirmation_mode(b.name), "setting": b.confirmation_setting,
         "offer_deadline_months": b.offer_deadline_months, "rule_version": p.rule_version, "parameter_version": p.parameters.version}
        for p in _programs(None) for b in p.benefits.values()
    ]
    if as_json:
        print_json(entries)
        return
    rows = [(e["program"], e["benefit"], _(kind_label(e["kind"])), _(confirmation_label(e["confirmation"])), e["setting"] or "-") for e in entries]
    console.print(_folded(table(_("Programs"), [_("program"), _("benefit"), _("kind"), _("confirmation"), _("setting")], rows)))


def _folded(result: Table) -> Table:
    """Long names fold onto the next line instead of being cut."""
    for column in result.columns:
        column.overflow = "fold"
    return result


def _evaluate(input_file: str, program: Optional[str]) -> Evaluation:
    programs = _programs(program)
    period, household = parse_input(_read(input_file), _programs(None))
    if program:
        return Evaluation(period=period, decisions=(evaluate(programs[0], household, period),))
    return evaluate_household(programs, household, period)


def _read(input_file: str) -> Any:
    if input_file == "-":
        text = sys.stdin.read()
        name = "stdin"
    else:
        path = Path(input_file)
        if not path.is_file():
            raise TenfoldError(_("--input: no such file: {path}").format(path=input_file))
        text, name = path.read_text(encoding="utf-8"), path.name
    try:
        if name.endswith((".yaml", ".yml")):
            return yaml.safe_load(text)
        return json.loads(text)
    except (ValueError, yaml.YAMLError) as error:
        raise TenfoldError(_("--input: {name} is not valid JSON: {error}").format(name=name, error=str(error).splitlines()[0])) from None


def _register_bench() -> None:
    from tenfold.cli.bench import app as bench_app
    from tenfold.cli.bench import load, report

    @bench_app.command("reevaluate")
    def bench_reevaluate(
        households: int = typer.Option(1_000_000, "--households", min=1_000, max=10_000_000, help="Households to re-evaluate."),
        seed: int = typer.Option(1, "--seed", min=0, help="Seed of the synthetic households."),
        period: str = typer.Option("2025-01", "--period", help="The month re-evaluated (YYYY-MM)."),
        sample: int = typer.Option(2_000, "--sample", min=100, max=100_000, help="Households evaluated one by one for the baseline."),
        as_json: bool = AS_JSON,
    ) -> None:
        """Family programs over N households with the vectorised path, and the per-household path on a sample."""
        report("reevaluate", load("reevaluate").run(households=households, seed=seed, period=period, sample=sample), as_json)


_register_bench()
