"""Reason codes: why an item came out as it did, in words a citizen can read (en and zh-Hant).

Each program keeps a catalogue (``reasons.yaml``)::

    child_allowance_lower_rate:
      outcome: eligible            # eligible, not_eligible or needs_caseworker
      parameters: [child_allowance.lower_rate]
      text:
        en: "{child} is one of the first two children ... {amount} a month."
        zh-Hant: "..."

A rule returns :class:`Reason` (a code and the values of its placeholders); the texts are filled
in when the decision is shown, in the reader's language.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from tenfold.errors import InvalidInput
from tenfold.i18n import LANGUAGES, _

OUTCOMES = ("eligible", "not_eligible", "needs_caseworker")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    text: Mapping[str, str] = field(default_factory=dict)   # filled in by the evaluator


@dataclass(frozen=True)
class ReasonDefinition:
    code: str
    outcome: str
    parameters: tuple[str, ...]
    text: Mapping[str, str]

    @property
    def placeholders(self) -> set[str]:
        return _placeholders(self.text["en"])


@dataclass(frozen=True)
class ReasonCatalogue:
    program: str
    definitions: Mapping[str, ReasonDefinition]

    @classmethod
    def load(cls, path: Path, program: str) -> ReasonCatalogue:
        document = yaml.load(path.read_bytes(), Loader=_LOADER)
        if not isinstance(document, dict) or not document:
            raise InvalidInput(_("{path}: expected a mapping of reason codes").format(path=path.name))
        if len(document) > 63:
            raise InvalidInput(_("{path}: at most 63 reason codes per program").format(path=path.name))
        return cls(program, {code: _definition(path.name, code, body) for code, body in document.items()})

    def __getitem__(self, code: str) -> ReasonDefinition:
        try:
            return self.definitions[code]
        except KeyError:
            raise InvalidInput(_("{program} has no reason code {code!r}").format(program=self.program, code=code)) from None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.definitions)

    def bit(self, code: str) -> int:
        """The bit of ``code`` in the reason masks of the vectorised path."""
        self[code]
        return 1 << self.codes.index(code)

    def decode(self, mask: int) -> tuple[str, ...]:
        return tuple(code for i, code in enumerate(self.codes) if mask >> i & 1)

    def mask(self, codes: list[str] | tuple[str, ...]) -> int:
        result = 0
        for code in codes:
            result |= self.bit(code)
        return result

    def text(self, reason: Reason, language: str) -> str:
        """The citizen-readable text of ``reason`` in ``language`` (en or zh-Hant)."""
        definition = self[reason.code]
        template = definition.text.get(language, definition.text["en"])
        missing = definition.placeholders - set(reason.params)
        if missing:
            raise InvalidInput(_("reason {code} lacks the values {names}").format(code=reason.code, names=", ".join(sorted(missing))))
        return template.format(**reason.params)


def _definition(filename: str, code: str, body: Any) -> ReasonDefinition:
    where = f"{filename}: {code}"
    if not isinstance(code, str) or not _CODE.match(code):
        raise InvalidInput(_("{where}: a reason code is lower_snake_case").format(where=where))
    if not isinstance(body, dict) or body.get("outcome") not in OUTCOMES:
        raise InvalidInput(_("{where}.outcome: one of {allowed}").format(where=where, allowed=", ".join(OUTCOMES)))
    text = body.get("text")
    if not isinstance(text, dict) or any(not isinstance(text.get(language), str) for language in LANGUAGES):
        raise InvalidInput(_("{where}.text: needs an en and a zh-Hant text").format(where=where))
    definition = ReasonDefinition(code=code, outcome=body["outcome"], parameters=tuple(body.get("parameters") or ()), text=dict(text))
    for language in LANGUAGES:
        names = _placeholders(text[language])
        if names != definition.placeholders:
            raise InvalidInput(_("{where}.text: en and {language} use different placeholders").format(where=where, language=language))
    return definition


def _placeholders(template: str) -> set[str]:
    return {parsed[1] for parsed in string.Formatter().parse(template) if parsed[1]}
