"""Why a decision came out as it did, in words, with the parameter values and their references."""

from __future__ import annotations

from tenfold.i18n import N_, gettext
from tenfold.rules.decisions import Decision, DecisionItem
from tenfold.rules.money import format_eur
from tenfold.rules.program import Program


def explain(decision: Decision, program: Program, language: str = "en") -> str:
    """A decision as text in ``language`` (en or zh-Hant)."""
    lines = [
        f"{program.title.get(language, program.title['en'])} — {decision.period}",
        gettext("Household {household}: {outcome}", language).format(household=decision.household, outcome=gettext(_outcome(decision.outcome), language)),
        gettext("Rules {rules}; parameters {parameters}", language).format(rules=decision.rule_version, parameters=decision.parameter_version),
    ]
    if not decision.items:
        lines.append(gettext("Nothing is due to this household in this month.", language))
    for item in decision.items:
        lines += _item_lines(item, program, decision, language)
    lines.append(gettext("Total a month: {monthly}; one-off: {one_off}", language).format(
        monthly=format_eur(decision.total("monthly")), one_off=format_eur(decision.total("one_off"))))
    return "\n".join(lines)


def _item_lines(item: DecisionItem, program: Program, decision: Decision, language: str) -> list[str]:
    benefit = program.benefit(item.benefit)
    amount = format_eur(item.amount_cents)
    due = gettext("{amount} a month", language) if item.kind == "monthly" else gettext("{amount} once", language)
    recipient = gettext(", paid to {recipient}", language).format(recipient=item.recipient) if item.recipient and item.eligible else ""
    lines = ["", gettext("{benefit} for {person}{recipient}: {amount} ({outcome}, {confirmation})", language).format(
        benefit=benefit.title.get(language, benefit.title["en"]), person=item.person, recipient=recipient,
        amount=due.format(amount=amount), outcome=gettext(_outcome(item.outcome), language), confirmation=gettext(_confirmation(item.confirmation), language))]
    for reason in item.reasons:
        lines.append(f"  - {reason.text.get(language) or program.reasons.text(reason, language)}")
        for name in program.reasons[reason.code].parameters:
            used = decision.parameters.get(name)
            if used is None:
                continue
            parameter = program.parameters[name]
            lines.append("    " + gettext("{name} = {value} from {start}; {reference}", language).format(
                name=name, value=parameter.render(used["value"], language), start=used["from"], reference=used["reference"]))
    return lines


def kind_label(kind: str) -> str:
    """The English label of a kind (translate it when shown)."""
    return {"monthly": N_("monthly"), "one_off": N_("one-off")}[kind]


def outcome_label(outcome: str) -> str:
    return _outcome(outcome)


def confirmation_label(mode: str) -> str:
    return _confirmation(mode)


def _outcome(outcome: str) -> str:
    return {"eligible": N_("eligible"), "not_eligible": N_("not eligible"), "needs_caseworker": N_("needs a caseworker")}[outcome]


def _confirmation(mode: str) -> str:
    return {"offer": N_("offer to confirm"), "automatic": N_("paid automatically")}[mode]
