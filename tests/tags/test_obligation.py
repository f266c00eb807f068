"""Obligation strength (binding / soft / mixed / none): the traps of the hard/soft scheme on
invented sentences, and a few real ToTA articles read from ../shared at test time."""

from __future__ import annotations

from pathlib import Path

import pytest

import ftadraft
from ftadraft.normalize import normalize_text
from ftadraft.tags.obligation import (
    LABELS,
    Obligation,
    classify,
    classify_many,
    split_sentences,
)


def label(text: str, title: str | None = None) -> str:
    return classify(normalize_text(text), None, title).label


# -- binding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Each Party shall publish its customs regulations on the internet.",
        "No Party shall impose export duties on widgets.",
        "The importing Party shall not apply a provisional measure for longer than 200 days.",
        "Each Party must notify the other Party within 30 days.",
        "An exporter is required to keep records for five years.",
        "The Parties undertake to eliminate tariffs on blue goods.",
        "Each Party undertakes not to introduce new quantitative restrictions.",
        "The Parties agree to abolish duties on green goods by 2030.",
        "Customs duties on imports of green goods shall be eliminated on entry into force.",
        "No Party may require a covered person to locate its servers in its territory.",
        "Neither Party may adopt a measure that restricts transfers of data.",
        "The Parties may not impose charges on the renewal of a licence.",
        "Each Party shall apply its customs valuation rules in a uniform manner.",
        "The Committee shall meet once a year.",
        "The Sides will not impose local taxes on goods of the other Side.",
        "Each Party, in accordance with its laws and regulations, shall adopt procedures for advance rulings.",
        "Each Party shall publish its laws and, where possible, the international agreements it has concluded.",
        "A good shall be considered originating if it is wholly obtained in a Party.",
    ],
)
def test_binding(text: str) -> None:
    assert label(text) == "binding"


# -- soft -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Each Party shall endeavour to publish draft regulations in advance.",
        "The Parties shall endeavor to accept documents submitted electronically.",
        "Each Party shall make every effort to settle disputes amicably.",
        "The Parties shall use their best endeavours to harmonise labelling rules.",
        "The Parties shall seek to reduce the costs of compliance for small firms.",
        "Each Party shall, in accordance with its laws, endeavour to provide an opportunity for comments.",
        "Each Party should adopt measures to protect online consumers.",
        "The Parties recognise the importance of transparency in trade remedies.",
        "The Parties acknowledge that innovation benefits consumers.",
        "Each Party shall encourage private bodies to adopt voluntary codes.",
        "The Parties encourage their agencies to exchange staff.",
        "Where appropriate, each Party shall provide a summary in English.",
        "Each Party shall, to the extent possible, publish its proposals in advance.",
        "Each Party shall, as appropriate, notify the other Party of new measures.",
        "To the extent practicable, the Parties shall use international standards.",
        "Each Party shall promote the use of electronic invoices.",
        "The Parties shall cooperate in the field of customs statistics.",
        "The Parties shall co-operate with a view to developing renewable energy.",
        "The Parties shall strengthen their cooperation on cybersecurity.",
        "The Parties agree to cooperate on the prevention of fraud.",
        "The Parties may consider further liberalisation of fisheries.",
        "The Parties may cooperate in matters of mutual interest.",
        "The Parties shall examine the possibility of extending this Chapter to services.",
        "The Parties shall give sympathetic consideration to any request for consultations.",
        "Co-operation under this Chapter shall be carried out through joint projects.",
    ],
)
def test_soft(text: str) -> None:
    assert label(text) == "soft"


# -- none -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'For the purposes of this Chapter: "widget" means a small device; and "gadget" means a large device.',
        "For the purposes of this Chapter: customs duty means any duty imposed on importation; "
        "days means calendar days.",
        "For the purposes of this Agreement, 'Parties' shall mean the Kingdom of Atlantis and the Republic of Lemuria.",
        "Nothing in this Chapter shall prevent a Party from adopting measures to protect public morals.",
        "Nothing in this Agreement shall be construed to require a Party to disclose confidential information.",
        "This Chapter shall not be construed as limiting the rights of a Party under the WTO Agreement.",
        "This Agreement shall not preclude the maintenance of customs unions.",
        "A Party may adopt a safeguard measure in accordance with Article 5.",
        "The customs authority may require the importer to provide a certificate of origin.",
        "A Party shall not be required to furnish information the disclosure of which would impede law enforcement.",
        "This Chapter shall apply to measures adopted or maintained by a Party affecting trade in widgets.",
        "This Chapter shall not apply to government procurement.",
        "This Agreement shall enter into force on the first day of the second month following the last notification.",
        "Either Party may terminate this Agreement by written notification. "
        "The termination shall take effect six months later.",
        "The Annexes to this Agreement shall form an integral part thereof.",
        "In the event of any inconsistency, this Chapter shall prevail to the extent of the inconsistency.",
        "The rights and obligations of the Parties in respect of subsidies shall be governed by "
        "Article XVI of the GATT 1994.",
        "The objectives of this Chapter shall be to promote trade in widgets and to encourage investment.",
        "Should a Party consider that a measure is inconsistent with this Chapter, it may request consultations.",
        "Each Party shall have the right to determine its own level of protection.",
        "The exporting Party shall be free to suspend concessions.",
        "The information will be used only for the purpose of this Article.",
        "This Agreement is concluded for an unlimited period.",
    ],
)
def test_none(text: str) -> None:
    assert label(text) == "none"


