"""The HTTP surface: JSON API, the caseworker page, the source view, and 4xx for bad input."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

from tenfold.assistant import AssistantService
from tenfold.assistant.api import create_assistant_app


@pytest.fixture(scope="module")
def client(bm25_service: AssistantService) -> Iterator[TestClient]:
    with TestClient(create_assistant_app(bm25_service)) as test_client:
        yield test_client


def test_ask_returns_citations_with_document_section_page_quote_and_offsets(client: TestClient) -> None:
    response = client.post("/assistant/ask", json={"question": "What is the earnings limit for Carer's Allowance?"})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "extractive" and body["id"]
    citation = body["citations"][0]
    assert {"document", "section", "page", "quote", "start", "end", "chunk_id"} <= set(citation)
    assert "£128" in " ".join(c["quote"] for c in body["citations"])


def test_ask_in_chinese_says_not_found_in_chinese(client: TestClient) -> None:
    body = client.post("/assistant/ask", json={"question": "護照遺失要怎麼補辦?", "language": "zh-Hant"}).json()
    assert body["kind"] == "not_found" and body["text"] == "來源中找不到答案。"
    via_header = client.post("/assistant/ask", json={"question": "護照遺失要怎麼補辦?"}, headers={"Accept-Language": "zh-TW"})
    assert via_header.json()["text"] == "來源中找不到答案。"


@pytest.mark.parametrize("body, status, fragment", [
    ({"question": ""}, 400, "empty"),
    ({"question": "x" * 1001}, 400, "longer than 1000"),
    ({"question": "x" * 30000}, 400, "question"),
    ({"question": "Carer", "document_sets": ["nope"]}, 400, "Unknown document set"),
    ({"question": "Carer", "mode": "dense"}, 400, "dense"),
    ({"question": "Carer", "mode": "psychic"}, 400, "mode"),
    ({"question": "Carer", "extra": 1}, 400, "extra"),
    ({}, 400, "question"),
])
def test_bad_questions_get_a_4xx_that_says_why(client: TestClient, body: dict, status: int, fragment: str) -> None:  # type: ignore[type-arg]
    response = client.post("/assistant/ask", json=body)
    assert response.status_code == status
    assert fragment in str(response.json()["detail"])


def test_a_body_over_the_limit_is_refused(client: TestClient) -> None:
    response = client.post("/assistant/ask", content=b'{"question": "' + b"x" * 2_000_000 + b'"}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_feedback_is_stored_for_review(client: TestClient, bm25_service: AssistantService) -> None:
    answer_id = client.post("/assistant/ask", json={"question": "How much is Guardian's Allowance a week?"}).json()["id"]
    response = client.post("/assistant/feedback", json={"answer_id": answer_id, "rating": "down", "comment": "Wrong section"})
    assert response.status_code == 201
    stored = next(e for e in bm25_service.store.feedback() if e["id"] == response.json()["id"])
    assert (stored["rating"], stored["comment"], stored["answer_id"]) == (-1, "Wrong section", answer_id)
    assert client.post("/assistant/feedback", json={"answer_id": "missing", "rating": "up"}).status_code == 404
    assert client.post("/assistant/feedback", json={"answer_id": answer_id, "rating": "meh"}).status_code == 400


def test_the_page_works_without_javascript_highlights_quotes_and_links_sources(client: TestClient) -> None:
    page = client.get("/assistant", params={"q": "How much is Child Benefit for the eldest or only child?"})
    assert page.status_code == 200 and "<script" not in page.text
    assert re.search(r"<mark>[^<]*£20\.70[^<]*</mark>", page.text)
    link = re.search(r'href="(/assistant/sources/\d+\?start=\d+&amp;end=\d+&amp;lang=en)"', page.text)
    assert link
    source = client.get(link.group(1).replace("&amp;", "&"))
    assert source.status_code == 200 and "<mark>" in source.text and "Open Government Licence v3.0" in source.text
    assert 'action="/assistant/feedback/form"' in page.text


def test_the_language_switch_keeps_the_question(client: TestClient) -> None:
    page = client.get("/assistant", params={"q": "照顧者津貼", "lang": "en"})
    switch = re.search(r'href="(/assistant\?q=[^"]+lang=zh-Hant)"', page.text)
    assert switch and "%E7%85%A7" in switch.group(1)  # 照, url-encoded
    chinese = client.get(switch.group(1).replace("&amp;", "&"))
    assert '<html lang="zh-Hant">' in chinese.text and "你的問題" in chinese.text and "照顧者津貼</textarea>" in chinese.text


def test_the_feedback_form_saves_and_thanks(client: TestClient, bm25_service: AssistantService) -> None:
    page = client.get("/assistant", params={"q": "How often is Guardian's Allowance paid?", "lang": "zh-Hant"})
    answer_id = re.search(r'name="answer_id" value="([^"]+)"', page.text).group(1)
    response = client.post("/assistant/feedback/form", data={"answer_id": answer_id, "rating": "up", "comment": "好",
                                                              "lang": "zh-Hant", "q": "x"}, follow_redirects=False)
    assert response.status_code == 303 and "thanks=1" in response.headers["location"]
    assert "謝謝" in client.get(response.headers["location"]).text
    assert any(e["answer_id"] == answer_id and e["comment"] == "好" for e in bm25_service.store.feedback())
    assert client.post("/assistant/feedback/form", data={"answer_id": answer_id}).status_code == 400


def test_bad_input_on_the_page_is_shown_with_a_400(client: TestClient) -> None:
    page = client.get("/assistant", params={"q": "x" * 1200})
    assert page.status_code == 400 and "longer than 1000" in page.text


def test_a_source_view_never_marks_text_that_is_not_the_requested_span(client: TestClient, bm25_service: AssistantService) -> None:
    passage = bm25_service.store.passages()[0]
    shifted = client.get(f"/assistant/sources/{passage.chunk_id}", params={"start": passage.end - 2, "end": passage.end + 50})
    assert shifted.status_code == 200 and "<mark>" not in shifted.text and "not in this passage" in shifted.text
    assert client.get("/assistant/sources/99999999").status_code == 404


def test_service_endpoints(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/assistant/status").json()["modes"] == ["bm25"]
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/assistant/ask", "/assistant/feedback", "/assistant", "/assistant/sources/{chunk_id}"} <= set(paths)


def test_the_assistant_is_a_member_application_over_that_members_database(var_dir, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tenfold.assistant.config import get_assistant_settings
    from tenfold.cli.serve import APPLICATIONS

    import tenfold.cli.assistant  # noqa: F401 (registers the application)

    monkeypatch.setenv("TENFOLD_ASSISTANT_EMBEDDER", "none")
    monkeypatch.delenv("TENFOLD_ASSISTANT_DATABASE_URL", raising=False)
    get_assistant_settings.cache_clear()
    try:
        with TestClient(APPLICATIONS["assistant"]("SIB")) as member_client:
            assert member_client.get("/assistant/status").json()["passages"] == 0
        assert (var_dir / "sib.sqlite").exists()
    finally:
        get_assistant_settings.cache_clear()


def test_pages_allow_no_script_no_framing_and_only_their_own_styles(client: TestClient) -> None:
    import base64
    import hashlib

    page = client.get("/assistant", params={"q": "How often is Guardian's Allowance paid?"})
    link = re.search(r'href="(/assistant/sources/\d+[^"]*)"', page.text)
    assert link
    source = client.get(link.group(1).replace("&amp;", "&"))
    refused = client.get("/assistant", params={"q": " ", "mode": "psychic"})
    for answer in (page, source, refused):
        policy = answer.headers["content-security-policy"]
        assert "script-src" not in policy and policy.startswith("default-src 'none'") and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
        style = re.search(r"<style>(.*?)</style>", answer.text, re.S).group(1)  # type: ignore[union-attr]
        assert f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'" in policy
        assert answer.headers["x-frame-options"] == "DENY" and answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store" and answer.headers["referrer-policy"] == "no-referrer"
