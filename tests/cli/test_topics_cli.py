"""`ftadraft topics` and the tags the index stores: topics and obligation strength per provision."""

from __future__ import annotations

import json
from pathlib import Path

import ftadraft
from conftest import RunCli
from ftadraft.search.engine import Filters, search
from ftadraft.tags.obligation import LABELS


def test_index_carries_topics_and_obligation(tota: ftadraft.Corpus) -> None:
    p = tota.provision("tpp:14.3")
    assert p.topics and p.topics[0] == "e-commerce/customs-duties"
    assert p.obligation == "binding"
    counts = tota.index.obligation_counts()
    assert set(counts) == set(LABELS) and sum(counts.values()) == 40_993  # every provision tagged


def test_topic_filter_and_browse_binding_first(tota: ftadraft.Corpus) -> None:
    hits = search(tota, "", limit=20, filters=Filters(topics=("clearance/paperless-trading",), since=2010))
    assert len(hits) == 20
    assert all("clearance/paperless-trading" in h.provision.topics and (h.agreement.year or 0) >= 2010 for h in hits)
    order = {"binding": 0, "mixed": 1, "soft": 2, "none": 3}
    ranks = [order[h.provision.obligation or "none"] for h in hits]
    assert ranks == sorted(ranks)  # binding ones first


def test_descriptive_query_reaches_the_topic(tota: ftadraft.Corpus) -> None:
    hits = search(tota, "no requirement to put servers in the country", limit=5)
    assert any("e-commerce/computing-facilities" in h.provision.topics for h in hits[:3])


def test_topics_cli(run: RunCli, tota_db: Path, tmp_path: Path) -> None:
    listing = json.loads(run("topics", "list", "--json").stdout)
    wanted = {"clearance/express-shipments", "e-commerce/spam", "ip-enforcement/border-measures"}
    assert wanted <= {t["id"] for t in listing}
    shown = json.loads(run("topics", "show", "e-commerce/spam", "--json", db=tota_db).stdout)
    assert shown["provisions"] >= 7 and shown["titles"]  # ToTA's 7 spam articles (issue 14 audit; were 32 tags)
    bad = run("topics", "show", "e-commerce/spamm")
    assert bad.exit_code == 1 and "e-commerce/spam" in bad.stderr
    tagged = json.loads(run("topics", "tag", "--json",
                            "Each Party shall endeavour to protect consumers from fraudulent online practices.").stdout)
    assert tagged["topics"][0]["id"] == "e-commerce/consumer-protection" and tagged["obligation"] == "soft"
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"id": 7, "text": "Goods shall be released within 48 hours of arrival where possible."}\n'
                     '{"id": 8, "text": "Each Party shall base its sanitary measures on a risk assessment '
                     'of plant pests."}\n')
    lines = [json.loads(x) for x in run("topics", "tag", "--batch", str(batch)).stdout.splitlines()]
    assert lines[0]["id"] == 7 and lines[0]["topics"][0]["id"] == "clearance/release-of-goods"
    assert lines[1]["topics"] == []
    broken = tmp_path / "broken.jsonl"
    broken.write_text("not json\n")
    r = run("topics", "tag", "--batch", str(broken))
    assert r.exit_code == 1 and "broken.jsonl:1" in r.stderr


def test_retag_keeps_tags_identical(tota_dir: Path, tmp_path: Path) -> None:
    with ftadraft.open(tmp_path / "i.sqlite") as c:
        c.add([tota_dir / "pta_449.xml"])
        before = [(p.id, p.obligation, p.topics) for p in c.index.provisions("tota-449")]
        topics_before = c.index.topic_rows()
        assert topics_before and any(o for _id, o, _t in before)
        assert c.retag() == len(before)
        assert [(p.id, p.obligation, p.topics) for p in c.index.provisions("tota-449")] == before
        assert c.index.topic_rows() == topics_before  # same topics with the same scores
