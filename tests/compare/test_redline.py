"""DOCX redlines with real tracked changes: Accept All gives B, Reject All gives A, and the markup
follows Word's rules (shared/notes/docx.md). Invented clauses, plus real ToTA articles read at test time.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import docx
import pytest
from lxml import etree

import ftadraft
from ftadraft.compare.redline import (
    HEADING_STYLE,
    check_redline,
    read_paragraphs,
    read_redline,
    redline_paragraphs,
    word_date,
    write_redline_docx,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
WHEN = datetime(2024, 5, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2)))  # 12:30:05 UTC

PAIRS = [
    ("Article 1: Customs Duties",
     ("1. No Party shall impose customs duties on electronic transmissions.\n\n\n"
      "2. For greater certainty, paragraph 1 shall not preclude internal taxes. \n"),
     ("1. No Party shall impose customs duties or fees on electronic transmissions.\n\n"
      "2. For greater certainty, paragraph 1 shall not preclude internal taxes.\n\n"
      "3. A new  paragraph\twith a tab and  double spaces.")),
    ("Article 2: Deleted article", "Only the first draft has this.\nAnd this.", ""),
    ("Article 3: New article", "", "Only the second draft has this."),
    ("Article 4: Trailing deletions", "Keep this.\nDrop me.\nDrop me too.", "Keep this, changed."),
    ("Article 5: Trailing insertions", "Keep this.", "Keep this.\nAdded one.\nAdded two."),
    ("Article 6: Replaced paragraph", "First.\nSecond old paragraph entirely.",
     "First.\nTotally unrelated new text here."),
    ("Article 7: Middle", "(a) alpha;\n(b) beta;\n(c) gamma.", "(a) alpha;\n(b) new item;\n(c) gamma."),
    ("Article 8: Empty", "", ""),
    ("Article 9: Identical", "Each Party shall publish.", "Each Party shall publish."),
    ("Article 10: Leading space change", " Indented text here.", "Indented text here, amended."),
]


def expected(pairs: list[tuple[str, str, str]], side: int) -> list[tuple[str, str]]:
    return [(h, "\n".join(redline_paragraphs(t[side - 1]))) for h, *t in pairs]


def document_xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("word/document.xml"))


def assert_redline(pairs: list[tuple[str, str, str]], path: Path) -> None:
    assert check_redline(path) == []
    assert read_redline(path, accept=True) == expected(pairs, 2)
    assert read_redline(path, accept=False) == expected(pairs, 1)


@pytest.fixture()
def redline(tmp_path: Path) -> Path:
    out = tmp_path / "redline.docx"
    write_redline_docx(PAIRS, out, author="Negotiator A", date=WHEN, title="Draft v1 → v2")
    return out


def test_accept_all_gives_b_and_reject_all_gives_a(redline: Path) -> None:
    assert_redline(PAIRS, redline)
    assert read_paragraphs(redline, accept=True)[0] == ("Title", "Draft v1 → v2")


def test_project_docx_reader_agrees_on_the_accepted_text(redline: Path) -> None:
    """The ingest reader (written apart) reads the redline as the accepted text too."""
    doc = ftadraft.load_file(redline)
    got = {p.title: p.text for p in doc.provisions if p.number}
    for heading, text in expected(PAIRS, 2):
        assert got[heading.split(": ", 1)[1]] == text


def test_python_docx_alone_would_lose_inserted_text(redline: Path) -> None:
    """Why the module has its own readers: python-docx's Paragraph.text skips text inside w:ins."""
    texts = [p.text for p in docx.Document(str(redline)).paragraphs]
    assert "Only the second draft has this." not in texts


