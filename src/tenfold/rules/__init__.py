"""The rules engine: rules as plain Python functions, dated YAML parameters, golden YAML cases,
decision records and a vectorised batch path. Pure: facts in, decision out (no storage, no HTTP)."""

from tenfold.rules.arrays import NO_MEMBER, Column, HouseholdArrays, to_arrays, to_households
from tenfold.rules.batch import BatchResult, ItemBlock, compare, decision_rows, evaluate_batch
from tenfold.rules.calendar import next_payment_run, offer_deadline, payment_day
from tenfold.rules.cases import CaseResult, GoldenCase, load_cases, run_case, run_cases
from tenfold.rules.decisions import Award, Decision, DecisionItem, Evaluation
from tenfold.rules.evaluator import evaluate, evaluate_household, fact_specs, parse_input
from tenfold.rules.explain import explain
from tenfold.rules.facts import ROLES, Fact, FactSpec, Household, Person, member_field, parse_household
from tenfold.rules.money import eur_to_cents, format_eur
from tenfold.rules.parameters import Parameter, ParameterNotInForce, ParameterSet, ParameterSnapshot
from tenfold.rules.periods import Month, Year
from tenfold.rules.program import Benefit, Program
from tenfold.rules.reasons import Reason, ReasonCatalogue

__all__ = [
    "NO_MEMBER", "ROLES", "Award", "BatchResult", "Benefit", "CaseResult", "Column", "Decision", "DecisionItem",
    "Evaluation", "Fact", "FactSpec", "GoldenCase", "Household", "HouseholdArrays", "ItemBlock", "Month", "Parameter",
    "ParameterNotInForce", "ParameterSet", "ParameterSnapshot", "Person", "Program", "Reason", "ReasonCatalogue", "Year",
    "compare", "decision_rows", "eur_to_cents", "evaluate", "evaluate_batch", "evaluate_household", "explain",
    "fact_specs", "format_eur", "load_cases", "member_field", "next_payment_run", "offer_deadline", "parse_household",
    "parse_input", "payment_day", "run_case", "run_cases", "to_arrays", "to_households",
]
