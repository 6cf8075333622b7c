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


def test_a_value_the_database_cannot_keep_is_the_clients_error_and_nothing_is_written(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi import Body
    from sqlalchemy import JSON, Column, Integer, MetaData, Table, func, insert, select

    from tenfold.storage import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'probe.sqlite'}")
    notes = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("body", JSON))
    notes.metadata.create_all(engine)
    app = create_app("probe")

    @app.post("/notes")
    def add(body: dict = Body(...)) -> dict[str, str]:  # type: ignore[type-arg]
        with engine.begin() as connection:
            connection.execute(insert(notes).values(body={"ok": 1}))   # written first, rolled back with the rest
            connection.execute(insert(notes).values(body=body))
        return {"status": "stored"}

    client = TestClient(app, raise_server_exceptions=False)
    answer = client.post("/notes", json={"n": 2**64})
    assert answer.status_code == 400 and "cannot be stored" in answer.json()["detail"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(notes)).scalar() == 0
    assert client.post("/notes", json={"n": 2**62}).status_code == 200
