"""The embedded SQLite index: schema, migrations, transactional writes and plain reads.

One file holds agreements, chapters, provisions (published, normalised and lemmatised text,
sentence offsets, footnotes, source references) and an FTS5 table over the lemmas. The file is
marked with an application id so ftadraft never mistakes another database for its own, and
carries a schema version so an older ftadraft refuses a newer index instead of damaging it.
Every write happens inside one transaction: an index is never left half-written. The FTS table
is external-content and maintained here, set-based, by the write methods (no per-row triggers).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self

from ..errors import IndexFileError, ReferenceNotFound
from ..model import Agreement, Chapter, Document, Footnote, Provision
from ..suggest import close_matches
from .analysis import ProvisionAnalysis, TagInput
from .filters import AgreementFilter

APPLICATION_ID = 0x46544144  # "FTAD"
SCHEMA_VERSION = 2
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Values bound per `IN (...)` list: well under SQLite's limit on host parameters.
_IN_CHUNK = 500
#: How long a write waits for another process's write lock before giving up (seconds; $FTADRAFT_LOCK_TIMEOUT).
LOCK_TIMEOUT = 120.0
#: How often a waiting writer tries again (it reports that it waits after the first try).
_LOCK_POLL = 1.0

#: Called with a one-line message while a write waits for another process's lock.
WaitReporter = Callable[[str], None]


def lock_timeout() -> float:
    """:data:`LOCK_TIMEOUT`, or ``$FTADRAFT_LOCK_TIMEOUT`` seconds when set."""
    try:
        return max(0.0, float(os.environ.get("FTADRAFT_LOCK_TIMEOUT") or LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT


def index_error(path: Path, e: sqlite3.Error) -> IndexFileError:
    """What an SQLite error says about the index file, as one line naming it (locked, read-only, disk full,
    damaged); the CLI prints it instead of a traceback."""
    msg = " ".join(str(e).split())
    low = msg.lower()
    if "locked" in low or "busy" in low:
        problem = "locked by another process; try again when it has finished"
    elif "readonly" in low or "read-only" in low:
        problem = "read-only (file permissions or a read-only file system); this command needs to write to it"
    elif "disk is full" in low or "disk full" in low:
        problem = "disk full while writing the index; nothing was written (free some space and try again)"
    elif "could not decode" in low:
        problem = "damaged: a stored text is not valid UTF-8; rebuild the index or restore a copy"
    elif "malformed" in low or "not a database" in low or "corrupt" in low or "i/o error" in low:
        problem = f"damaged ({msg[:120]}); rebuild the index or restore a copy"
    elif "unable to open" in low:
        problem = "cannot be opened (a missing folder, no permission, or a read-only file system)"
    else:
        problem = f"index error ({msg[:160]})"
    return IndexFileError(path, problem)

_SCHEMA_V1 = """
CREATE TABLE agreements (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    aliases     TEXT NOT NULL DEFAULT '[]',
    parties     TEXT NOT NULL DEFAULT '[]',
    signed      TEXT,
    in_force    TEXT,
    type        TEXT,
    status      TEXT,
    language    TEXT,
    source      TEXT NOT NULL DEFAULT '{}',
    licence     TEXT,
    extra       TEXT NOT NULL DEFAULT '{}',
    file_path   TEXT,
    file_sha256 TEXT,
    file_format TEXT,
    ingest_key  TEXT,
    added_at    TEXT NOT NULL
);
CREATE INDEX agreements_ingest_key ON agreements(ingest_key);
CREATE TABLE agreement_aliases (
    alias        TEXT NOT NULL COLLATE NOCASE,
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    PRIMARY KEY (alias, agreement_id)
);
CREATE TABLE agreement_parties (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    party        TEXT NOT NULL,
    PRIMARY KEY (agreement_id, party)
);
CREATE INDEX agreement_parties_party ON agreement_parties(party);
CREATE TABLE chapters (
    agreement_id TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    ord          INTEGER NOT NULL,
    number       TEXT,
    title        TEXT,
    PRIMARY KEY (agreement_id, ord)
);
CREATE TABLE provisions (
    rowid          INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    agreement_id   TEXT NOT NULL REFERENCES agreements(id) ON DELETE CASCADE,
    ord            INTEGER NOT NULL,
    chapter_ord    INTEGER,
    chapter_number TEXT,
    chapter_title  TEXT,
    section        TEXT,
    number         TEXT,
    number_key     TEXT,
    title          TEXT,
    text           TEXT NOT NULL,
    normalized     TEXT NOT NULL,
    text_sha       TEXT NOT NULL,
    footnotes      TEXT NOT NULL DEFAULT '[]',
    source         TEXT NOT NULL DEFAULT '{}',
    flags          TEXT NOT NULL DEFAULT '[]',
    lemmas         TEXT NOT NULL DEFAULT '',
    title_lemmas   TEXT NOT NULL DEFAULT '',
    chapter_lemmas TEXT NOT NULL DEFAULT '',
    sentences      TEXT NOT NULL DEFAULT '[]',
    words          INTEGER NOT NULL DEFAULT 0,
    obligation     TEXT
);
CREATE INDEX provisions_agreement ON provisions(agreement_id, ord);
CREATE INDEX provisions_number ON provisions(agreement_id, number_key);
CREATE INDEX provisions_text_sha ON provisions(text_sha);
CREATE TABLE provision_topics (
    provision_rowid INTEGER NOT NULL REFERENCES provisions(rowid) ON DELETE CASCADE,
    topic           TEXT NOT NULL,
    score           REAL NOT NULL,
    PRIMARY KEY (provision_rowid, topic)
);
CREATE INDEX provision_topics_topic ON provision_topics(topic);
CREATE TABLE vocabulary (
    lang  TEXT NOT NULL,
    form  TEXT NOT NULL,
    lemma TEXT NOT NULL,
    PRIMARY KEY (lang, form)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE provisions_fts USING fts5(
    title_lemmas, chapter_lemmas, lemmas,
    content='provisions', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);
"""

# v2: the canonical word sequence of each provision (``ftadraft.fingerprint``), for precedent search.
_SCHEMA_V2 = """
ALTER TABLE provisions ADD COLUMN fingerprint BLOB;
"""

#: Migrations: MIGRATIONS[v] upgrades schema v-1 to v. Version 1 is the initial schema.
MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _SCHEMA_V2}


def _fill_fingerprints(conn: sqlite3.Connection) -> None:
    """v2 data step: compute the fingerprint of every provision already indexed."""
    from .. import fingerprint  # numpy: loaded by writes only, not by every command that opens an index

    rows = conn.execute("SELECT rowid, normalized FROM provisions WHERE fingerprint IS NULL").fetchall()
    conn.executemany("UPDATE provisions SET fingerprint = ? WHERE rowid = ?",
                     [(fingerprint.to_bytes(fingerprint.hashes(text)), rowid) for rowid, text in rows])


#: Python steps run after a version's statements (data that SQL alone cannot compute).
MIGRATION_STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {2: _fill_fingerprints}


def default_db_path() -> Path:
    """``$FTADRAFT_DB`` or ``ftadraft.sqlite`` in the per-user data directory."""
    env = os.environ.get("FTADRAFT_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("ftadraft", appauthor=False)) / "ftadraft.sqlite"


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def number_key(number: str | None) -> str | None:
    """Canonical form of a printed article number for look-ups: '9-9' == '9.9', '5 BIS' == '5bis'."""
    if not number:
        return None
    key = number.lower().replace("-", ".").replace("–", ".").replace(" ", "")
    return key.strip(".") or None


@dataclass(frozen=True)
class ProvisionFilter:
    """Search conditions as the store runs them (made by :meth:`Index.provision_filter`): SQL over
    ``provisions p JOIN agreements a`` and its arguments. Hashable, so it can key a cache."""

    where: tuple[str, ...] = ()
    args: tuple[Any, ...] = ()

    def parts(self) -> tuple[ProvisionFilter, ...]:
        """One filter per condition (a row passes this filter exactly when it passes every part): each
        condition takes as many of the arguments, in order, as it has ``?`` placeholders."""
        out: list[ProvisionFilter] = []
        at = 0
        for cond in self.where:
            n = cond.count("?")
            out.append(ProvisionFilter((cond,), self.args[at:at + n]))
            at += n
        if at != len(self.args):
            raise ValueError(f"filter conditions take {at} arguments, {len(self.args)} given")
        return tuple(out)


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class Index:
    """An open ftadraft index file. Use :func:`open_index`, or as a context manager."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, readonly: bool = False,
                 on_wait: WaitReporter | None = None) -> None:
        self.path = path
        self.conn = conn
        #: Opened read-only (SQLite refuses every write): read commands never write, create or migrate.
        self.readonly = readonly
        #: Told (once per write) when a write waits for another process's lock.
        self.on_wait = on_wait

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: everything inside commits together or not at all (also on Ctrl-C). Inside
        another transaction it joins that one (reads and writes of one operation share one snapshot).

        Another process's write lock is waited for (:func:`lock_timeout`, reported to :attr:`on_wait`),
        and SQLite errors (locked, read-only, disk full, damaged) become one-line
        :class:`~ftadraft.errors.IndexFileError` s after the rollback."""
        if self.conn.in_transaction:
            yield self.conn
            return
        if self.readonly:
            raise IndexFileError(self.path, "opened read-only; this operation needs to write to it")
        _begin(self.conn, self.path, self.on_wait)
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise index_error(self.path, e) from None
        except BaseException:
            self._rollback()
            raise

    def _check_integrity(self, conn: sqlite3.Connection) -> None:
        """Refuse to write into a damaged file (SQLite's quick check: every page and b-tree, about a second
        for the full ToTA index): a write there could succeed and hide the damage, or spread it."""
        rows = conn.execute("PRAGMA quick_check(1)").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            detail = " ".join(str(rows[0][0]).split())[:120] if rows else "no answer"
            raise IndexFileError(self.path, f"damaged ({detail}); nothing was written; rebuild the index or "
                                            "restore a copy")

    def _rollback(self) -> None:
        """Roll back what is open: after an error such as a full disk SQLite may have rolled back already
        (and a second ROLLBACK would hide the real error behind "cannot rollback")."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # nothing was committed; closing the connection discards the rest

    # -- writes ---------------------------------------------------------------------------------
    def write_documents(
        self,
        documents: Sequence[Document],
        ingest_keys: Sequence[str],
        analyses: Mapping[str, ProvisionAnalysis],
        vocabulary: Mapping[tuple[str, str], str] | None = None,
    ) -> list[str]:
        """Insert (or replace, by agreement id) documents in one transaction; return replaced ids.

        ``analyses`` maps provision id to its lemmas and sentences (see :mod:`ftadraft.index.analysis`);
        ``vocabulary`` adds word forms -> lemmas, used to lemmatise queries without spaCy.
        """
        with self.writer() as w:
            replaced = w.write(documents, ingest_keys, analyses)
            w.add_vocabulary(vocabulary or {})
        return replaced

    @contextmanager
    def writer(self) -> Iterator[DocumentWriter]:
        """A bulk write in batches, in one transaction: every batch written through the
        :class:`DocumentWriter` commits when the block ends, or none does (the file is checked first)."""
        with self.transaction() as conn:
            self._check_integrity(conn)
            yield DocumentWriter(conn)

    def remove(self, agreement_ids: Iterable[str]) -> int:
        """Remove agreements (and their provisions) in one transaction; return how many existed."""
        with self.transaction() as conn:
            self._check_integrity(conn)
            return sum(self._delete_agreement(conn, aid) for aid in agreement_ids)

    @staticmethod
    def _delete_agreement(conn: sqlite3.Connection, agreement_id: str) -> bool:
        conn.execute(
            "INSERT INTO provisions_fts(provisions_fts, rowid, title_lemmas, chapter_lemmas, lemmas) "
            "SELECT 'delete', rowid, title_lemmas, chapter_lemmas, lemmas FROM provisions WHERE agreement_id = ?",
            (agreement_id,),
        )
        conn.execute("DELETE FROM provisions WHERE agreement_id = ?", (agreement_id,))
        return conn.execute("DELETE FROM agreements WHERE id = ?", (agreement_id,)).rowcount > 0

    @staticmethod
    def _insert_document(
        conn: sqlite3.Connection, doc: Document, ingest_key: str, now: str, analyses: Mapping[str, ProvisionAnalysis]
    ) -> None:
        from .. import fingerprint  # numpy: loaded by writes only, not by every command that opens an index

        a = doc.agreement
        conn.execute(
            "INSERT INTO agreements (id, name, aliases, parties, signed, in_force, type, status, language,"
            " source, licence, extra, file_path, file_sha256, file_format, ingest_key, added_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                a.id, a.name, _json(list(a.aliases)), _json(list(a.parties)),
                _iso(a.signed), _iso(a.in_force), a.type, a.status, a.language,
                _json(dict(a.source)), a.licence, _json(dict(a.extra)),
                doc.path, doc.sha256, doc.format, ingest_key, now,
            ),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO agreement_aliases (alias, agreement_id) VALUES (?, ?)",
            [(alias, a.id) for alias in a.aliases],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO agreement_parties (agreement_id, party) VALUES (?, ?)",
            [(a.id, p) for p in a.parties],
        )
        conn.executemany(
            "INSERT INTO chapters (agreement_id, ord, number, title) VALUES (?,?,?,?)",
            [(a.id, c.order, c.number, c.title) for c in doc.chapters],
        )
        chapter_ord = {(c.number, c.title): c.order for c in doc.chapters}
        conn.executemany(
            "INSERT INTO provisions (id, agreement_id, ord, chapter_ord, chapter_number, chapter_title, section,"
            " number, number_key, title, text, normalized, text_sha, footnotes, source, flags, lemmas, title_lemmas,"
            " chapter_lemmas, sentences, words, obligation, fingerprint)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    p.id, p.agreement_id, p.order, chapter_ord.get((p.chapter_number, p.chapter_title)),
                    p.chapter_number, p.chapter_title, p.section, p.number, number_key(p.number), p.title,
                    p.text, p.normalized, text_sha(p.normalized),
                    _json([[f.marker, f.text] for f in p.footnotes]) if p.footnotes else "[]", _json(dict(p.source)),
                    _json(list(p.flags)) if p.flags else "[]",
                    an.lemmas, an.title_lemmas, an.chapter_lemmas, _json(an.sentences),
                    len(p.normalized.split()), an.obligation or p.obligation,
                    an.fingerprint or fingerprint.to_bytes(fingerprint.hashes(p.normalized)),
                )
                for p, an in ((p, analyses[p.id]) for p in doc.provisions)
            ],
        )

        conn.executemany(
            "INSERT INTO provision_topics (provision_rowid, topic, score) "
            "VALUES ((SELECT rowid FROM provisions WHERE id = ?), ?, ?)",
            [(p.id, topic, score) for p in doc.provisions for topic, score in analyses[p.id].topics],
        )

    def update_tags(self, tags: Mapping[str, tuple[tuple[tuple[str, float], ...], str]]) -> None:
        """Replace topics and obligation of provisions (id -> (topics, obligation)) in one transaction."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM provision_topics WHERE provision_rowid IN "
                         "(SELECT rowid FROM provisions WHERE id IN (SELECT value FROM json_each(?)))",
                         (_json(list(tags)),))
            conn.executemany("UPDATE provisions SET obligation = ? WHERE id = ?",
                             [(ob, pid) for pid, (_t, ob) in tags.items()])
            conn.executemany(  # a provision removed meanwhile gets no row (not a NULL row id)
                "INSERT INTO provision_topics (provision_rowid, topic, score) "
                "SELECT rowid, ?, ? FROM provisions WHERE id = ?",
                [(topic, score, pid) for pid, (topics, _o) in tags.items() for topic, score in topics],
            )

    def check_parties(self, parties: Sequence[str]) -> tuple[str, ...]:
        """``parties`` upper-cased, each checked against the parties of the indexed agreements; an unknown
        code is a :class:`~ftadraft.errors.ReferenceNotFound` with the close codes."""
        codes = tuple(p.strip().upper() for p in parties)
        if not codes:
            return codes
        known = [r[0] for r in self.conn.execute("SELECT DISTINCT party FROM agreement_parties ORDER BY party")]
        have = set(known)
        for code in codes:
            if code not in have:
                raise ReferenceNotFound(code, "no agreement in the index has this party (ISO 3166-1 alpha-3)",
                                        close_matches(code, known, limit=4, cutoff=50))
        return codes

    def filter_sql(self, f: AgreementFilter, provisions: str = "p",
                   agreements: str = "a") -> tuple[list[str], list[Any]]:
        """``f`` as SQL conditions (and their arguments) on a query over ``provisions AS p`` joined with
        ``agreements AS a`` (aliases as given); parties are checked first."""
        where: list[str] = []
        args: list[Any] = []
        p, a = provisions, agreements
        if f.parties:
            codes = self.check_parties(f.parties)
            marks = ",".join("?" * len(codes))
            if f.all_parties:
                where.append(f"{a}.id IN (SELECT agreement_id FROM agreement_parties WHERE party IN ({marks})"
                             " GROUP BY agreement_id HAVING count(DISTINCT party) = ?)")
                args += [*codes, len(set(codes))]
            else:
                where.append(f"{a}.id IN (SELECT agreement_id FROM agreement_parties WHERE party IN ({marks}))")
                args += codes
        if f.exclude:
            where.append(f"{a}.id NOT IN ({','.join('?' * len(f.exclude))})")
            args += f.exclude
        if f.chapter is not None and p:
            needle = f.chapter.strip()
            where.append(f"(lower(coalesce({p}.chapter_number, '')) = lower(?) OR "
                         f"instr(lower(coalesce({p}.chapter_title, '')), lower(?)) > 0)")
            args += [needle, needle]
        if f.since is not None:
            where.append(f"{a}.signed >= ?")
            args.append(f"{f.since:04d}")
        if f.until is not None:
            where.append(f"{a}.signed < ?")
            args.append(f"{f.until + 1:04d}")
        if f.before is not None:
            where.append(f"{a}.signed < ?")
            args.append(f.before.isoformat())
        return where, args

    def data_version(self) -> tuple[int, int]:
        """Changes to the file since this connection opened: other connections' commits (SQLite's
        ``data_version``) and this connection's own (its count of changed rows)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes

    def tag_inputs(self) -> list[tuple[str, TagInput]]:
        """(provision id, what tagging needs) for every provision in the index."""
        rows = self.conn.execute(
            "SELECT p.id, p.normalized, p.sentences, p.title, p.lemmas, p.title_lemmas, p.chapter_lemmas, "
            "coalesce(a.language, 'en') FROM provisions p JOIN agreements a ON a.id = p.agreement_id ORDER BY p.rowid"
        )
        return [
            (r[0], TagInput(r[1], tuple(tuple(x) for x in json.loads(r[2])), r[3], r[4], r[5], r[6], r[7]))  # type: ignore[misc]
            for r in rows
        ]

    # -- reads ----------------------------------------------------------------------------------
    def find_ingest_key(self, key: str) -> str | None:
        row = self.conn.execute("SELECT id FROM agreements WHERE ingest_key = ?", (key,)).fetchone()
        return row[0] if row else None

    def known_analyses(self, shas: Iterable[str]) -> dict[str, tuple[str, str, bytes | None]]:
        """Lemmas, sentences (JSON) and fingerprint already computed for texts with these hashes,
        re-used on re-add."""
        q = "SELECT text_sha, lemmas, sentences, fingerprint FROM provisions WHERE text_sha IN ({marks})"
        return {sha: (lemmas, sentences, fp) for sha, lemmas, sentences, fp in self._rows_in(q, list(set(shas)))}

    def lemmas_of(self, forms: Iterable[str], lang: str = "en") -> dict[str, str]:
        """Lemmas the index knows for these lower-case word forms."""
        forms = list(dict.fromkeys(forms))
        if not forms:
            return {}
        q = f"SELECT form, lemma FROM vocabulary WHERE lang = ? AND form IN ({','.join('?' * len(forms))})"
        return dict(self.conn.execute(q, (lang, *forms)).fetchall())

    def agreements(self, party: str | None = None) -> list[Agreement]:
        sql = "SELECT * FROM agreements"
        args: tuple[Any, ...] = ()
        if party:
            sql += " WHERE id IN (SELECT agreement_id FROM agreement_parties WHERE party = ?)"
            args = (party.upper(),)
        sql += " ORDER BY signed IS NULL, signed, id"
        return [_agreement(r) for r in self.conn.execute(sql, args)]

    def agreement(self, agreement_id: str) -> Agreement | None:
        row = self.conn.execute("SELECT * FROM agreements WHERE id = ?", (agreement_id,)).fetchone()
        return _agreement(row) if row else None

    def agreement_file(self, agreement_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT file_path, file_sha256, file_format, added_at FROM agreements WHERE id = ?", (agreement_id,)
        ).fetchone()
        return dict(row) if row else None

    def chapters(self, agreement_id: str) -> list[Chapter]:
        rows = self.conn.execute(
            "SELECT agreement_id, ord, number, title FROM chapters WHERE agreement_id = ? ORDER BY ord", (agreement_id,)
        )
        return [Chapter(agreement_id=r[0], order=r[1], number=r[2], title=r[3]) for r in rows]

    def provisions(self, agreement_id: str) -> list[Provision]:
        rows = self.conn.execute("SELECT * FROM provisions WHERE agreement_id = ? ORDER BY ord", (agreement_id,))
        return [self._provision(r) for r in rows]

    def provision(self, provision_id: str) -> Provision | None:
        row = self.conn.execute("SELECT * FROM provisions WHERE id = ?", (provision_id,)).fetchone()
        return self._provision(row) if row else None

    def provisions_by_rowid(self, rowids: Sequence[int]) -> dict[int, Provision]:
        """Provisions by their index row id (the key of in-memory structures built over the index)."""
        rows = self._rows_in("SELECT * FROM provisions WHERE rowid IN ({marks})", rowids)
        return {r["rowid"]: self._provision(r) for r in rows}

    def rowids_containing(self, rowids: Sequence[int], text: str) -> set[int]:
        """Those of ``rowids`` whose normalised text contains ``text`` verbatim."""
        q = "SELECT rowid FROM provisions WHERE rowid IN ({marks}) AND instr(normalized, ?) > 0"
        return {r[0] for r in self._rows_in(q, rowids, text)}

    # --- reads for search -------------------------------------------------------------------------
    def provision_filter(self, agreements: AgreementFilter, *, topics: Sequence[str] = (),
                         agreement_id: str | None = None, obligation: str | None = None,
                         lang: str | None = None) -> ProvisionFilter:
        """The conditions of a search as one value the search reads below accept (topics as ids)."""
        where, args = self.filter_sql(agreements)
        if topics:
            where.append(f"p.rowid IN (SELECT provision_rowid FROM provision_topics WHERE topic IN ({_marks(topics)}))")
            args += topics
        if agreement_id is not None:
            where.append("p.agreement_id = ?")
            args.append(agreement_id)
        if obligation is not None:
            where.append("p.obligation = ?")
            args.append(obligation)
        if lang is not None:
            where.append("a.language = ?")
            args.append(lang.lower())
        return ProvisionFilter(tuple(where), tuple(args))

    def _where(self, f: ProvisionFilter, first: str = " AND ") -> str:
        return (first + " AND ".join(f.where)) if f.where else ""

    def fts_top(self, expr: str, weights: Sequence[float], f: ProvisionFilter,
                limit: int) -> list[tuple[int, float]] | None:
        """(rowid, BM25 as a positive score) of the best rows FTS5 finds for the FTS5 expression ``expr``,
        ties in ascending rowid; None when FTS5 cannot parse it. Without conditions the FTS5 table is asked
        alone (joining every match to its provision and agreement doubles the cost)."""
        marks = ", ".join("?" * len(weights))
        if f.where:
            sql = (f"SELECT p.rowid, bm25(provisions_fts, {marks}) AS score FROM provisions_fts "
                   "JOIN provisions p ON p.rowid = provisions_fts.rowid JOIN agreements a ON a.id = p.agreement_id "
                   "WHERE provisions_fts MATCH ?" + self._where(f) + " ORDER BY score, p.rowid LIMIT ?")
        else:
            sql = (f"SELECT rowid, bm25(provisions_fts, {marks}) AS score FROM provisions_fts "
                   "WHERE provisions_fts MATCH ? ORDER BY score, rowid LIMIT ?")
        try:
            return [(rowid, -score) for rowid, score in self.conn.execute(sql, (*weights, expr, *f.args, limit))]
        except sqlite3.OperationalError:
            return None

    def best_tagged(self, topics: Sequence[str], f: ProvisionFilter, limit: int) -> list[int]:
        """Rowids of the provisions most strongly tagged with any of ``topics``, best first. Without conditions
        the topics table is asked alone, in the same order (joining every tagged row of a common topic to its
        provision and agreement costs ~20x more; every tagged row has both: the foreign keys cascade)."""
        if not f.where:
            sql = (f"SELECT pt.provision_rowid FROM provision_topics pt WHERE pt.topic IN ({_marks(topics)}) "
                   "ORDER BY pt.score DESC LIMIT ?")
            return [r for (r,) in self.conn.execute(sql, (*topics, limit))]
        sql = ("SELECT p.rowid FROM provision_topics pt JOIN provisions p ON p.rowid = pt.provision_rowid "
               f"JOIN agreements a ON a.id = p.agreement_id WHERE pt.topic IN ({_marks(topics)})"
               + self._where(f) + " ORDER BY pt.score DESC LIMIT ?")
        return [r for (r,) in self.conn.execute(sql, (*topics, *f.args, limit))]

    def rowids_matching(self, f: ProvisionFilter) -> list[int]:
        """Rowids of every provision ``f`` lets through."""
        sql = "SELECT p.rowid FROM provisions p JOIN agreements a ON a.id = p.agreement_id" + self._where(f, " WHERE ")
        return [r for (r,) in self.conn.execute(sql, f.args)]

    def browse(self, f: ProvisionFilter, limit: int) -> list[int]:
        """Rowids of the provisions ``f`` lets through in browse order: binding first, then newest agreements first."""
        order = "CASE p.obligation WHEN 'binding' THEN 0 WHEN 'mixed' THEN 1 WHEN 'soft' THEN 2 ELSE 3 END"
        sql = ("SELECT p.rowid FROM provisions p JOIN agreements a ON a.id = p.agreement_id" + self._where(f, " WHERE ")
               + f" ORDER BY {order}, a.signed DESC, p.agreement_id, p.ord LIMIT ?")
        return [r for (r,) in self.conn.execute(sql, (*f.args, limit))]

    def ids_of_rowids(self, rowids: Sequence[int]) -> dict[int, str]:
        """rowid → provision id."""
        q = "SELECT rowid, id FROM provisions WHERE rowid IN ({marks})"
        return {r[0]: r[1] for r in self._rows_in(q, list(rowids))}

    def hit_provisions(self, rowids: Sequence[int]) -> dict[int, Provision]:
        """The provisions of a page of hits by rowid, with their topics: one query for the rows and one
        for the topics (not one per provision)."""
        rowids = list(dict.fromkeys(rowids))
        topics: dict[int, list[str]] = {}
        q = "SELECT provision_rowid, topic FROM provision_topics WHERE provision_rowid IN ({marks}) ORDER BY score DESC"
        for rowid, topic in self._rows_in(q, rowids):
            topics.setdefault(rowid, []).append(topic)
        q = f"SELECT {_PROVISION_COLUMNS} FROM provisions WHERE rowid IN ({{marks}})"
        cur = self._plain()  # plain tuples, in the order of _PROVISION_COLUMNS: a page of 100 hits is many rows
        out: dict[int, Provision] = {}
        for i in range(0, len(rowids), _IN_CHUNK):
            part = rowids[i:i + _IN_CHUNK]
            for r in cur.execute(q.format(marks=",".join("?" * len(part))), part):
                out[r[0]] = _provision_tuple(r, tuple(topics.get(r[0], ())))
        return out

    def lemma_strings(self, rowids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
        """rowid → (title, chapter title, text) as lemma strings."""
        q = "SELECT rowid, title_lemmas, chapter_lemmas, lemmas FROM provisions WHERE rowid IN ({marks})"
        return {r[0]: (r[1], r[2], r[3]) for r in self._rows_in(q, list(rowids))}

    def fts_phrase_scores(self, phrase: str, weights: Sequence[float]) -> list[tuple[int, float]]:
        """(rowid, bm25()) of every row holding ``phrase`` (the text between the quotes of an FTS5 phrase)."""
        sql = (f"SELECT rowid, bm25(provisions_fts, {', '.join('?' * len(weights))}) FROM provisions_fts "
               "WHERE provisions_fts MATCH ?")
        return self.conn.execute(sql, (*weights, '"' + phrase.replace('"', "") + '"')).fetchall()

    def fts_layout(self, table: str = "provisions_fts") -> tuple[str, list[str]] | None:
        """The ``CREATE VIRTUAL TABLE`` statement of an FTS table and its columns (None: no such table)."""
        row = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        if row is None or not row[0]:
            return None
        return row[0], [r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")]

    def fts_content(self, content: str, rowid: str, columns: Sequence[str]) -> list[tuple[Any, ...]]:
        """(rowid, column texts ...) of every row of an FTS table's content table, by rowid."""
        cur = self.conn.cursor()
        cur.row_factory = None
        return cur.execute(f"SELECT {rowid}, {', '.join(columns)} FROM {content} ORDER BY {rowid}").fetchall()

    def fts_vocabulary(self, table: str = "provisions_fts") -> list[tuple[str, int, int]]:
        """(term, rows holding it, instances) of every term of an FTS5 table, as fts5vocab lists them."""
        vocab = f"temp.{table}_ranking_vocab"
        self.conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {vocab} USING fts5vocab(main, {table}, 'row')")
        cur = self.conn.cursor()
        cur.row_factory = None
        return cur.execute(f"SELECT term, doc, cnt FROM {vocab}").fetchall()

    @staticmethod
    def fts_tokens(words: Iterable[str], tokenizer: str) -> dict[str, list[str]]:
        """FTS5 tokens of each word under the tokenizer arguments ``tokenizer`` (an in-memory FTS5 table
        splits them: the tokenizer itself decides, not a copy of its rules)."""
        ordered = sorted(set(words))
        out: dict[str, list[str]] = {w: [] for w in ordered}
        if not ordered:
            return out
        mem = sqlite3.connect(":memory:")
        try:
            mem.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize = '{tokenizer.replace(chr(39), '')}')")
            mem.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", enumerate(ordered))
            mem.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
            instances = mem.execute("SELECT term, doc, offset FROM v").fetchall()
            for term, doc, _offset in sorted(instances, key=lambda r: (r[1], r[2])):
                out[ordered[doc]].append(term)
        finally:
            mem.close()
        return out

    def topic_scores(self, rowids: Sequence[int], topics: Sequence[str]) -> list[tuple[int, str, float]]:
        """(rowid, topic, score) of each of ``rowids`` tagged with one of ``topics``."""
        q = ("SELECT provision_rowid, topic, score FROM provision_topics WHERE provision_rowid IN ({marks}) "
             f"AND topic IN ({_marks(topics)})")
        return [(r[0], r[1], r[2]) for r in self._rows_in(q, list(rowids), *topics)]

    def weighted_topic_scores(self, rowids: Sequence[int], weights: Mapping[str, float]) -> dict[int, float]:
        """rowid -> the best of score x weight over the topics in ``weights`` it is tagged with, for each of
        ``rowids`` tagged with one (the products and their maximum in SQLite's doubles, as Python computes them)."""
        if not weights:
            return {}
        topics = list(weights)
        case = "CASE topic " + " ".join("WHEN ? THEN ?" for _ in topics) + " END"
        q = (f"SELECT provision_rowid, max(score * {case}) FROM provision_topics WHERE provision_rowid IN ({{marks}}) "
             f"AND topic IN ({_marks(topics)}) GROUP BY provision_rowid")
        pairs = [v for t in topics for v in (t, float(weights[t]))]
        cur = self._plain()
        out: dict[int, float] = {}
        for i in range(0, len(rowids), _IN_CHUNK):
            part = list(rowids[i : i + _IN_CHUNK])
            sql = q.format(marks=",".join("?" * len(part)))
            out.update(cur.execute(sql, [*pairs, *part, *topics]).fetchall())
        return out

    def provision_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM provisions").fetchone()[0])

    def search_state(self) -> str:
        """A key of what search derives from the index (its texts and vocabulary), cheap enough for a one-shot
        search (milliseconds; :meth:`content_state` reads every provision): the agreements with their ingest
        keys (any add, replace or remove changes them), the provisions' count and last row id, the vocabulary's
        size and the schema version."""
        h = hashlib.sha256()
        for (agreement_id, key) in self.conn.execute("SELECT id, ingest_key FROM agreements ORDER BY id"):
            h.update(f"{agreement_id}\x00{key}\x00".encode())
        count, last = self.conn.execute("SELECT count(*), coalesce(max(rowid), 0) FROM provisions").fetchone()
        words = self.conn.execute("SELECT count(*) FROM vocabulary").fetchone()[0]
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        h.update(f"{count}/{last}/{words}/{version}".encode())
        return h.hexdigest()

    def doc_freq(self, terms: Iterable[str]) -> dict[str, int]:
        """Provisions whose indexed lemmas contain each term, as FTS5's vocabulary counts them."""
        self.conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, provisions_fts, 'row')")
        out: dict[str, int] = {}
        for t in terms:
            row = self.conn.execute("SELECT doc FROM temp.fts_vocab WHERE term = ?", (t,)).fetchone()
            out[t] = row[0] if row else 0
        return out

    def prefix_terms(self, prefix: str) -> int:
        """How many distinct terms of the FTS5 index start with ``prefix`` (what ``prefix*`` expands to)."""
        if not prefix:
            return self.provision_count()
        self.conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, provisions_fts, 'row')")
        upper = prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))
        sql = "SELECT count(*) FROM temp.fts_vocab WHERE term >= ? AND term < ?"
        return int(self.conn.execute(sql, (prefix, upper)).fetchone()[0])

    def word_forms(self, lang: str, *, min_length: int = 1) -> Iterator[str]:
        """Every word form of the vocabulary of ``lang`` at least ``min_length`` characters long."""
        sql = "SELECT form FROM vocabulary WHERE lang = ? AND length(form) >= ?"
        yield from (form for (form,) in self._plain().execute(sql, (lang, min_length)))

    def forms_of(self, lemmas: Sequence[str], lang: str) -> set[str]:
        """Word forms whose lemma is one of ``lemmas``."""
        q = "SELECT form FROM vocabulary WHERE lemma IN ({marks}) AND lang = ?"
        return {form for (form,) in self._rows_in(q, list(lemmas), lang)}

    def vocabulary(self, lang: str) -> Iterator[tuple[str, str]]:
        """(word form, lemma) of the whole vocabulary of ``lang``."""
        yield from self._plain().execute("SELECT form, lemma FROM vocabulary WHERE lang = ?", (lang,))

    def _plain(self) -> sqlite3.Cursor:
        """A cursor whose rows are plain tuples (a quarter of the cost of :class:`sqlite3.Row` for big reads)."""
        cur = self.conn.cursor()
        cur.row_factory = None
        return cur

    def _rows_in(self, sql: str, values: Sequence[Any], *more: Any) -> Iterator[sqlite3.Row]:
        """Rows of ``sql``, whose ``{marks}`` is an ``IN`` list of ``values`` (bound in chunks), then ``more``."""
        for i in range(0, len(values), _IN_CHUNK):
            part = list(values[i : i + _IN_CHUNK])
            yield from self.conn.execute(sql.format(marks=",".join("?" * len(part))), [*part, *more])

    def alias_targets(self, alias: str) -> list[str]:
        sql = "SELECT agreement_id FROM agreement_aliases WHERE alias = ? ORDER BY agreement_id"
        rows = self.conn.execute(sql, (alias,))
        return [r[0] for r in rows]

    def names(self) -> list[tuple[str, str, list[str]]]:
        """(id, name, aliases) of every agreement: the candidates for suggestions."""
        return [(r[0], r[1], json.loads(r[2])) for r in self.conn.execute("SELECT id, name, aliases FROM agreements")]

    def _provision(self, r: sqlite3.Row) -> Provision:
        topics = tuple(
            t for (t,) in self.conn.execute(
                "SELECT topic FROM provision_topics WHERE provision_rowid = ? ORDER BY score DESC", (r["rowid"],)
            )
        )
        return _provision_row(r, topics)

    def stats(self) -> dict[str, Any]:
        c = self.conn

        def one(sql: str) -> Any:
            return c.execute(sql).fetchone()[0]

        return {
            "db": str(self.path),
            "schema_version": one("PRAGMA user_version"),
            "agreements": one("SELECT count(*) FROM agreements"),
            "chapters": one("SELECT count(*) FROM chapters"),
            "provisions": one("SELECT count(*) FROM provisions"),
            "words": one("SELECT coalesce(sum(words), 0) FROM provisions"),
            "untitled_provisions": one("SELECT count(*) FROM provisions WHERE title IS NULL"),
            "flagged": {
                flag: n for flag, n in c.execute(
                    "SELECT j.value, count(*) FROM provisions, json_each(provisions.flags) AS j "
                    "GROUP BY j.value ORDER BY 2 DESC"
                )
            },
            "by_source": {
                ds or "file": n for ds, n in c.execute(
                    "SELECT json_extract(source, '$.dataset'), count(*) FROM agreements GROUP BY 1 ORDER BY 2 DESC"
                )
            },
            "by_language": {
                lang or "unknown": n for lang, n in c.execute(
                    "SELECT language, count(*) FROM agreements GROUP BY 1 ORDER BY 2 DESC"
                )
            },
            "signed": dict(zip(("first", "last"), c.execute(
                "SELECT min(substr(signed, 1, 4)), max(substr(signed, 1, 4)) FROM agreements"
            ).fetchone(), strict=True)),
            "size_bytes": self.path.stat().st_size if self.path.exists() else 0,
        }

    # --- reads for tags, research and provenance -------------------------------------------------
    def provisions_numbered(self, agreement_id: str, key: str) -> list[Provision]:
        """The provisions of one agreement whose article number has this :func:`number_key`, in order."""
        sql = "SELECT * FROM provisions WHERE agreement_id = ? AND number_key = ? ORDER BY ord"
        return [self._provision(r) for r in self.conn.execute(sql, (agreement_id, key))]

    def agreements_matching(self, f: AgreementFilter) -> list[Agreement]:
        """The agreements ``f`` admits (its chapter aside), oldest first and undated last; an unknown party
        is a :class:`~ftadraft.errors.ReferenceNotFound`."""
        where, args = self.filter_sql(f, provisions="")
        sql = "SELECT a.* FROM agreements a" + (" WHERE " + " AND ".join(where) if where else "")
        return [_agreement(r) for r in self.conn.execute(sql + " ORDER BY a.signed IS NULL, a.signed, a.id", args)]

    def tagged(self, topics: Sequence[str] | None = None, *, agreement_id: str | None = None) -> list[TaggedProvision]:
        """One row per provision and topic it is tagged with — only ``topics`` if given, only the provisions
        of ``agreement_id`` if given — in document order (agreement id, then article order)."""
        sql = ("SELECT p.agreement_id, t.topic, p.id, p.obligation, p.words, p.ord FROM provision_topics t "
               "JOIN provisions p ON p.rowid = t.provision_rowid WHERE ")
        own, args = ("p.agreement_id = ?", [agreement_id]) if agreement_id is not None else ("1", [])
        order = " ORDER BY p.agreement_id, p.ord"
        if topics is None:
            rows = self.conn.execute(sql + own + order, args).fetchall()
        else:
            values = list(topics)
            rows = list(self._rows_in(sql + "t.topic IN ({marks}) AND " + own + order, values, *args))
            if len(values) > _IN_CHUNK:  # each chunk is in order, not their concatenation
                rows.sort(key=lambda r: (r[0], r[5]))
        return [TaggedProvision(r[0], r[2], r[1], r[3], r[4]) for r in rows]

    def topic_count(self, topic: str) -> int:
        """Provisions tagged with ``topic``."""
        return int(self.conn.execute("SELECT count(*) FROM provision_topics WHERE topic = ?", (topic,)).fetchone()[0])

    def word_count(self, agreement_id: str) -> int:
        """Words in the provisions of one agreement (0 for an unknown id)."""
        sql = "SELECT coalesce(sum(words), 0) FROM provisions WHERE agreement_id = ?"
        return int(self.conn.execute(sql, (agreement_id,)).fetchone()[0])

    def fingerprints(self, f: AgreementFilter, *, topic: str | None = None) -> list[ProvisionFingerprint]:
        """The canonical word sequence (:mod:`ftadraft.fingerprint` bytes) of each provision ``f`` admits (its
        chapter condition included) and, if given, tagged with ``topic``; by agreement id, then article order."""
        where, args = self.filter_sql(f)
        if topic is not None:
            where.insert(0, "p.rowid IN (SELECT provision_rowid FROM provision_topics WHERE topic = ?)")
            args.insert(0, topic)
        sql = ("SELECT p.agreement_id, p.id, p.chapter_number, p.chapter_title, p.fingerprint FROM provisions p "
               "JOIN agreements a ON a.id = p.agreement_id" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY p.agreement_id, p.ord")
        return [ProvisionFingerprint(r[0], r[1], r[2], r[3], r[4]) for r in self.conn.execute(sql, args)]

    def provision_owners(self) -> ProvisionOwners:
        """Row id and agreement of every provision, in row-id order (how in-memory indexes number them)."""
        rows = self.conn.execute("SELECT rowid, agreement_id FROM provisions ORDER BY rowid").fetchall()
        return ProvisionOwners(tuple(r[0] for r in rows), tuple(r[1] for r in rows))

    def all_fingerprints(self) -> ProvisionTexts:
        """Canonical word sequence and text hash of every provision, in row-id order."""
        rows = self.conn.execute("SELECT fingerprint, text_sha FROM provisions ORDER BY rowid").fetchall()
        return ProvisionTexts(tuple(r[0] for r in rows), tuple(r[1] for r in rows))

    def content_state(self) -> ContentState:
        """What identifies the provisions now held: any add, replace or remove changes it, and so does
        re-creating the file with other texts (a key for caches derived from the index)."""
        # A sum over rows of row id x the first 16 bits of the text's hash, in one pass of SQL (a Python
        # digest over 41,000 rows would cost a tenth of a second).
        row = self.conn.execute(
            "SELECT count(*), coalesce(max(rowid), 0), "
            "coalesce(sum(rowid * ((instr(h, substr(text_sha, 1, 1)) - 1) * 4096"
            " + (instr(h, substr(text_sha, 2, 1)) - 1) * 256 + (instr(h, substr(text_sha, 3, 1)) - 1) * 16"
            " + instr(h, substr(text_sha, 4, 1)) - 1)), 0) "
            "FROM provisions, (SELECT '0123456789abcdef' AS h)").fetchone()
        return ContentState(row[0], row[1], row[2])

    # --- reads for corpus-wide reuse (provenance.reuse, issue 19) -----------------------------------
    def provision_outline(self, agreement_id: str | None = None) -> ProvisionOutline:
        """Row id, id, chapter and normalised length (characters) of every provision, or of one agreement's,
        in row-id order: where each article sits, without its text."""
        sql = ("SELECT rowid, id, chapter_number, chapter_title, length(normalized) FROM provisions"
               + (" WHERE agreement_id = ?" if agreement_id is not None else "") + " ORDER BY rowid")
        rows = self.conn.execute(sql, () if agreement_id is None else (agreement_id,)).fetchall()
        return ProvisionOutline(tuple(r[0] for r in rows), tuple(r[1] for r in rows), tuple(r[2] for r in rows),
                                tuple(r[3] for r in rows), tuple(r[4] for r in rows))

    # --- reads for checks and summaries (issue 20: tests ask the store, not its tables) ----------------
    def fulltext_rows(self) -> int:
        """Documents the full-text index itself holds (not the provisions it reads texts from): equal to
        :meth:`provision_count` unless a write left stale or missing entries."""
        return int(self.conn.execute("SELECT count(*) FROM provisions_fts_docsize").fetchone()[0])

    def obligation_counts(self) -> dict[str | None, int]:
        """Provisions per obligation label (None: not tagged)."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT obligation, count(*) FROM provisions GROUP BY 1")}

    def sentence_spans(self, provision_id: str) -> tuple[tuple[int, int], ...]:
        """(start, end) of each sentence of a provision's normalised text, as analysis split it (empty for an
        unknown id)."""
        row = self.conn.execute("SELECT sentences FROM provisions WHERE id = ?", (provision_id,)).fetchone()
        return tuple((int(s), int(e)) for s, e in json.loads(row[0])) if row else ()

    def topic_rows(self, agreement_id: str | None = None) -> list[TopicScore]:
        """Every (provision, topic, score) tag, or one agreement's, by provision id and topic."""
        sql = ("SELECT p.id, t.topic, t.score FROM provision_topics t JOIN provisions p ON p.rowid = t.provision_rowid"
               + (" WHERE p.agreement_id = ?" if agreement_id is not None else "") + " ORDER BY p.id, t.topic")
        return [TopicScore(*r) for r in self.conn.execute(sql, () if agreement_id is None else (agreement_id,))]


