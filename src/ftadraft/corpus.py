"""The corpus: add files to the index, look agreements and provisions up, remove, count.

``ftadraft.open()`` returns a :class:`Corpus`; the CLI is a thin layer over it.
Adding is incremental and idempotent (an ingest key of content, format, metadata and reader
version): unchanged files are skipped without being parsed, a changed file replaces its
agreement, and all writes of one ``add`` happen in a single transaction.

Adding streams: files are read in order, and every batch of about a million characters is
analysed and tagged by a worker process while the next ones are read, then written into the
add's transaction. Memory holds a few batches, never the whole corpus.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from .errors import FtadraftError, InputError
from .index import refs
from .index.store import Index, WaitReporter, open_index, text_sha
from .model import Agreement, Chapter, Document, Provision

# Reading, analysing and tagging files (ingest, index.analysis, tags.tagging, worker processes) are imported by
# the functions that add files: a one-shot search or look-up does not load them.

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    import numpy as np

    from .index.analysis import TagInput
    from .index.bm25 import Postings
    from .index.store import DocumentWriter, ProvisionFilter
    from .ingest.metadata import AgreementMeta
    from .provenance.precedents import PrecedentIndex
    from .search.engine import Hit
    from .tags.tagging import Tags
    from .tags.topics import Topic

#: Called as progress(stage, done, total) — stage is "read" (files read, analysed and tagged as they are read),
#: "analyse" (the articles of the last batches, after the last file is read) or "write".
Progress = Callable[[str, int, int], None]
#: Characters of article text per batch that a worker analyses and tags at once.
_BATCH_CHARS = 1_000_000


@dataclass(frozen=True)
class AddReport:
    """What an ``add`` did, file by file."""

    added: tuple[str, ...] = ()  # agreement ids new to the index
    replaced: tuple[str, ...] = ()  # agreement ids whose changed file replaced the old provisions
    unchanged: tuple[str, ...] = ()  # file paths skipped because nothing changed
    failed: tuple[tuple[str, str], ...] = ()  # (path, one-line error)
    warnings: tuple[str, ...] = ()
    provisions: int = 0  # provisions written

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added), "replaced": list(self.replaced), "unchanged": len(self.unchanged),
            "failed": [{"path": p, "error": e} for p, e in self.failed], "warnings": list(self.warnings),
            "provisions": self.provisions,
        }


@dataclass(frozen=True)
class AgreementView:
    """An agreement with its chapters and provisions, as ``corpus show`` presents it."""

    agreement: Agreement
    chapters: tuple[Chapter, ...]
    provisions: tuple[Provision, ...]
    file: dict[str, Any] = field(default_factory=dict)


def expand_paths(paths: Iterable[Path | str], fmt: str | None = None,
                 skipped: list[Path] | None = None) -> list[Path]:
    """Files named directly, plus the agreement files found in named folders (recursively). Entries of a
    folder that are neither folders nor regular files (pipes, sockets, devices, broken links) are never
    opened: they are added to ``skipped`` if given."""
    from .ingest.load import SUFFIXES
    from .ingest.metadata import is_sidecar

    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found: list[Path] = []
            for f in p.rglob("*"):
                if any(part.startswith(".") for part in f.relative_to(p).parts) or f.is_dir():
                    continue
                if not f.is_file():
                    if skipped is not None:
                        skipped.append(f)
                elif not is_sidecar(f) and (fmt is not None or f.suffix.lower() in SUFFIXES):
                    found.append(f)
            out.extend(sorted(found, key=_natural_key))
        else:
            out.append(p)  # missing files are reported by the reader, by name
    return list(dict.fromkeys(out))


def _natural_key(p: Path) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(p))]


@dataclass(eq=False)
class SessionCache:
    """What one open :class:`Corpus` derives from its index during a session, valid for one state of
    the index (``version``). Search and provenance read it only through :meth:`Corpus.session`, which
    hands out a new, empty one whenever the index changed — through this Corpus or any other connection."""

    version: tuple[int, int]
    #: Provisions in the index (at least 1).
    total: int | None = None
    #: The in-memory BM25 scorer, once ``scorer_tried`` (None then: this index cannot be reproduced).
    scorer: Postings | None = None
    scorer_tried: bool = False
    #: No earlier process saved a scorer for this index state (so loading is not tried again).
    no_saved_scorer: bool = False
    #: Seconds spent in FTS5's bm25() this session: pays for the scorer's build at some point.
    fts_seconds: float = 0.0
    #: Document frequencies asked of FTS5 while there is no scorer.
    doc_freq: dict[str, int] = field(default_factory=dict)
    #: Filter set → the scorer's mask of provisions it lets through.
    filter_masks: dict[ProvisionFilter, np.ndarray] = field(default_factory=dict)
    #: Per language: alphabetic word forms by first letter (typo correction).
    forms_by_initial: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Per language: lemma → word forms (highlighting), and the languages asked once already.
    forms_of_lemma: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    forms_asked: set[str] = field(default_factory=set)
    #: Per language: the thesaurus concepts as lemmas, and concept numbers by first lemma.
    concepts: dict[str, list[tuple[tuple[str, ...], ...]]] = field(default_factory=dict)
    concepts_by_lemma: dict[str, dict[str, set[int]]] = field(default_factory=dict)
    #: Shingle postings for precedent look-ups.
    precedent_index: PrecedentIndex | None = None


class Corpus:
    """An open ftadraft index with the operations users need."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._session: SessionCache | None = None

    def session(self) -> SessionCache:
        """The structures derived from the index in this session, empty again if the index changed
        since they were made (the one freshness check every consumer goes through)."""
        version = self.index.data_version()
        if self._session is None or self._session.version != version:
            self._session = SessionCache(version)
        return self._session

    def forget(self) -> None:
        """Drop what was derived from the index (after a write, or when it proved stale)."""
        self._session = None

    @property
    def path(self) -> Path:
        return self.index.path

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding ------------------------------------------------------------------------------
    def add(
        self,
        paths: Iterable[Path | str],
        *,
        format: str | None = None,
        meta: AgreementMeta | None = None,
        encoding: str | None = None,
        progress: Progress | None = None,
        replace: bool = False,
    ) -> AddReport:
        """Add agreement files (or folders of them). Bad files are refused by name; the good ones
        are written together in one transaction.

        A changed file replaces the agreement it made before; a file whose agreement id is already taken
        by an agreement from another source (another file, or a dataset such as ToTA) is refused unless
        ``replace``, and a replacement says what it replaced (in ``warnings``)."""
        from .ingest.load import FORMATS

        if format is not None and format not in FORMATS:
            raise FtadraftError(f"unknown format {format!r}; known: {', '.join(sorted(FORMATS))}")
        skipped: list[Path] = []
        files = expand_paths(paths, format, skipped)
        if meta is not None and (meta.id or meta.name) and len(files) > 1:
            raise FtadraftError("--id/--name describe one agreement; give one file at a time, or use sidecar files")
        unchanged: list[str] = []
        failed: list[tuple[str, str]] = []
        warnings: list[str] = [f"{f}: skipped: not a regular file (a pipe, socket, device or broken link)"
                               for f in skipped]
        seen_ids: dict[str, str] = {}
        with _bulk_gc():
            indexer = _Indexer(self.index, progress)
            try:
                for i, path in enumerate(files, start=1):
                    self._read_one(path, format, meta, encoding, replace, indexer, seen_ids, unchanged, failed,
                                   warnings)
                    if progress:
                        progress("read", i, len(files))
                written, replaced, provisions = indexer.finish()
            except BaseException as e:
                indexer.abort(e)
                raise
            if written:  # search's scorer and phrase table now (stage "rank"), so that no query pays for them
                self.forget()
                from .search.engine import prepare

                prepare(self, progress)
        added = [aid for aid in written if aid not in replaced]
        return AddReport(
            added=tuple(added), replaced=tuple(replaced), unchanged=tuple(unchanged), failed=tuple(failed),
            warnings=tuple(warnings), provisions=provisions,
        )

    def _read_one(self, path: Path, format: str | None, meta: AgreementMeta | None, encoding: str | None,
                  replace: bool, indexer: _Indexer, seen_ids: dict[str, str], unchanged: list[str],
                  failed: list[tuple[str, str]], warnings: list[str]) -> None:
        """Read one file of an add and hand its document to ``indexer``, or say why not."""
        from .ingest.load import ingest_key, read_document, read_source

        try:
            data, fmt, sha, effective = read_source(path, format, meta)
            key = ingest_key(sha, fmt, effective)
            if key not in indexer.keys and self.index.find_ingest_key(key) is not None:
                unchanged.append(str(path))
            else:
                doc = read_document(path, data, fmt, sha, effective, encoding=encoding)
                if not doc.provisions:
                    raise InputError(path, "no text found to index")
                other = seen_ids.get(doc.agreement.id)
                if other is not None:
                    raise InputError(path, f"agreement id {doc.agreement.id!r} also comes from {other}; "
                                           "give it another id (--id or a sidecar)")
                previous = self._previous_source(doc)
                if previous is not None and not replace:
                    raise InputError(path, f"agreement id {doc.agreement.id!r} is already in the index from "
                                           f"{previous}; pass --replace to replace it, or give this file "
                                           "another id (--id)")
                if previous is not None:
                    warnings.append(f"{path}: replaced {doc.agreement.id} (from {previous})")
                seen_ids[doc.agreement.id] = str(path)
                warnings.extend(w if w.startswith(str(path)) else f"{path}: {w}" for w in doc.warnings)
                indexer.put(doc, key)
        except InputError as e:
            failed.append((str(path), str(e)))
        except (MemoryError, RecursionError) as e:
            failed.append((str(path), f"{path}: too complex to read ({type(e).__name__})"))

    def _previous_source(self, doc: Document) -> str | None:
        """The source of the agreement ``doc`` would replace, when it is another source (not an earlier
        version of the same file or dataset entry); None when nothing or the same source is replaced."""
        old = self.index.agreement(doc.agreement.id)
        if old is None:
            return None
        file = self.index.agreement_file(doc.agreement.id) or {}
        old_name = Path(str(file.get("file_path") or "")).name
        dataset = old.source.get("dataset")
        if dataset is not None and dataset == doc.agreement.source.get("dataset"):
            return None  # the same dataset's entry for this id, in a newer version
        if dataset is None and doc.agreement.source.get("dataset") is None and old_name == Path(doc.path).name:
            return None  # the same file, changed
        what = f"{dataset} ({old_name})" if dataset else f"file {old_name or 'unknown'}"
        return what

    # -- reading -----------------------------------------------------------------------------
    def agreements(self, party: str | None = None) -> list[Agreement]:
        """All agreements, oldest first (optionally only those a party signed)."""
        return self.index.agreements(party)

    def agreement(self, ref: str) -> Agreement:
        """The agreement an id or alias names (errors list close matches)."""
        return refs.resolve_agreement(self.index, ref)

    def provision(self, ref: str) -> Provision:
        """The provision a reference names: ``tota-449:14.3``, ``tpp:14.3``, ``tota-449/40210``."""
        return refs.resolve_provision(self.index, ref)

    def show(self, ref: str) -> AgreementView | Provision:
        """An agreement with its structure, or one provision, depending on the reference."""
        target = refs.resolve(self.index, ref)
        if isinstance(target, Provision):
            return target
        return AgreementView(
            agreement=target, chapters=tuple(self.index.chapters(target.id)),
            provisions=tuple(self.index.provisions(target.id)), file=self.index.agreement_file(target.id) or {},
        )

    def remove(self, references: Sequence[str]) -> list[str]:
        """Remove agreements by id or alias, all in one transaction; return the removed ids."""
        ids = [refs.resolve_agreement(self.index, r).id for r in references]
        self.index.remove(ids)
        self.forget()
        return ids

    def stats(self) -> dict[str, Any]:
        """Counts for the whole index."""
        return self.index.stats()

    def retag(self, progress: Progress | None = None) -> int:
        """Re-compute topics and obligation of every provision (after the tagger or taxonomy changed);
        returns the number of provisions tagged. ``progress`` is told the articles tagged (stage "tag"),
        then written (stage "write"), up to 10,000 at a time. One transaction, reads included: an
        add or remove by another process waits for it, so no provision is tagged from a text it no longer
        has."""
        from .tags.tagging import tag_all

        with self.index.transaction():
            inputs = self.index.tag_inputs()
            total = len(inputs)
            # equal steps of at most 10,000 (5 for ToTA): each call of tag_all starts its own workers (~0.2 s)
            steps = max(1, -(-total // 10_000))
            step = max(1, -(-total // steps))
            tags: list[Tags] = []
            if progress:  # each stage starts its clock at 0 of total
                progress("tag", 0, total)
            for start in range(0, total, step):
                tags.extend(tag_all([i for _, i in inputs[start:start + step]]))
                if progress:
                    progress("tag", len(tags), total)
            if progress:
                progress("write", 0, total)
            for start in range(0, total, step):
                done = zip(inputs[start:start + step], tags[start:start + step], strict=True)
                self.index.update_tags({pid: (t.topics, t.obligation) for (pid, _), t in done})
                if progress:
                    progress("write", min(start + step, total), total)
        self.forget()
        return total

    def topics(self) -> tuple[Topic, ...]:
        """The topic taxonomy (see :mod:`ftadraft.tags.topics`)."""
        from .tags.topics import taxonomy

        return taxonomy()

    def search(
        self,
        query: str = "",
        *,
        limit: int = 10,
        group: bool = False,
        topics: str | Sequence[str] = (),
        parties: str | Sequence[str] = (),
        all_parties: bool = False,
        agreement: str | None = None,
        chapter: str | None = None,
        since: int | None = None,
        until: int | None = None,
        obligation: str | None = None,
        lang: str | None = None,
    ) -> list[Hit]:
        """Search provisions (see :func:`ftadraft.search.engine.search`); the filters are those of
        :class:`ftadraft.search.engine.Filters`. ``topics`` and ``parties`` take one value or several."""
        from .search.engine import Filters, search

        filters = Filters(
            topics=(topics,) if isinstance(topics, str) else tuple(topics),
            parties=(parties,) if isinstance(parties, str) else tuple(parties),
            all_parties=all_parties, agreement=agreement, chapter=chapter, since=since, until=until,
            obligation=obligation, lang=lang,
        )
        return search(self, query, limit=limit, filters=filters, group=group)


@contextmanager
def _bulk_gc() -> Iterator[None]:
    """Fewer cyclic garbage collections while adding (as in the workers, ``index.workers.BULK_GC``): the add
    allocates millions of short-lived objects and makes few cycles. The caller's setting comes back after."""
    import gc

    from .index.workers import BULK_GC

    old = gc.get_threshold()
    gc.set_threshold(*BULK_GC)
    try:
        yield
    finally:
        gc.set_threshold(*old)


class _Indexer:
    """The analysis, tagging and writing of one ``add``, batch by batch as its documents are read.

    Full batches go to worker processes: ``FTADRAFT_WORKERS`` (default: the CPUs) less one, this process
    counting as one (the pool starts with the first full batch, while this process is still small, so the
    workers do not inherit a large memory). At most one batch more than there are workers is in flight (no
    worker waits for work); the oldest is written as soon as it is done, in reading order, into one
    transaction that opens with the first write and commits in :meth:`finish` (nothing is written if anything
    fails). Small adds (and ``FTADRAFT_WORKERS=1``) are analysed in this process."""

    def __init__(self, index: Index, progress: Progress | None) -> None:
        from .index.analysis import worker_count

        self.index = index
        self.progress = progress
        #: ingest keys of the documents of this add (written or on their way)
        self.keys: set[str] = set()
        self._batch: list[tuple[Document, str]] = []
        self._chars = 0
        self._pending: deque[tuple[list[tuple[Document, str]], Future[_BatchResult] | _BatchResult]] = deque()
        #: worker processes: this process reads and writes, and counts as one of ``FTADRAFT_WORKERS`` (two CPUs:
        #: one worker; a second one cost a third more CPU in all for little less wall time)
        self._workers = worker_count() - 1
        self._pool: ProcessPoolExecutor | None = None
        self._transaction: AbstractContextManager[DocumentWriter] | None = None
        self._writer: DocumentWriter | None = None
        self._vocabulary: dict[tuple[str, str], str] = {}
        self._written: list[str] = []
        self._replaced: list[str] = []
        self._provisions = 0

    def put(self, doc: Document, key: str) -> None:
        """Queue one document; a full batch goes to analysis (and older ones may be written meanwhile)."""
        self.keys.add(key)
        self._batch.append((doc, key))
        self._chars += sum(len(p.normalized) for p in doc.provisions)
        if self._chars >= _BATCH_CHARS:
            self._submit(full=True)

    def _submit(self, *, full: bool) -> None:
        batch, self._batch, self._chars = self._batch, [], 0
        items = self._inputs([doc for doc, _ in batch])
        if self._pool is None and full and self._workers > 0:
            from .index.workers import pool as worker_pool

            self._pool = worker_pool(self._workers)
        if self._pool is not None:
            self._pending.append((batch, self._pool.submit(_analyse_batch, items)))
        else:
            self._pending.append((batch, _analyse_batch(items)))
        while len(self._pending) > self._workers + 1:  # one batch waits per worker: none ever idles
            self._write_oldest()

    def _inputs(self, documents: Sequence[Document]) -> list[_BatchItem]:
        """What a worker needs per provision; texts already in the index are not analysed again."""
        from . import fingerprint  # numpy: only when adding

        shas = [text_sha(p.normalized) for doc in documents for p in doc.provisions]
        known = self.index.known_analyses(shas)
        items: list[_BatchItem] = []
        for doc in documents:
            lang = doc.agreement.language or "en"
            for p in doc.provisions:
                stored = known.get(shas[len(items)])
                done: tuple[str, tuple[tuple[int, int], ...], bytes] | None = None
                if stored is not None:
                    lemmas, sentences, fp = stored
                    if fp is None:  # stored before fingerprints existed
                        fp = fingerprint.to_bytes(fingerprint.hashes(p.normalized))
                    done = (lemmas, tuple(tuple(s) for s in json.loads(sentences)), fp)  # type: ignore[misc]
                items.append((lang, p.normalized, p.title, p.chapter_title or "", done))
        return items

    def _write_oldest(self) -> None:
        from concurrent.futures import Future

        from .index.analysis import ProvisionAnalysis

        batch, pending = self._pending.popleft()
        results, forms = pending.result() if isinstance(pending, Future) else pending
        self._vocabulary.update(forms)
        provisions = [p for doc, _ in batch for p in doc.provisions]
        analyses = {p.id: ProvisionAnalysis(*r) for p, r in zip(provisions, results, strict=True)}
        if self._writer is None:
            self._transaction = self.index.writer()
            self._writer = self._transaction.__enter__()
        self._replaced.extend(self._writer.write([doc for doc, _ in batch], [key for _, key in batch], analyses))
        self._written.extend(doc.agreement.id for doc, _ in batch)
        self._provisions += len(provisions)

    def finish(self) -> tuple[list[str], list[str], int]:
        """Analyse and write what is left and commit: (agreement ids written, of them replaced, provisions)."""
        if self._batch:
            self._submit(full=False)
        total = sum(len(doc.provisions) for batch, _ in self._pending for doc, _ in batch)
        done = 0
        while self._pending:
            done += sum(len(doc.provisions) for doc, _ in self._pending[0][0])
            self._write_oldest()
            if self.progress:
                self.progress("analyse", done, total)
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._writer is not None and self._transaction is not None:
            if self.progress:
                self.progress("write", 0, 1)
            self._writer.add_vocabulary(self._vocabulary)
            transaction, self._transaction, self._writer = self._transaction, None, None
            transaction.__exit__(None, None, None)
            if self.progress:
                self.progress("write", 1, 1)
        return self._written, self._replaced, self._provisions

    def abort(self, error: BaseException) -> None:
        """After an error or interrupt: stop the workers and roll back what was written (an SQLite error
        comes out as the one-line :class:`~ftadraft.errors.IndexFileError` the transaction makes of it)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        if self._transaction is not None:
            transaction, self._transaction, self._writer = self._transaction, None, None
            transaction.__exit__(type(error), error, error.__traceback__)


#: One provision as a worker gets it: language, normalised text, title, chapter title, and the text's
#: analysis when the index already has it (lemmas, sentences, fingerprint).
_BatchItem = tuple[str, str, str | None, str, "tuple[str, tuple[tuple[int, int], ...], bytes] | None"]
#: Per provision: lemmas, title lemmas, chapter lemmas, sentences, topics, obligation, fingerprint — and
#: the batch's (language, word form) -> lemma.
_BatchResult = tuple[list[tuple[str, str, str, tuple[tuple[int, int], ...], tuple[tuple[str, float], ...], str,
                                bytes]], dict[tuple[str, str], str]]


def _analyse_batch(items: Sequence[_BatchItem]) -> _BatchResult:
    """Lemmas, sentences, fingerprints and tags of one batch of provisions (in a worker process, or
    in this one for small adds); identical texts are analysed once, and so are identical tag inputs."""
    from .index.analysis import Analysis, TagInput, analyze_mixed

    texts: dict[tuple[str, str], int] = {}
    for lang, text, title, chapter, done in items:
        for t in (text if done is None else "", title or "", chapter):
            if t:
                texts.setdefault((lang, t), len(texts))
    vocabulary: dict[tuple[str, str], str] = {}
    analysed = analyze_mixed(list(texts), workers=1, vocabulary=vocabulary)
    empty = Analysis("", (), b"")

    def get(lang: str, text: str) -> Analysis:
        return analysed[texts[(lang, text)]] if text else empty

    inputs: list[TagInput] = []
    fingerprints: list[bytes] = []
    for lang, text, title, chapter, done in items:
        an = get(lang, text) if done is None else Analysis(*done)
        fingerprints.append(an.fingerprint)
        inputs.append(TagInput(text, an.sentences, title, an.lemmas, get(lang, title or "").lemmas,
                               get(lang, chapter).lemmas, lang))
    return [(i.lemmas, i.title_lemmas, i.chapter_lemmas, i.sentences, t.topics, t.obligation, fp)
            for i, t, fp in zip(inputs, _tag(inputs), fingerprints, strict=True)], vocabulary


def _tag(inputs: Sequence[TagInput]) -> list[Tags]:
    """Tags of each input, in this process; an input repeated in the batch (template copies) is tagged once:
    tags depend on the input alone. (Tagging stays in the worker: done in the adding process instead, it took
    about twice the CPU there in a measurement on ToTA.)"""
    from .tags.tagging import tag_all

    distinct: dict[TagInput, int] = {}
    which = [distinct.setdefault(i, len(distinct)) for i in inputs]
    tagged = tag_all(list(distinct), workers=1)
    return [tagged[k] for k in which]


def open(db: Path | str | None = None, *, create: bool = True, readonly: bool = False,
         on_wait: WaitReporter | None = None) -> Corpus:
    """Open the corpus index at ``db`` (default: ``$FTADRAFT_DB`` or the user data directory).

    ``readonly`` (implies not ``create``) opens it for reading only: nothing is ever written to the file.
    ``on_wait`` is told when a write waits for another process's lock."""
    return Corpus(open_index(db, create=create and not readonly, readonly=readonly, on_wait=on_wait))
