"""The optional language model: its answer is shown only if every quote is in the cited passage;
otherwise, or when the endpoint cannot be reached, the extractive answer comes with a notice.

The endpoint is a small fake OpenAI-compatible server on 127.0.0.1 (a test double of an
external service)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import pytest

from tenfold.assistant import AssistantService, LLMEndpoint
from tenfold.assistant.generation import LLMUnavailable, UnverifiedAnswer, complete, parse_reply

QUESTION = "How much is Carer's Allowance a week?"


class FakeOpenAI:
    def __init__(self) -> None:
        self.reply: Any = {}
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                content = fake.reply if isinstance(fake.reply, str) else json.dumps(fake.reply)
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> LLMEndpoint:
        return LLMEndpoint(base_url=f"http://127.0.0.1:{self.server.server_address[1]}/v1", model="fake-model",
                           api_key="sk-test", timeout_seconds=5)


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def with_llm(bm25_service: AssistantService, fake_llm: FakeOpenAI) -> Iterator[AssistantService]:
    bm25_service.llm = fake_llm.endpoint
    yield bm25_service
    bm25_service.llm = None


def test_a_generated_answer_whose_quotes_are_in_the_sources_is_shown(with_llm: AssistantService, fake_llm: FakeOpenAI) -> None:
    fake_llm.reply = {"answer": "It is £81.90 a week.",
                      "citations": [{"source": "S1", "quote": "you could get £81.90 a week if you care for someone"}]}
    answer = with_llm.ask(QUESTION, record=False)
    assert answer.kind == "generated" and answer.text == "It is £81.90 a week." and answer.model == "fake-model"
    quote = answer.citations[0]
    assert quote.quote == "You could get £81.90 a week if you care for someone"  # the source's letters, not the model's
    request = fake_llm.requests[-1]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    assert "[S1]" in request["body"]["messages"][1]["content"] and QUESTION in request["body"]["messages"][1]["content"]


def test_a_quote_that_is_not_in_the_cited_source_falls_back_to_the_extractive_answer(with_llm: AssistantService, fake_llm: FakeOpenAI) -> None:
    fake_llm.reply = {"answer": "It is £100 a week.", "citations": [{"source": "S1", "quote": "You could get £100 a week"}]}
    answer = with_llm.ask(QUESTION, record=False)
    assert answer.kind == "extractive"
    assert "citation check" in answer.notice and "not in source S1" in answer.notice_detail
    assert all("£100" not in c.quote for c in answer.citations)


@pytest.mark.parametrize("reply", [
    "I think it is about eighty pounds.",
    {"answer": "£81.90", "citations": []},
    {"answer": "£81.90", "citations": [{"source": "S9", "quote": "£81.90"}]},
    {"answer": "", "citations": [{"source": "S1", "quote": "£81.90"}]},
    {"citations": "S1"},
])
def test_replies_without_a_checkable_citation_fall_back(with_llm: AssistantService, fake_llm: FakeOpenAI, reply: Any) -> None:
    fake_llm.reply = reply
    answer = with_llm.ask(QUESTION, record=False)
    assert answer.kind == "extractive" and answer.notice and answer.citations


def test_an_endpoint_error_status_falls_back(with_llm: AssistantService, fake_llm: FakeOpenAI) -> None:
    fake_llm.status = 500
    answer = with_llm.ask(QUESTION, record=False)
    assert answer.kind == "extractive" and "could not be reached" in answer.notice and "HTTP 500" in answer.notice_detail


def test_an_unreachable_endpoint_gives_the_extractive_answer_and_a_clear_notice(bm25_service: AssistantService) -> None:
    bm25_service.llm = LLMEndpoint(base_url=f"http://127.0.0.1:{unused_port()}/v1", model="absent", timeout_seconds=2)
    try:
        answer = bm25_service.ask(QUESTION, record=False)
    finally:
        bm25_service.llm = None
    assert answer.kind == "extractive" and answer.citations
    assert "could not be reached" in answer.notice and "cannot be reached" in answer.notice_detail


def test_not_found_never_asks_the_model(with_llm: AssistantService, fake_llm: FakeOpenAI) -> None:
    assert with_llm.ask("How do I renew a British passport?", record=False).kind == "not_found"
    assert fake_llm.requests == []


def test_reply_parsing_accepts_json_in_a_code_fence() -> None:
    text, pairs = parse_reply('```json\n{"answer": "Yes.", "citations": [{"source": "[S2]", "quote": "q"}]}\n```')
    assert text == "Yes." and pairs == [("S2", "q")]
    with pytest.raises(UnverifiedAnswer):
        parse_reply("no json here")


def test_a_non_http_endpoint_is_unavailable() -> None:
    with pytest.raises(LLMUnavailable):
        complete(LLMEndpoint(base_url="http://256.0.0.1:1/v1", model="x", timeout_seconds=1), [])