def test_preamble_recitals_are_none() -> None:
    recitals = (
        "The Kingdom of Atlantis and the Republic of Lemuria, Recognising the importance of trade; Desiring to "
        "strengthen their friendship; Resolved to encourage investment, which should benefit both peoples, "
        "Have agreed as follows:"
    )
    assert label(recitals) == "none"
    assert label(recitals, "Preamble") == "none"
    assert label("The Parties should strive to expand trade.", "Preamble") == "none"
    # operative text after the recitals still counts
    assert label(recitals + " Article 1 Each Party shall eliminate duties on widgets.") == "binding"


# -- mixed ------------------------------------------------------------------------------------


def test_mixed_lists_the_sentences_of_each_kind() -> None:
    text = normalize_text(
        "1. Each Party shall publish its regulations on widgets. 2. Each Party shall endeavour to publish them "
        "in English. 3. Nothing in this Article shall prevent a Party from charging a fee."
    )
    o = classify(text)
    assert o == Obligation(
        "mixed",
        ("Each Party shall publish its regulations on widgets.",),
        ("Each Party shall endeavour to publish them in English.",),
    )
    for sentence in o.binding + o.soft:
        assert sentence in text


def test_one_sentence_can_be_both() -> None:
    o = classify("Each Party shall notify its measures and shall endeavour to publish them in advance.")
    assert o.label == "mixed" and o.binding == o.soft


def test_qualifier_before_a_later_modal_does_not_soften_the_first() -> None:
    text = "The Committee shall examine the request and, where appropriate, may make recommendations."
    assert label(text) == "binding"


# -- Spanish and French -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cada Parte deberá publicar sus leyes y reglamentos.", "binding"),
        ("Las Partes se comprometen a eliminar los aranceles sobre los bienes originarios.", "binding"),
        ("Cada Parte otorgará trato nacional a las mercancías de la otra Parte.", "binding"),
        ("Ninguna Parte podrá adoptar o mantener una restricción a la exportación de los bienes.", "binding"),
        ("Las Partes procurarán armonizar sus normas técnicas.", "soft"),
        ("Las Partes cooperarán en materia de estadísticas aduaneras.", "soft"),
        ("Las Partes reconocen la importancia de la cooperación técnica.", "soft"),
        ("Una Parte podrá adoptar medidas de salvaguardia de conformidad con este capítulo.", "none"),
        ("Para los efectos de este capítulo, se entenderá por bien originario el que cumpla las reglas.", "none"),
        ("El presente Tratado entrará en vigor el primer día del mes siguiente.", "none"),
        ("Les Etats membres doivent notifier les mesures à la Commission.", "binding"),
        ("Les Parties s'efforcent de faciliter les échanges de marchandises.", "soft"),
        ("Le Conseil peut adopter des règlements dans les domaines de la présente convention.", "none"),
    ],
)
def test_spanish_and_french(text: str, expected: str) -> None:
    assert label(text) == expected


# -- sentences and batches --------------------------------------------------------------------


def test_split_sentences_respects_abbreviations_and_paragraph_numbers() -> None:
    text = (
        "1. Each Party shall apply Art. 5 of the GATT, e.g. to No. 3 goods, i.e. widgets. 2. The U.S. Customs "
        "Service shall publish it. (a) The list shall be kept."
    )
    pieces = [text[s:e] for s, e in split_sentences(text)]
    assert pieces == [
        "1.",
        "Each Party shall apply Art. 5 of the GATT, e.g. to No. 3 goods, i.e. widgets.",
        "2.",
        "The U.S. Customs Service shall publish it.",
        "(a) The list shall be kept.",
    ]


def test_given_sentence_offsets_are_used() -> None:
    text = "Each Party shall publish its rules; each Party should translate them."
    whole = classify(text, [(0, len(text))])
    assert whole.label == "mixed" and whole.binding == whole.soft == (text,)
    halves = classify(text, [(0, 35), (36, len(text))])
    assert halves.binding == ("Each Party shall publish its rules;",)
    assert halves.soft == ("each Party should translate them.",)