class DocumentWriter:
    """Writes documents batch by batch inside one transaction (see :meth:`Index.writer`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.now = datetime.now(UTC).replace(microsecond=0).isoformat()

    def write(self, documents: Sequence[Document], ingest_keys: Sequence[str],
              analyses: Mapping[str, ProvisionAnalysis]) -> list[str]:
        """Insert (or replace, by agreement id) documents with their analyses; return the replaced ids."""
        conn = self.conn
        replaced = [doc.agreement.id for doc in documents if Index._delete_agreement(conn, doc.agreement.id)]
        first_new = conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM provisions").fetchone()[0]
        for doc, key in zip(documents, ingest_keys, strict=True):
            Index._insert_document(conn, doc, key, self.now, analyses)
        # One set-based FTS insert per batch is several times faster than a trigger per row.
        conn.execute(
            "INSERT INTO provisions_fts(rowid, title_lemmas, chapter_lemmas, lemmas) "
            "SELECT rowid, title_lemmas, chapter_lemmas, lemmas FROM provisions WHERE rowid >= ?",
            (first_new,),
        )
        return replaced

    def add_vocabulary(self, vocabulary: Mapping[tuple[str, str], str]) -> None:
        """Word forms -> lemmas (per language), used to lemmatise queries without spaCy."""
        if vocabulary:
            self.conn.executemany(
                "INSERT OR IGNORE INTO vocabulary (lang, form, lemma) VALUES (?, ?, ?)",
                [(lang, form, lemma) for (lang, form), lemma in vocabulary.items()],
            )


@dataclass(frozen=True)
class TaggedProvision:
    """A provision tagged with a topic (:meth:`Index.tagged`)."""

    agreement_id: str
    provision_id: str
    topic: str
    obligation: str | None
    words: int


@dataclass(frozen=True)
class ProvisionFingerprint:
    """A provision's place and canonical word sequence (:meth:`Index.fingerprints`)."""

    agreement_id: str
    provision_id: str
    chapter_number: str | None
    chapter_title: str | None
    fingerprint: bytes


