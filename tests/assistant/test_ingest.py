"""Ingestion: formats, incremental by content hash, document sets, globs, and bad files that do
not stop the others."""

from __future__ import annotations

from pathlib import Path

from tenfold.assistant import AssistantService

from .conftest import HashingEmbedder, open_service
from .pdfs import make_pdf


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_every_supported_format_is_ingested_and_bad_files_do_not_stop_the_rest(tmp_path: Path, fresh_service: AssistantService) -> None:
    folder = tmp_path / "handbooks"
    write(folder / "grant.md", "# Grant\n\n## Amount\n\nEUR 500 once.\n")
    write(folder / "notes.txt", "Notes\n\nPaid within 10 days.\n")
    write(folder / "page.html", "<h1>Allowance</h1><p>Paid monthly.</p>")
    write(folder / "guide.pdf", make_pdf([["Funeral grant", "Paid to whoever pays the funeral."]]))
    write(folder / "broken.pdf", b"%PDF-1.4 not really")
    write(folder / "letter.docx", b"PK\x03\x04")  # not a supported type: skipped in a folder walk
    report = fresh_service.ingest([str(folder), str(folder / "letter.docx"), str(tmp_path / "missing.md")], root=tmp_path)
    status = {o.key: o.status for o in report.outcomes}
    assert status["handbooks/grant.md"] == status["handbooks/notes.txt"] == "added"
    assert status["handbooks/page.html"] == status["handbooks/guide.pdf"] == "added"
    assert status["handbooks/broken.pdf"] == "failed"
    assert status["handbooks/letter.docx"] == "failed"
    assert status[str(tmp_path / "missing.md")] == "failed"
    messages = {o.key: o.message for o in report.failed}
    assert "not a readable PDF" in messages["handbooks/broken.pdf"]
    assert "unsupported file type" in messages["handbooks/letter.docx"]
    assert {d.document_set for d in fresh_service.documents()} == {"handbooks"}
    assert fresh_service.ask("When is the funeral grant paid?", record=False).found


def test_reingesting_unchanged_files_does_nothing_and_changed_ones_are_replaced(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    service = open_service(f"sqlite:///{tmp_path / 'a.sqlite'}", embedder=embedder)
    handbook = write(tmp_path / "docs" / "handbook.md", "# Grant\n\nEUR 500 once.\n\n## Who\n\nParents.\n")
    first = service.ingest([str(handbook)], root=tmp_path)
    assert [o.status for o in first.outcomes] == ["added"] and first.embedded == 2
    old_ids = {p.chunk_id for p in service.store.passages()}
    again = service.ingest([str(handbook)], root=tmp_path)
    assert [o.status for o in again.outcomes] == ["unchanged"] and again.embedded == 0
    write(handbook, "# Grant\n\nEUR 600 once.\n\n## Who\n\nParents.\n")
    changed = service.ingest([str(handbook)], root=tmp_path)
    assert [o.status for o in changed.outcomes] == ["updated"]
    assert changed.embedded == 1  # the unchanged section's vector came from the cache
    assert embedder.calls == 3
    passages = service.store.passages()
    assert "EUR 600 once." in {p.text for p in passages}
    assert not old_ids & {p.chunk_id for p in passages}  # chunk ids are never reused


def test_program_handbooks_are_picked_up_by_a_glob(tmp_path: Path, fresh_service: AssistantService) -> None:
    for program in ("family_benefits", "funeral_grant"):
        write(tmp_path / "programs" / program / "handbook.en.md", f"# {program}\n\nRules of {program}.\n")
        write(tmp_path / "programs" / program / "handbook.zh-Hant.md", f"# {program}\n\n{program} 的規定。\n")
        write(tmp_path / "programs" / program / "rules.py", "RULES = 1\n")
    report = fresh_service.ingest([str(tmp_path / "programs" / "*" / "handbook.*.md")], root=tmp_path)
    assert sorted(o.key for o in report.outcomes) == [
        "programs/family_benefits/handbook.en.md", "programs/family_benefits/handbook.zh-Hant.md",
        "programs/funeral_grant/handbook.en.md", "programs/funeral_grant/handbook.zh-Hant.md"]
    assert {(d.document_set, d.language) for d in fresh_service.documents()} == {
        ("family_benefits", "en"), ("family_benefits", "zh-Hant"), ("funeral_grant", "en"), ("funeral_grant", "zh-Hant")}


def test_a_folder_readme_is_left_out_unless_named(tmp_path: Path, fresh_service: AssistantService) -> None:
    write(tmp_path / "corpus" / "README.md", "# About this folder\n\nLicences.\n")
    write(tmp_path / "corpus" / "rule.md", "# Rule\n\nText.\n")
    keys = [o.key for o in fresh_service.ingest([str(tmp_path / "corpus")], root=tmp_path).outcomes]
    assert keys == ["corpus/rule.md"]
    named = fresh_service.ingest([str(tmp_path / "corpus" / "README.md")], root=tmp_path)
    assert [o.status for o in named.outcomes] == ["added"]


def test_the_set_option_names_the_document_set(tmp_path: Path, fresh_service: AssistantService) -> None:
    write(tmp_path / "docs" / "guide.md", "# Guide\n\nRun make demo.\n")
    fresh_service.ingest([str(tmp_path / "docs" / "guide.md")], document_set="operator-guide", root=tmp_path)
    assert [d.document_set for d in fresh_service.documents()] == ["operator-guide"]


def test_the_shipped_corpus_is_ingested_whole(bm25_service: AssistantService) -> None:
    documents = bm25_service.documents()
    assert len([d for d in documents if d.document_set == "policy"]) == 26
    assert {d.language for d in documents} == {"en", "zh-Hant"}
    assert all(d.chunks > 0 for d in documents)
    assert all(d.metadata.get("licence") for d in documents if d.document_set == "policy")
