"""Ingestion: find the files, parse and chunk them, store what changed, embed what is new.

Incremental twice over: a file whose bytes hash the same as when it was stored is skipped, and a
chunk whose text (with its breadcrumb) was ever embedded reuses the cached vector. A file that
cannot be read is reported and the rest go on.

Paths may be files, directories (walked recursively; only supported types; a folder's README
and LICENCE files describe the folder and are left out unless named) or glob patterns, e.g.
``src/tenfold/programs/*/handbook.*.md``. A document's set is ``--set`` or else the name of the
folder it was found in (given folder, or the file's parent)."""

from __future__ import annotations

import glob
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Sequence

from tenfold.assistant.chunking import chunk_document
from tenfold.assistant.dense import Embedder
from tenfold.assistant.formats import FORMATS, is_supported, parse_bytes
from tenfold.assistant.models import search_text
from tenfold.assistant.store import AssistantStore
from tenfold.errors import InvalidInput
from tenfold.i18n import _

MAX_FILE_BYTES = 50 * 1024 * 1024
# Part of every document's hash: bump it when parsing or chunking changes, so that the next
# ingestion re-chunks files whose bytes did not change (their unchanged passages keep their vectors).
PIPELINE_VERSION = "3"
EMBED_BATCH = 16
_FOLDER_NOTES = ("readme", "licence", "license", "copying", "changelog")


class Progress(Protocol):
    """Where long work reports how far it got (the CLI draws a bar; tests count)."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class Silent:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


@dataclass(frozen=True)
class Source:
    path: Path
    key: str
    document_set: str


@dataclass(frozen=True)
class Outcome:
    key: str
    status: str  # added | updated | unchanged | failed
    document_set: str = ""
    title: str = ""
    language: str = ""
    chunks: int = 0
    message: str = ""


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)
    embedded: int = 0
    embedder: str | None = None
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]


def discover(paths: Sequence[str], document_set: str | None = None, root: Path | None = None) -> tuple[list[Source], list[Outcome]]:
    """The files ``paths`` name, in a stable order, and a failed outcome for each path that names none."""
    root = (root or Path.cwd()).resolve()
    sources: dict[str, Source] = {}
    problems: list[Outcome] = []
    for raw in paths:
        matches = [Path(m) for m in sorted(glob.glob(raw, recursive=True))] if glob.has_magic(raw) else [Path(raw)]
        found = [s for m in matches for s in _expand(m, raw, document_set, root)]
        if not found:
            problems.append(Outcome(key=raw, status="failed", message=_missing(raw, matches)))
        for source in found:
            sources.setdefault(source.key, source)
    return list(sources.values()), problems


def _missing(raw: str, matches: list[Path]) -> str:
    if not matches or not any(m.exists() for m in matches):
        return _("no such file or directory")
    return _("no supported files (supported: {types})").format(types=", ".join(sorted(FORMATS)))


def _expand(path: Path, raw: str, document_set: str | None, root: Path) -> list[Source]:
    if path.is_dir():
        folder_set = document_set or path.resolve().name
        files = sorted(p for p in path.rglob("*") if p.is_file() and is_supported(p) and not _is_folder_note(p))
        return [_source(p, folder_set, root) for p in files]
    if path.is_file():
        return [_source(path, document_set or path.resolve().parent.name, root)]
    return []


def _is_folder_note(path: Path) -> bool:
    return path.stem.lower().split(".")[0] in _FOLDER_NOTES or path.name.startswith(".")


def _source(path: Path, document_set: str, root: Path) -> Source:
    resolved = path.resolve()
    key = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else resolved.as_posix()
    return Source(path=resolved, key=key, document_set=document_set)


def ingest(store: AssistantStore, paths: Sequence[str], *, document_set: str | None = None,
           embedder: Embedder | None = None, progress: Progress | None = None, root: Path | None = None) -> IngestReport:
    progress = progress or Silent()
    started = time.perf_counter()
    sources, problems = discover(paths, document_set, root)
    report = IngestReport(outcomes=list(problems), embedder=embedder.name if embedder else None)
    progress.start(_("Reading documents"), len(sources))
    for source in sources:
        report.outcomes.append(ingest_file(store, source))
        progress.advance()
    if embedder is not None:
        report.embedded = embed_missing(store, embedder, progress)
    report.seconds = time.perf_counter() - started
    return report


def ingest_file(store: AssistantStore, source: Source) -> Outcome:
    try:
        data = _read(source.path)
        digest = hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data).hexdigest()
        previous = store.content_hash_of(source.key)
        if previous == digest:
            return Outcome(key=source.key, status="unchanged", document_set=source.document_set)
        parsed = parse_bytes(data, source.key)
        chunks = chunk_document(parsed)
        if not chunks:
            raise InvalidInput(_("{name}: the document has no text").format(name=source.key))
        hashed = [(c, text_hash(search_text(parsed.title, c.section_path, c.text))) for c in chunks]
        store.save_document(source.key, source.document_set, digest, parsed, hashed)
    except InvalidInput as error:
        return Outcome(key=source.key, status="failed", document_set=source.document_set, message=str(error))
    return Outcome(key=source.key, status="added" if previous is None else "updated", document_set=source.document_set,
                   title=parsed.title, language=parsed.language, chunks=len(chunks))


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput(_("{name}: the file is larger than {limit} MB").format(name=path.name, limit=MAX_FILE_BYTES // 2**20))
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(_("{name}: cannot be read ({reason})").format(name=path.name, reason=error.strerror or error)) from None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_missing(store: AssistantStore, embedder: Embedder, progress: Progress | None = None,
                  batch: int = EMBED_BATCH) -> int:
    """Embed every stored chunk text that has no vector for this model yet; returns how many."""
    progress = progress or Silent()
    pending = store.unembedded(embedder.name)
    progress.start(_("Embedding passages"), len(pending))
    for offset in range(0, len(pending), batch):
        group = pending[offset:offset + batch]
        vectors = embedder.passages([p.search_text() for p in group])
        store.save_vectors(embedder.name, zip([p.content_hash for p in group], vectors))
        progress.advance(len(group))
    return len(pending)