@dataclass(frozen=True)
class ProvisionOwners:
    """Every provision in row-id order (:meth:`Index.provision_owners`), as two columns."""

    rowids: tuple[int, ...]
    agreement_ids: tuple[str, ...]


@dataclass(frozen=True)
class ProvisionTexts:
    """Every provision in row-id order (:meth:`Index.all_fingerprints`), as two columns."""

    fingerprints: tuple[bytes, ...]
    text_shas: tuple[str, ...]


@dataclass(frozen=True)
class ProvisionOutline:
    """Provisions in row-id order (:meth:`Index.provision_outline`), as columns."""

    rowids: tuple[int, ...]
    ids: tuple[str, ...]
    chapter_numbers: tuple[str | None, ...]
    chapter_titles: tuple[str | None, ...]
    chars: tuple[int, ...]  # length of the normalised text


@dataclass(frozen=True)
class ContentState:
    """:meth:`Index.content_state`: provisions, the last row id, and a checksum of row ids and text hashes."""

    provisions: int
    last_rowid: int
    checksum: int


@dataclass(frozen=True)
class TopicScore:
    """One tag: a provision, a topic and its score (:meth:`Index.topic_rows`)."""

    provision_id: str
    topic: str
    score: float


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


#: The columns a :class:`Provision` is made of (not the analysis: sentences, words, text hash).
_PROVISION_COLUMNS = ("rowid, id, agreement_id, ord, number, title, text, normalized, chapter_number, chapter_title, "
                      "section, footnotes, source, flags, lemmas, obligation")


