"""HTTP surface of the assistant: the JSON API (``POST /assistant/ask``, ``POST /assistant/feedback``)
and the caseworker pages (``GET /assistant``, ``GET /assistant/sources/{chunk_id}``).

Mounted in SIB's application (other members reach it through the exchange), or served alone with
``tenfold assistant serve``."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from tenfold.assistant import pages
from tenfold.assistant.dense import EmbedderUnavailable
from tenfold.assistant.service import MAX_COMMENT_CHARS, AnswerNotFound, AssistantService, SourceNotFound
from tenfold.errors import InvalidInput, TenfoldError
from tenfold.i18n import _, current_language, language_from_accept, normalise_language
from tenfold.web import create_app

RATINGS = {"up": 1, "down": -1}
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def page_headers(html: str) -> dict[str, str]:
    """Headers of a caseworker page: no script at all, the page's own inline styles by their hash,
    forms only to this service, no framing, no caching (a question may name a person)."""
    styles = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(m.encode()).digest()).decode()}'" for m in _STYLE.findall(html))
    policy = ("default-src 'none'; style-src " + (styles or "'none'") + "; img-src 'self'; form-action 'self'; "
              "frame-ancestors 'none'; base-uri 'none'")
    return {"Content-Security-Policy": policy, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=page_headers(html))


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(..., max_length=20000, description="The question, in English or Traditional Chinese (at most 1,000 characters).")
    document_sets: list[str] | None = Field(None, max_length=50, description="Only search these document sets.")
    mode: Literal["hybrid", "bm25", "dense"] | None = Field(None, description="Retrieval mode (default: the server's).")
    language: Literal["en", "zh-Hant"] | None = Field(None, description="Language of messages (default: Accept-Language).")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer_id: str = Field(..., min_length=1, max_length=36, description="The id of the answer (from /assistant/ask).")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS)


def _language(request: Request, explicit: str | None = None) -> str:
    language = normalise_language(explicit) if explicit else language_from_accept(request.headers.get("accept-language"))
    current_language.set(language)
    return language


def assistant_router(service: AssistantService) -> APIRouter:
    router = APIRouter()

    @router.post("/assistant/ask", summary="Answer a question with verbatim, checkable citations")
    def ask(body: AskRequest, request: Request) -> dict[str, Any]:
        _language(request, body.language)
        return service.ask(body.question, mode=body.mode, document_sets=body.document_sets).to_dict()

    @router.post("/assistant/feedback", status_code=201, summary="Thumbs up or down on an answer, with a comment")
    def feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
        _language(request)
        return {"id": service.feedback(body.answer_id, RATINGS[body.rating], body.comment)}

    @router.post("/assistant/feedback/form", include_in_schema=False)
    async def feedback_form(request: Request) -> RedirectResponse:
        fields = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        language = _language(request, fields.get("lang"))
        rating = RATINGS.get(fields.get("rating", ""))
        if rating is None:
            raise InvalidInput(_("Choose helpful or not helpful."))
        answer_id = fields.get("answer_id", "")[:36]
        await run_in_threadpool(service.feedback, answer_id, rating, fields.get("comment"))
        target = pages.url("/assistant", {"q": fields.get("q"), "lang": language, "thanks": "1"})
        return RedirectResponse(target, status_code=303)

    @router.get("/assistant", response_class=HTMLResponse, summary="The caseworker's question page")
    def page(request: Request, q: str | None = Query(None, max_length=20000), document_set: list[str] | None = Query(None, alias="set"),
             mode: str | None = Query(None, max_length=16), lang: str | None = Query(None, max_length=16),
             thanks: str | None = Query(None, max_length=4)) -> HTMLResponse:
        language = _language(request, lang)
        params = {"q": q, "set": document_set or [], "mode": mode}
        answer, error, status = None, None, 200
        if q and q.strip():
            try:
                answer = service.ask(q, mode=mode or None, document_sets=document_set)
            except (InvalidInput, EmbedderUnavailable) as problem:
                error, status = str(problem), 400
        retriever = service.retriever()
        html = pages.render(
            "ask.html", language, question=q or "", answer=answer, error=error, thanks=bool(thanks),
            citations=pages.citation_views(answer.citations, language) if answer else [],
            passage_link=pages.passage_link, document_sets=retriever.document_sets(), chosen_sets=document_set or [],
            modes=retriever.modes, mode=mode or "", languages=pages.language_links("/assistant", params, language),
        )
        return _page(html, status)

    @router.get("/assistant/sources/{chunk_id}", response_class=HTMLResponse, summary="A source passage with the quote marked")
    def source(request: Request, chunk_id: int = Path(..., ge=1, le=2**62), start: int | None = Query(None, ge=0, le=2**62),
               end: int | None = Query(None, ge=0, le=2**62),
               lang: str | None = Query(None, max_length=16)) -> HTMLResponse:
        language = _language(request, lang)
        view = service.source(chunk_id)
        html = pages.render(
            "source.html", language, view=view, segments=pages.highlight(view.passage, start, end),
            marked=start is not None and end is not None, passage_link=pages.passage_link,
            languages=pages.language_links(f"/assistant/sources/{chunk_id}", {"start": start, "end": end}, language),
        )
        return _page(html)

    @router.get("/assistant/status", summary="What the assistant has indexed and can do")
    def status() -> dict[str, Any]:
        return service.status()

    return router


def create_assistant_app(service: AssistantService) -> FastAPI:
    app = create_app(
        "Tenfold policy assistant",
        description="Answers caseworkers' questions from policy documents with verbatim, checkable citations.",
        errors={SourceNotFound: 404, AnswerNotFound: 404, EmbedderUnavailable: 400, TenfoldError: 400},
    )
    app.include_router(assistant_router(service))

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/assistant", status_code=307)

    return app