def test_revision_markup_follows_word_rules(redline: Path) -> None:
    root = document_xml(redline)
    revisions = [el for el in root.iter() if el.tag in (f"{W}ins", f"{W}del")]
    assert revisions
    ids = [el.get(f"{W}id") for el in revisions]
    assert len(ids) == len(set(ids)) and all(i and i.isdigit() for i in ids)
    for el in revisions:
        assert el.get(f"{W}author") == "Negotiator A"
        assert el.get(f"{W}date") == "2024-05-01T12:30:05Z"
    for d in root.iter(f"{W}del"):
        if d.getparent().tag == f"{W}rPr":
            continue
        assert not list(d.iter(f"{W}t")) and list(d.iter(f"{W}delText"))
    for i in root.iter(f"{W}ins"):
        assert not list(i.iter(f"{W}delText"))
    for t in root.iter(f"{W}t", f"{W}delText"):
        text = t.text or ""
        if text != text.strip() or "  " in text:
            assert t.get(XML_SPACE) == "preserve"
    # a replacement is the deletion, then the insertion
    adjacent = [(etree.QName(a).localname, etree.QName(b).localname)
                for p in root.iter(f"{W}p") for a, b in itertools.pairwise(p)]
    assert ("del", "ins") in adjacent and ("ins", "del") not in adjacent
    # whole paragraphs inserted/deleted flag their paragraph mark: w:pPr/w:rPr/(w:ins|w:del) first
    marks = [rpr[0] for rpr in root.iter(f"{W}rPr") if rpr.getparent().tag == f"{W}pPr" and len(rpr)]
    assert {m.tag for m in marks} == {f"{W}ins", f"{W}del"}
    for p in root.iter(f"{W}p"):
        children = [c.tag for c in p if c.tag != f"{W}pPr"]
        if children and set(children) == {f"{W}ins"} and p.getnext() is not None:
            nxt = p.getnext()
            style = nxt.find(f"{W}pPr/{W}pStyle")
            if style is None:  # an inserted paragraph followed by more of the article
                assert p.find(f"{W}pPr/{W}rPr/{W}ins") is not None
    # tabs are tab elements, never tab characters in text
    assert list(root.iter(f"{W}tab"))
    assert not any("\t" in (t.text or "") for t in root.iter(f"{W}t", f"{W}delText"))