#: Their names, in that order.
_PROVISION_NAMES = tuple(name.strip() for name in _PROVISION_COLUMNS.split(","))


def _provision_row(r: sqlite3.Row, topics: tuple[str, ...]) -> Provision:
    """A provision from its row (at least :data:`_PROVISION_COLUMNS`, in any order) and its topics, best first."""
    return _provision_tuple(tuple(r[name] for name in _PROVISION_NAMES), topics)


def _json_list(value: str) -> Any:
    return [] if value == "[]" else json.loads(value)  # most provisions have no footnotes and no flags


def _provision_tuple(r: tuple[Any, ...], topics: tuple[str, ...]) -> Provision:
    """A provision from a plain tuple of :data:`_PROVISION_COLUMNS` (rowid first) and its topics, best first."""
    (_, pid, agreement_id, order, number, title, text, normalized, chapter_number, chapter_title, section,
     footnotes, source, flags, lemmas, obligation) = r
    return Provision(
        id=pid, agreement_id=agreement_id, order=order, number=number, title=title, text=text,
        normalized=normalized, chapter_number=chapter_number, chapter_title=chapter_title, section=section,
        footnotes=tuple(Footnote(m, t) for m, t in _json_list(footnotes)), source=json.loads(source),
        flags=tuple(_json_list(flags)), lemmas=lemmas, topics=topics, obligation=obligation,
    )


