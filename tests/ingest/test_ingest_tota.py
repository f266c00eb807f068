"""ToTA XML reader: metadata, structure, heading recovery, hostile XML."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ftadraft.errors import InputError
from ftadraft.ingest import tota
from ftadraft.ingest.load import load_file


def _xml(body: str, *, name: str = "Testland - Examplia", treaty: str = "9001") -> bytes:
    """A minimal ToTA-shaped file with invented content."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<treaty><meta><name>{name}</name><type>Free Trade Agreement</type><treaty_identifier>{treaty}</treaty_identifier>
<status>In Force</status><date_signed>2012-05-01</date_signed><date_into_force/>
<parties><partyisocode n="1">TST</partyisocode><partyisocode n="2">EXA</partyisocode></parties>
<language>en</language><region>Nowhere</region></meta><body>{body}</body></treaty>""".encode()


def test_tpp_metadata_and_customs_duties_article(tota_dir: Path) -> None:
    doc = load_file(tota_dir / "pta_449.xml")
    a = doc.agreement
    assert a.id == "tota-449"
    assert a.name == "Trans-Pacific Partnership"
    assert a.signed == date(2016, 2, 3)
    assert {"USA", "JPN", "AUS", "VNM"} <= set(a.parties) and len(a.parties) == 12
    assert "tpp" in a.aliases
    assert a.licence == "CC BY-NC 4.0"
    art = next(p for p in doc.provisions if p.number == "14.3")
    assert art.title == "Customs Duties"
    assert (art.chapter_number, art.chapter_title) == ("14", "Electronic Commerce")
    assert art.source == {"dataset": "tota", "treaty": "449", "article": art.source["article"]}
    assert art.source["article"].isdigit()
    assert art.id == f"tota-449/{art.source['article']}"
    assert "electronic transmission" in art.normalized.lower()


def test_every_article_of_a_file_is_kept_in_order(tota_dir: Path) -> None:
    from lxml import etree

    path = tota_dir / "pta_1.xml"
    expected = [a.get("article_identifier") for a in etree.parse(str(path)).iter("article")]
    doc = load_file(path)
    assert [p.source["article"] for p in doc.provisions] == expected
    assert [p.order for p in doc.provisions] == list(range(1, len(expected) + 1))
    assert len({p.id for p in doc.provisions}) == len(expected)


def test_heading_recovered_from_text_and_published_text_kept(tmp_path: Path) -> None:
    body = (
        '<chapter name="Preamble" chapter_identifier="1"><article article_identifier="1">'
        "PreambleTestland and Examplia, wishing to trade more,</article></chapter>"
        '<chapter number="CHAPTER 2" name="Customs" chapter_identifier="2">'
        '<article number="ARTICLE 5" article_identifier="2">Article 5 Customs Cooperation 1. The Parties shall '
        "cooperate on customs matters.</article>"
        '<article number="ARTICLE 6" article_identifier="3">Transit\n\n1. Each Party shall allow transit.</article>'
        '<article number="ARTICLE 7" article_identifier="4">'
        "The Parties shall meet once a year\nin each capital.</article>"
        "</chapter>"
        '<chapter chapter_identifier="3"><article article_identifier="5">ILLEGIBLE SCAN 1990 xx</article></chapter>'
    )
    f = tmp_path / "pta_9001.xml"
    f.write_bytes(_xml(body))
    doc = load_file(f)
    pre, art5, art6, art7, junk = doc.provisions
    assert pre.title == "Preamble" and "heading-from-text" in pre.flags
    assert pre.text.startswith("PreambleTestland")  # published text is never altered
    assert (art5.number, art5.title) == ("5", "Customs Cooperation")
    assert (art5.chapter_number, art5.chapter_title) == ("2", "Customs")
    assert (art6.number, art6.title) == ("6", "Transit")
    assert art7.title is None  # a wrapped sentence is not a heading
    assert junk.title is None and "no-structure" in junk.flags  # kept, flagged, never dropped
    assert doc.agreement.aliases == ("exa-tst",)


def test_spanish_numbering_forms(tmp_path: Path) -> None:
    body = (
        '<chapter number="CAPÍTULO 3" name="Facilitación" chapter_identifier="1">'
        '<article number="ARTÍCULO 3-2" name="Despacho" article_identifier="1">Cada Parte ...</article>'
        '<article number="ARTICLE 9 BIS" name="Extra" article_identifier="2">Texto.</article></chapter>'
    )
    f = tmp_path / "pta_9002.xml"
    f.write_bytes(_xml(body, treaty="9002"))
    a, b = load_file(f).provisions
    assert (a.chapter_number, a.number, a.title) == ("3", "3-2", "Despacho")
    assert b.number == "9 bis"


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        (b"<treaty><meta><name>x</name></meta><body>", "malformed XML"),
        ((b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
         b"<treaty><meta><name>&lol2;</name></meta><body/></treaty>"), "DOCTYPE"),
        ((b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
         b"<treaty><meta><name>&xxe;</name></meta><body/></treaty>"), "DOCTYPE"),
        (b"<?xml version='1.0'?><catalog><book/></catalog>", "not a ToTA"),
        (b"<?xml version='1.0'?><treaty><meta><name>n</name></meta><body/></treaty>", "treaty_identifier"),
    ],
)
def test_bad_xml_is_refused_with_one_line(tmp_path: Path, payload: bytes, problem: str) -> None:
    f = tmp_path / "bad.xml"
    f.write_bytes(payload)
    with pytest.raises(InputError) as err:
        tota.read(payload, f)
    msg = str(err.value)
    assert problem in msg and str(f) in msg and "\n" not in msg
