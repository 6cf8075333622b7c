"""A generated answer from an OpenAI-compatible endpoint (``/chat/completions``), trusted only as
far as code can check it: every quote the model makes must be found in the passage it cites.

The model sees numbered passages ``[S1]``..``[Sn]`` and must reply with JSON
``{"answer": ..., "citations": [{"source": "S1", "quote": ...}]}``. A reply that is not that JSON,
cites no passage, names a passage it was not given, or quotes words that are not in the cited
passage is rejected as a whole (:class:`UnverifiedAnswer`); the caller falls back to the
extractive answer. Plain HTTP (urllib), so no client library is needed."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Sequence

from tenfold.assistant.citations import Citation, CitationError, cite
from tenfold.assistant.models import Passage
from tenfold.errors import TenfoldError

MAX_REPLY_BYTES = 256 * 1024

SYSTEM_PROMPT = """You help government caseworkers find rules in official sources.
Answer only from the numbered sources you are given; never from memory.
Reply with one JSON object and nothing else:
{"answer": "<a short answer in the language of the question>",
 "citations": [{"source": "S1", "quote": "<words copied exactly from source S1>"}]}
Every statement in the answer must be supported by a quote copied character for character from the
cited source (quotes may be in the source's language). Cite at least one source.
If the sources do not answer the question, reply {"answer": "", "citations": []}."""


class LLMUnavailable(TenfoldError):
    """The endpoint could not be reached or did not answer in time."""


class UnverifiedAnswer(TenfoldError):
    """The model's reply failed the citation check."""


@dataclass(frozen=True)
class LLMEndpoint:
    base_url: str  # e.g. http://127.0.0.1:8080/v1
    model: str
    api_key: str | None = None
    timeout_seconds: float = 30.0

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


@dataclass(frozen=True)
class GeneratedAnswer:
    text: str
    citations: tuple[Citation, ...]
    model: str


def generate(endpoint: LLMEndpoint, question: str, passages: Sequence[Passage]) -> GeneratedAnswer:
    """Ask the model and verify its quotes; raises :class:`LLMUnavailable` or :class:`UnverifiedAnswer`."""
    labelled = {f"S{number}": passage for number, passage in enumerate(passages, start=1)}
    content = complete(endpoint, messages(question, labelled))
    text, proposed = parse_reply(content)
    return GeneratedAnswer(text=text, citations=verify(proposed, labelled), model=endpoint.model)


def messages(question: str, labelled: dict[str, Passage]) -> list[dict[str, str]]:
    sources = "\n\n".join(f"[{label}] {p.title} > {p.section}\n{p.text}" for label, p in labelled.items())
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Sources:\n\n{sources}\n\nQuestion: {question}"},
    ]


def complete(endpoint: LLMEndpoint, chat: list[dict[str, str]]) -> str:
    body = json.dumps({"model": endpoint.model, "messages": chat, "temperature": 0}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    request = urllib.request.Request(endpoint.url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=endpoint.timeout_seconds) as response:
            raw = response.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise LLMUnavailable(f"the language model at {endpoint.url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LLMUnavailable(f"the language model at {endpoint.url} cannot be reached ({reason})") from None
    if len(raw) > MAX_REPLY_BYTES:
        raise UnverifiedAnswer("the language model's reply is too large")
    try:
        return str(json.loads(raw)["choices"][0]["message"]["content"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise UnverifiedAnswer("the language model's reply is not an OpenAI chat completion") from None


def parse_reply(content: str) -> tuple[str, list[tuple[str, str]]]:
    """The answer text and the ``(source label, quote)`` pairs of a model's reply."""
    match = re.search(r"\{.*\}", content, re.DOTALL)
    if match is None:
        raise UnverifiedAnswer("the language model did not reply with JSON")
    try:
        reply: Any = json.loads(match.group(0))
    except ValueError:
        raise UnverifiedAnswer("the language model's JSON cannot be read") from None
    if not isinstance(reply, dict) or not isinstance(reply.get("answer"), str) or not isinstance(reply.get("citations"), list):
        raise UnverifiedAnswer("the language model's JSON lacks an answer and citations")
    pairs = []
    for item in reply["citations"]:
        if not isinstance(item, dict) or not isinstance(item.get("source"), str) or not isinstance(item.get("quote"), str):
            raise UnverifiedAnswer("a citation of the language model has no source or quote")
        pairs.append((item["source"].strip().strip("[]"), item["quote"]))
    if not reply["answer"].strip() or not pairs:
        raise UnverifiedAnswer("the language model gave no cited answer")
    return reply["answer"].strip(), pairs


def verify(proposed: list[tuple[str, str]], labelled: dict[str, Passage]) -> tuple[Citation, ...]:
    """Citations of the proposed quotes, or :class:`UnverifiedAnswer` at the first that fails."""
    citations = []
    for label, quote in proposed:
        passage = labelled.get(label)
        if passage is None:
            raise UnverifiedAnswer(f"the language model cited {label!r}, which it was not given")
        try:
            citations.append(cite(passage, quote))
        except CitationError:
            raise UnverifiedAnswer(f"the language model's quote is not in source {label}: {quote[:80]!r}") from None
    return tuple(citations)