def _agreement(r: sqlite3.Row) -> Agreement:
    return Agreement(
        id=r["id"], name=r["name"], aliases=tuple(json.loads(r["aliases"])), parties=tuple(json.loads(r["parties"])),
        signed=_date(r["signed"]), in_force=_date(r["in_force"]), type=r["type"], status=r["status"],
        language=r["language"], source=json.loads(r["source"]), licence=r["licence"], extra=json.loads(r["extra"]),
    )


def open_index(path: Path | str | None = None, *, create: bool = False, readonly: bool = False,
               on_wait: WaitReporter | None = None) -> Index:
    """Open (or, with ``create``, create) the index at ``path``; refuse foreign or newer files.

    ``readonly`` opens it for reading only: SQLite refuses every write, nothing is created, migrated or
    switched to WAL (an index on a read-only file system is read as it is). A file that is not
    ftadraft's is refused before SQLite writes anything to it: one stamped with another application's id
    from its header bytes, one with another application's tables once opened. Only regular files are
    opened (``--db /dev/null`` is refused)."""
    if create and readonly:
        raise ValueError("an index cannot be created read-only")
    db = Path(path).expanduser() if path else default_db_path()
    try:
        st: os.stat_result | None = db.stat()
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise IndexFileError(db, f"cannot read the index ({e.strerror})") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IndexFileError(db, "is a folder, not an index file")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise IndexFileError(db, "not a regular file (a device, pipe or socket); give the path of an index file")
    exists = st is not None and st.st_size > 0
    if not exists and not create:
        raise IndexFileError(
            db, "no index here yet; add agreements first (ftadraft corpus fetch tota, or corpus add PATH)"
        )
    if exists:
        _check_header(db)
        if not readonly:
            _check_writable(db)
    else:
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise IndexFileError(db, f"cannot create the index folder ({e.strerror})") from None
        _check_writable(db)
    mode = "ro" if readonly else "rw" if exists else "rwc"
    conn = _connect(db, mode)
    try:
        try:
            _prepare(conn, db, fresh=not exists, readonly=readonly, on_wait=on_wait)
        except IndexFileError as e:
            wal = db.with_name(db.name + "-wal")
            if not (readonly and "cannot be opened" in e.problem and not os.access(db.parent, os.W_OK)
                    and not (wal.exists() and wal.stat().st_size > 0)):
                raise
            # A WAL index in a folder no one can write to (a read-only file system): SQLite cannot make the
            # shared-memory file a reader needs, and no process can be writing there, so read the file as the
            # immutable file it is (unless a write-ahead log holds changes the file alone does not have).
            conn.close()
            conn = _connect(db, "ro&immutable=1")
            _prepare(conn, db, fresh=False, readonly=True, on_wait=on_wait)
    except BaseException:
        conn.close()
        raise
    return Index(db, conn, readonly=readonly, on_wait=on_wait)