def test_classify_many_matches_classify_one_by_one() -> None:
    items: list[tuple[str, list[tuple[int, int]] | None, str | None]] = [
        ("Each Party shall publish its rules.", None, None),
        ("", None, None),
        ("The Parties shall cooperate on customs matters. Each Party shall designate a contact point.", None,
         "Cooperation"),
        ("Cada Parte procurará publicar sus leyes.", None, None),
        ("For the purposes of this Chapter: \u00abwidget\u00bb means a device.", None, "Definitions"),
        ("Nothing in this Chapter shall prevent a Party from protecting public health.", None, None),
        ("Chaque Partie doit notifier la mesure à la Commission.", None, None),
        ("The Parties recognise the importance of trade.", None, "Preamble"),
        ("Each Party shall publish it.", [(0, 28)], None),
    ]
    items = [(normalize_text(t), s, title) for t, s, title in items]
    assert classify_many(items) == [classify(*item) for item in items]
    assert classify_many(iter(items)) == classify_many(items)
    assert [o.label for o in classify_many(items)] == [
        "binding", "none", "mixed", "soft", "none", "none", "binding", "none", "binding",
    ]
    assert classify_many([]) == []


def test_spacy_offsets_give_the_same_labels() -> None:
    from ftadraft.index.analysis import analyze

    texts = [
        "1. Each Party shall publish its regulations. "
        "2. The Parties shall endeavour to exchange information, e.g. statistics.",
        "For the purposes of this Chapter: customs duty means any duty. "
        "Nothing in this Chapter shall prevent a Party from acting.",
        "The Parties recognise the value of cooperation. They shall consult regularly.",
    ]
    own = classify_many([(t, None, None) for t in texts])
    analysed = analyze(texts, "en", workers=1)
    with_spacy = classify_many([(t, a.sentences, None) for t, a in zip(texts, analysed, strict=True)])
    assert [o.label for o in own] == [o.label for o in with_spacy] == ["mixed", "none", "mixed"]


# -- real ToTA articles (read at test time, identified by file + article_identifier) -----------


def _provisions(tota_dir: Path, file: str) -> dict[str, ftadraft.Provision]:
    return {p.source["article"]: p for p in ftadraft.load_file(tota_dir / file).provisions}


@pytest.mark.parametrize(
    ("file", "article", "number", "expected"),
    [
        ("pta_449.xml", "40210", "14.3", "binding"),  # TPP Art. 14.3 Customs Duties: a prohibition
        ("pta_449.xml", "40208", "14.1", "none"),  # TPP Art. 14.1 Definitions
        ("pta_449.xml", "40222", "14.15", "soft"),  # TPP Art. 14.15 Cooperation: best efforts only
        ("pta_449.xml", "40212", "14.5", "mixed"),  # TPP Art. 14.5: one obligation, one best-efforts paragraph
        ("pta_449.xml", "40225", "14.18", "none"),  # TPP Art. 14.18: a temporary carve-out from dispute settlement
        ("pta_410.xml", "35319", "14.7", "binding"),  # Spanish "Ninguna Parte podrá ..." (no Party may)
    ],
)
def test_real_tota_articles(tota_dir: Path, file: str, article: str, number: str, expected: str) -> None:
    p = _provisions(tota_dir, file)[article]
    assert p.number == number
    o = classify(p.normalized, None, p.title)
    assert o.label == expected
    for sentence in o.binding + o.soft:
        assert sentence in p.normalized


def test_tpp_customs_duties_names_its_binding_sentence(tota_dir: Path) -> None:
    p = _provisions(tota_dir, "pta_449.xml")["40210"]
    o = classify(p.normalized, None, p.title)
    assert len(o.binding) == 1 and not o.soft
    assert "customs duties" in o.binding[0] and "shall" in o.binding[0]


@pytest.mark.slow
def test_whole_tota_corpus(tota_dir: Path) -> None:
    provisions = [p for path in sorted(tota_dir.glob("*.xml")) for p in ftadraft.load_file(path).provisions]
    assert len(provisions) == 40_993
    results = classify_many([(p.normalized, None, p.title) for p in provisions])
    assert all(o.label in LABELS for o in results)
    counts = {lab: sum(o.label == lab for o in results) for lab in LABELS}
    assert all(counts[lab] > 1000 for lab in LABELS)  # every label is in real use

    def titled(word: str) -> list[Obligation]:
        return [o for p, o in zip(provisions, results, strict=True) if p.title and p.title.lower().startswith(word)]

    assert all(o.label == "none" for o in titled("preamble"))
    definitions = titled("definitions")
    assert sum(o.label == "none" for o in definitions) / len(definitions) > 0.8
    for p, o in zip(provisions, results, strict=True):
        if o.label == "none":
            assert not o.binding and not o.soft
        for sentence in o.binding + o.soft:
            assert sentence and sentence in p.normalized