def test_settings_track_revisions_and_metadata(redline: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(redline) as z:
        settings = etree.fromstring(z.read("word/settings.xml"))
    names = [etree.QName(c).localname for c in settings]
    assert "trackRevisions" in names and names.index("trackRevisions") < names.index("defaultTabStop")
    assert settings.find(f"{W}zoom").get(f"{W}percent") == "100"
    props = docx.Document(str(redline)).core_properties
    assert props.author == "Negotiator A" and props.title == "Draft v1 → v2"
    assert props.created == datetime(2024, 5, 1, 12, 30, 5, tzinfo=UTC)
    quiet = tmp_path / "quiet.docx"
    write_redline_docx(PAIRS[:1], quiet, author="X", date=WHEN, track_revisions=False)
    with zipfile.ZipFile(quiet) as z:
        assert b"trackRevisions" not in z.read("word/settings.xml")


def test_dates_are_utc_without_fraction() -> None:
    assert word_date(datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    assert word_date(WHEN) == "2024-05-01T12:30:05Z"
    naive = datetime(2024, 1, 2, 3, 4, 5)  # naive means local time, as everywhere in Python
    assert word_date(naive) == naive.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_random_articles_round_trip(tmp_path: Path) -> None:
    rng = random.Random(99)
    words = ["Each", "Party", "shall", "may", "not", "customs", "goods", "release", "within", "48", "hours", "Article",
             "5.2", "(", "a", ")", ";", ",", ".", "the"]
    pairs = []
    for k in range(40):
        paras = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(rng.randint(0, 5))]
        other = list(paras)
        for _ in range(rng.randint(0, 4)):
            action = rng.choice(["ins", "del", "edit", "swap"])
            if action == "ins":
                other.insert(rng.randint(0, len(other)), " ".join(rng.choice(words) for _ in range(5)))
            elif other and action == "del":
                other.pop(rng.randrange(len(other)))
            elif other and action == "edit":
                i = rng.randrange(len(other))
                ws = other[i].split(" ")
                ws[rng.randrange(len(ws))] = rng.choice(words + ["\tX", "  Y"])
                other[i] = " ".join(ws)
            elif len(other) > 1:
                i = rng.randrange(len(other) - 1)
                other[i], other[i + 1] = other[i + 1], other[i]
        sep = rng.choice(["\n", "\n\n", " \n\n\n"])
        pairs.append((f"Article {k}", sep.join(paras), sep.join(other)))
    out = tmp_path / "random.docx"
    write_redline_docx(pairs, out, author="R", date=WHEN)
    assert_redline(pairs, out)


def test_hostile_characters_are_escaped_or_dropped(tmp_path: Path) -> None:
    pairs = [("Art <1> & \"x\"\x01", "a < b & c > d \x0b e\x00f", "a < b && c > d \x0c e\x00g ]]> <w:t>")]
    out = tmp_path / "hostile.docx"
    write_redline_docx(pairs, out, author="A & <B>", date=WHEN)
    assert check_redline(out) == []
    assert read_redline(out, accept=True) == [('Art <1> & "x"', "a < b && c > d\neg ]]> <w:t>")]
    assert read_redline(out, accept=False) == [('Art <1> & "x"', "a < b & c > d\nef")]


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.docx"
    out.write_bytes(b"previous version")

    def boom(self: object, path: object) -> None:
        Path(str(path)).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(docx.document.Document, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        write_redline_docx(PAIRS, out, author="A", date=WHEN)
    assert out.read_bytes() == b"previous version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.docx"]  # no temporary file left behind
    monkeypatch.undo()
    write_redline_docx(PAIRS, out, author="A", date=WHEN)
    assert zipfile.is_zipfile(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.docx"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_author_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_redline_docx(PAIRS, tmp_path / "x.docx", author=" ", date=WHEN)
    assert not list(tmp_path.iterdir())


def test_check_redline_catches_broken_markup(tmp_path: Path, redline: Path) -> None:
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(redline) as z, zipfile.ZipFile(broken, "w") as out:
        for item in z.infolist():
            data = z.read(item)
            if item.filename == "word/document.xml":
                data = re.sub(rb"<w:delText([^>]*)>([^<]*)</w:delText>", rb"<w:t\1>\2</w:t>", data, count=1)
                data = data.replace(b'w:id="2"', b'w:id="1"', 1)
            out.writestr(item, data)
    problems = check_redline(broken)
    assert any("w:t inside a deletion" in p for p in problems)
    assert any("repeated" in p for p in problems)


# --- real texts ---------------------------------------------------------------------------------------------

def provisions(tota_dir: Path, treaty: str) -> tuple[ftadraft.Provision, ...]:
    return ftadraft.load_file(tota_dir / f"pta_{treaty}.xml").provisions


def by_title(ps: tuple[ftadraft.Provision, ...], chapter: str, title: str) -> ftadraft.Provision:
    (p,) = [p for p in ps if p.chapter_title == chapter and p.title == title]
    return p


def test_real_tota_article_pair(tota_dir: Path, tmp_path: Path) -> None:
    tpp = by_title(provisions(tota_dir, "449"), "Electronic Commerce", "Customs Duties")
    korus = by_title(provisions(tota_dir, "159"), "Electronic Commerce", "Digital Products")
    pairs = [(f"TPP Art. {tpp.number} / KORUS Art. {korus.number}", tpp.text, korus.text)]
    out = tmp_path / "real.docx"
    write_redline_docx(pairs, out, author="ftadraft", date=WHEN, title="TPP vs KORUS")
    assert_redline(pairs, out)
    root = document_xml(out)
    assert list(root.iter(f"{W}ins")) and list(root.iter(f"{W}del"))


def test_real_chapters_paired_by_order(tota_dir: Path, tmp_path: Path) -> None:
    tpp = [p for p in provisions(tota_dir, "449") if p.chapter_title == "Customs Administration And Trade Facilitation"]
    chapter = "Customs Administration And Trade Facilitation"
    korus = [p for p in provisions(tota_dir, "159") if p.chapter_title == chapter]
    assert len(tpp) > len(korus) > 5
    pairs = [(f"{a.label if a else '-'} / {b.label if b else '-'}", a.text if a else "", b.text if b else "")
             for a, b in itertools.zip_longest(tpp, korus)]
    out = tmp_path / "chapter.docx"
    write_redline_docx(pairs, out, author="ftadraft", date=WHEN)
    assert_redline(pairs, out)


def test_no_break_spaces_at_run_edges_are_kept(tmp_path: Path) -> None:
    """ToTA's Switzerland-China customs chapter has no-break spaces where an edit starts or ends: Word would
    drop them (and our own check refused the file) unless the run says xml:space="preserve"."""
    pairs = [("Art. 1", "goods\u00a0in transit shall be released", "goods in\u00a0transit may be released"),
             ("Art. 2", "Consular transactions are required.", "Consular\u00a0transactions\u00a0are not required.")]
    out = tmp_path / "nbsp.docx"
    write_redline_docx(pairs, out, author="A", date=WHEN)
    assert_redline(pairs, out)


def test_whole_chapter_redline_of_two_families(tota_dir: Path, tmp_path: Path) -> None:
    """EAEU-Viet Nam customs against Switzerland-China, aligned by content, as one Word redline: it passes
    the checks, Accept All gives B's articles in B's order and Reject All A's in A's order."""
    from ftadraft.compare.align import align_articles, chapter_provisions, redline_items

    a = chapter_provisions(ftadraft.load_file(tota_dir / "pta_447.xml").provisions, "5")
    b = chapter_provisions(ftadraft.load_file(tota_dir / "pta_376.xml").provisions, "4")
    items = redline_items(align_articles(a, b), a, b)
    out = tmp_path / "chapter.docx"
    write_redline_docx(items, out, author="A", date=WHEN, whole_articles=True)
    assert check_redline(out) == []

    def body(accept: bool) -> list[str]:
        return [t for style, t in read_paragraphs(out, accept=accept) if style != HEADING_STYLE and t.strip()]

    assert body(accept=True) == [x for p in b for x in redline_paragraphs(p.text)]
    assert body(accept=False) == [x for p in a for x in redline_paragraphs(p.text)]