def _check_header(db: Path) -> None:
    """Refuse, from the file's first bytes and before SQLite opens it, what is not an SQLite database and
    an SQLite database stamped with another application's id (whatever it holds: even an empty one)."""
    try:
        with db.open("rb") as fh:
            header = fh.read(100)
    except OSError as e:
        raise IndexFileError(db, f"cannot read the index ({e.strerror})") from None
    if header[:16] != _SQLITE_MAGIC:
        raise IndexFileError(db, "not an ftadraft index (not an SQLite database)")
    app_id = int.from_bytes(header[68:72], "big") if len(header) >= 72 else 0
    if app_id not in (0, APPLICATION_ID):
        raise IndexFileError(db, f"not an ftadraft index (an SQLite database of another application, "
                                 f"application id {app_id:#010x}); it is left as it is")


def _check_writable(db: Path) -> None:
    """Refuse up front to write where SQLite could not (a read-only file, folder or file system), with a
    line that says so rather than SQLite's "attempt to write a readonly database" halfway through."""
    folder = db.parent if str(db.parent) else Path(".")
    try:
        read_only_fs = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        read_only_fs = False
    if read_only_fs:
        raise IndexFileError(db, "on a read-only file system; this command needs to write to the index")
    if db.exists() and not os.access(db, os.W_OK):
        raise IndexFileError(db, "read-only (file permissions); this command needs to write to the index")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise IndexFileError(db, f"its folder {folder} is not writable (SQLite keeps its journal beside the index)")


