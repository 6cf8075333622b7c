"""What every HTTP service shares (tenfold.web.create_app)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tenfold.web import create_app


def test_no_page_loads_scripts_from_a_cdn_and_the_openapi_document_stays() -> None:
    client = TestClient(create_app("probe"))
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "cdn.jsdelivr.net" not in answer.text
    assert client.get("/openapi.json").json()["info"]["title"] == "probe"
    assert client.get("/healthz").json() == {"status": "ok"}
