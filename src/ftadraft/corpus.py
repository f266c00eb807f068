"""The corpus: add files to the index, look agreements and provisions up, remove, count.

``ftadraft.open()`` returns a :class:`Corpus`; the CLI is a thin layer over it.
Adding is incremental and idempotent (an ingest key of content, format, metadata and reader
version): unchanged files are skipped without being parsed, a changed file replaces its
agreement, and all writes of one ``add`` happen in a single transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from .errors import FtadraftError, InputError
from .index import refs
from .index.analysis import ProvisionAnalysis, TagInput, analyze_mixed
from .index.store import Index, WaitReporter, open_index, text_sha
from .ingest.load import FORMATS, SUFFIXES, ingest_key, read_document, read_source
from .ingest.metadata import AgreementMeta, is_sidecar
from .model import Agreement, Chapter, Document, Provision
from .tags.tagging import tag_all

if TYPE_CHECKING:
    import numpy as np

    from .index.bm25 import Postings
    from .index.store import ProvisionFilter
    from .provenance.precedents import PrecedentIndex
    from .tags.topics import Topic

#: Called as progress(stage, done, total) — stage is "read", "analyse", "tag" or "write".
Progress = Callable[[str, int, int], None]


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
        if format is not None and format not in FORMATS:
            raise FtadraftError(f"unknown format {format!r}; known: {', '.join(sorted(FORMATS))}")
        skipped: list[Path] = []
        files = expand_paths(paths, format, skipped)
        if meta is not None and (meta.id or meta.name) and len(files) > 1:
            raise FtadraftError("--id/--name describe one agreement; give one file at a time, or use sidecar files")
        documents: list[Document] = []
        keys: list[str] = []
        unchanged: list[str] = []
        failed: list[tuple[str, str]] = []
        warnings: list[str] = [f"{f}: skipped: not a regular file (a pipe, socket, device or broken link)"
                               for f in skipped]
        seen_ids: dict[str, str] = {}
        for i, path in enumerate(files, start=1):
            try:
                data, fmt, sha, effective = read_source(path, format, meta)
                key = ingest_key(sha, fmt, effective)
                if self.index.find_ingest_key(key) is not None:
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
                    documents.append(doc)
                    keys.append(key)
                    warnings.extend(w if w.startswith(str(path)) else f"{path}: {w}" for w in doc.warnings)
            except InputError as e:
                failed.append((str(path), str(e)))
            except (MemoryError, RecursionError) as e:
                failed.append((str(path), f"{path}: too complex to read ({type(e).__name__})"))
            if progress:
                progress("read", i, len(files))
        vocabulary: dict[tuple[str, str], str] = {}
        analyses = self._analyse(documents, progress, vocabulary)
        if progress and documents:
            progress("write", 0, 1)
        replaced = self.index.write_documents(documents, keys, analyses, vocabulary) if documents else []
        if documents:
            self.forget()
        if progress and documents:
            progress("write", 1, 1)
        added = [d.agreement.id for d in documents if d.agreement.id not in replaced]
        return AddReport(
            added=tuple(added), replaced=tuple(replaced), unchanged=tuple(unchanged), failed=tuple(failed),
            warnings=tuple(warnings), provisions=sum(len(d.provisions) for d in documents),
        )

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

    def _analyse(
        self, documents: Sequence[Document], progress: Progress | None, vocabulary: dict[tuple[str, str], str]
    ) -> dict[str, ProvisionAnalysis]:
        """Lemmas and sentences for every provision; identical texts are analysed once, and texts
        already in the index are not analysed again."""
        from . import fingerprint  # numpy: only when adding

        by_lang: dict[str, dict[str, str]] = {}  # lang -> sha -> text
        for doc in documents:
            lang = doc.agreement.language or "en"
            bucket = by_lang.setdefault(lang, {})
            for p in doc.provisions:
                for text in (p.normalized, p.title or "", p.chapter_title or ""):
                    if text:
                        bucket.setdefault(text_sha(text), text)
        known = self.index.known_analyses(sha for bucket in by_lang.values() for sha in bucket)
        todo = [(lang, sha, text) for lang, bucket in by_lang.items() for sha, text in bucket.items()
                if sha not in known]
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("analyse", done, len(todo))

        results: dict[tuple[str, str], tuple[str, tuple[tuple[int, int], ...], bytes]] = {}
        tick(0)
        for (lang, sha, _), an in zip(todo, analyze_mixed([(lang, text) for lang, _, text in todo], progress=tick,
                                                       vocabulary=vocabulary), strict=True):
            results[(lang, sha)] = (an.lemmas, an.sentences, an.fingerprint)
        for lang, bucket in by_lang.items():
            for sha, text in bucket.items():
                if sha in known:
                    lemmas, sentences, fp = known[sha]
                    if fp is None:  # stored before fingerprints existed
                        fp = fingerprint.to_bytes(fingerprint.hashes(text))
                    results[(lang, sha)] = (lemmas, tuple(tuple(s) for s in json.loads(sentences)), fp)

        def lem(lang: str, text: str | None) -> tuple[str, tuple[tuple[int, int], ...], bytes]:
            return results[(lang, text_sha(text))] if text else ("", (), b"")

        inputs: list[tuple[str, TagInput]] = []
        fingerprints: dict[str, bytes] = {}
        for doc in documents:
            lang = doc.agreement.language or "en"
            for p in doc.provisions:
                text_lemmas, spans, fp = lem(lang, p.normalized)
                fingerprints[p.id] = fp
                inputs.append((p.id, TagInput(p.normalized, spans, p.title, text_lemmas, lem(lang, p.title)[0],
                                              lem(lang, p.chapter_title)[0], lang)))
        if progress and inputs:
            progress("tag", 0, 1)
        tags = tag_all([i for _, i in inputs])
        if progress and inputs:
            progress("tag", 1, 1)
        return {
            pid: ProvisionAnalysis(i.lemmas, i.title_lemmas, i.chapter_lemmas, i.sentences, t.topics, t.obligation,
                                   fingerprints[pid])
            for (pid, i), t in zip(inputs, tags, strict=True)
        }

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

    def retag(self) -> int:
        """Re-compute topics and obligation of every provision (after the tagger or taxonomy changed);
        returns the number of provisions tagged. One transaction, reads included: an add or remove by
        another process waits for it, so no provision is tagged from a text it no longer has."""
        with self.index.transaction():
            inputs = self.index.tag_inputs()
            tags = tag_all([i for _, i in inputs])
            self.index.update_tags({pid: (t.topics, t.obligation)
                                    for (pid, _), t in zip(inputs, tags, strict=True)})
        self.forget()
        return len(inputs)

    def topics(self) -> tuple[Topic, ...]:
        """The topic taxonomy (see :mod:`ftadraft.tags.topics`)."""
        from .tags.topics import taxonomy

        return taxonomy()

    def search(self, query: str = "", *, limit: int = 10, group: bool = False, **filters: Any) -> list[Any]:
        """Search provisions (see :func:`ftadraft.search.engine.search`); keyword filters as in
        :class:`ftadraft.search.engine.Filters` (``topics``, ``parties``, ``since``, ``obligation``, …)."""
        from .search.engine import Filters, search

        for key in ("topics", "parties"):
            if isinstance(filters.get(key), str):
                filters[key] = (filters[key],)
        return search(self, query, limit=limit, filters=Filters(**filters), group=group)


def open(db: Path | str | None = None, *, create: bool = True, readonly: bool = False,
         on_wait: WaitReporter | None = None) -> Corpus:
    """Open the corpus index at ``db`` (default: ``$FTADRAFT_DB`` or the user data directory).

    ``readonly`` (implies not ``create``) opens it for reading only: nothing is ever written to the file.
    ``on_wait`` is told when a write waits for another process's lock."""
    return Corpus(open_index(db, create=create and not readonly, readonly=readonly, on_wait=on_wait))