def _connect(db: Path, mode: str) -> sqlite3.Connection:
    uri = f"file:{urllib.parse.quote(str(db.absolute()))}?mode={mode}"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=lock_timeout())
    except sqlite3.Error as e:
        raise index_error(db, e) from None
    conn.row_factory = sqlite3.Row
    return conn


def _begin(conn: sqlite3.Connection, db: Path, on_wait: WaitReporter | None) -> None:
    """BEGIN IMMEDIATE, waiting up to :func:`lock_timeout` for another process's write lock: trying again
    every second, saying once that it waits, then failing with one line."""
    timeout = lock_timeout()
    poll = min(_LOCK_POLL, timeout)
    conn.execute(f"PRAGMA busy_timeout = {int(poll * 1000)}")
    start = time.monotonic()
    told = False
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as e:
                problem = index_error(db, e)
                if not problem.problem.startswith("locked"):
                    raise problem from None
                waited = time.monotonic() - start
                if waited >= timeout:
                    raise IndexFileError(
                        db, f"locked: another process has been writing to it for {waited:.0f} s; try again when it "
                            "has finished (FTADRAFT_LOCK_TIMEOUT sets how long to wait)") from None
                if not told and on_wait is not None:
                    on_wait(f"{db}: another process is writing to the index; waiting up to {timeout:.0f} s")
                    told = True
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


def _prepare(conn: sqlite3.Connection, db: Path, *, fresh: bool, readonly: bool = False,
             on_wait: WaitReporter | None = None) -> None:
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as e:
        problem = index_error(db, e)
        if problem.problem.startswith(("damaged", "index error")):
            raise IndexFileError(db, f"not an ftadraft index or damaged ({' '.join(str(e).split())[:120]})") from None
        raise problem from None
    if app_id not in (0, APPLICATION_ID) or (tables and app_id != APPLICATION_ID):
        raise IndexFileError(db, "not an ftadraft index (an SQLite database of another application)")
    if version > SCHEMA_VERSION:
        raise IndexFileError(
            db, f"index schema v{version} is newer than this ftadraft understands (v{SCHEMA_VERSION}); upgrade ftadraft"
        )
    conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        if not tables:
            raise IndexFileError(
                db, "no index here yet (an empty SQLite file); add agreements first (ftadraft corpus add PATH)")
        if version < SCHEMA_VERSION:
            raise IndexFileError(db, f"index schema v{version} needs upgrading to v{SCHEMA_VERSION}, which a read "
                                     "never does; run a command that writes (e.g. ftadraft corpus retag)")
        return
    conn.execute("PRAGMA synchronous = NORMAL")
    try:
        if version < SCHEMA_VERSION:
            _migrate(conn, db, version, on_wait)
        if fresh or conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # locked by a reader, or a read-only location: the rollback journal keeps writes atomic too
    except sqlite3.Error as e:
        raise index_error(db, e) from None


def _migrate(conn: sqlite3.Connection, db: Path, version: int, on_wait: WaitReporter | None = None) -> None:
    """Apply the migrations after ``version`` in one transaction."""
    _begin(conn, db, on_wait)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != version:  # another process migrated meanwhile
            conn.execute("ROLLBACK")
            return
        for v in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _statements(MIGRATIONS[v]):
                conn.execute(statement)
            if v in MIGRATION_STEPS:
                MIGRATION_STEPS[v](conn)
            conn.execute(f"PRAGMA user_version = {v}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a schema script into statements (triggers contain ';' inside BEGIN … END)."""
    out: list[str] = []
    buf = ""
    for line in script.strip().splitlines():
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out
