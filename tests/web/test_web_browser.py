"""The workbench in a real browser (Chromium via Playwright) against ``ftadraft serve`` on the small index:
search with filters, an article, a comparison, a draft downloaded as Word, the coverage heatmap."""

from __future__ import annotations

import io
from typing import Any

import docx


def test_search_with_filters_then_open_an_article(server: str, page: Any) -> None:
    page.goto(server + "/search")
    page.fill("#q", "customs procedures")
    page.click("summary:has-text('Filters')")
    page.fill("input[name=party]", "JPN")
    page.select_option("select[name=obligation]", "binding")
    page.click("button:has-text('Search')")
    page.wait_for_selector(".hit")
    # the whole state is in the address, so the search can be shared
    assert "q=customs+procedures" in page.url and "party=JPN" in page.url and "obligation=binding" in page.url
    hits = page.locator(".hit")
    assert hits.count() >= 1
    assert all("Japan - Thailand" in t for t in hits.locator("h3").all_inner_texts())
    assert page.locator(".hit mark").count() >= 1  # matched words highlighted
    assert page.locator(".hit .tag.ob-binding").count() == hits.count()
    # a facet narrows the search: the topic chip appears and every hit carries that topic
    facet = page.locator(".facets a[href*='topic=']").first
    topic = facet.get_attribute("href").split("topic=")[1].split("&")[0].replace("%2F", "/")
    facet.click()
    page.wait_for_selector(".chip:has-text('topic:')")
    for tags in page.locator(".hit .tags").all_inner_texts():
        assert topic in tags
    # open the first hit: the article page with its text, citation, licence and lineage
    title = page.locator(".hit h3 a").first
    name = title.inner_text()
    title.click()
    page.wait_for_selector("article.provision")
    assert "Japan - Thailand" in page.locator(".cite").inner_text()
    assert "CC BY" in page.locator(".cite").inner_text()  # the licence is shown with the text
    assert page.locator(".published p").count() >= 1
    assert page.locator("h2:has-text('Lineage')").count() == 1
    assert name.split("· ")[-1] in page.title()


def test_compare_two_articles_and_download_the_redline(server: str, page: Any) -> None:
    page.goto(server + "/compare")
    page.fill("input[name=a]", "tota-1:1")
    page.fill("input[name=b]", "tota-1:2")
    page.click("form.compare-form button")
    page.wait_for_selector(".diffviews")
    assert page.locator(".sbs del").count() >= 1 and page.locator(".sbs ins").count() >= 1
    assert page.locator(".inline del").count() >= 1
    with page.expect_download() as info:
        page.click("a:has-text('Word with tracked changes')")
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    doc = docx.Document(download.path())
    body = doc.element.body.xml
    assert "w:ins" in body and "w:del" in body  # tracked changes, not plain text


def test_build_a_draft_and_download_its_docx(server: str, page: Any) -> None:
    page.goto(server + "/draft")
    page.select_option("#area", "e-commerce")
    page.fill("#parties", "USA,GBR")
    page.click("button:has-text('Start the draft')")
    page.wait_for_selector(".consolidated h3")
    first_titles = page.locator(".articles li.art h3").all_inner_texts()
    assert len(first_titles) >= 5
    # move the third article up, remove the last, add a free-text article
    page.click(f"button[aria-label='Move {first_titles[2]} up']")
    page.wait_for_selector("p.notice:has-text('moved up')")
    titles = page.locator(".articles li.art h3").all_inner_texts()
    assert titles[1] == first_titles[2] and titles[2] == first_titles[1]
    page.click(f"button[aria-label='Remove {titles[-1]}']")
    page.wait_for_selector("p.notice:has-text('removed')")
    page.fill("#new_title", "Review")
    page.fill("#new_text", "1. The Parties shall review this Chapter [three] years after its entry into force.")
    page.click("button:has-text('Add the free-text article')")
    page.wait_for_selector(".consolidated h3:has-text('Review')")
    assert "shall review this Chapter" in page.locator(".consolidated").inner_text()
    with page.expect_download() as info:
        page.click("button:has-text('Word: tabled')")
    download = info.value
    assert download.suggested_filename.startswith("draft-USA-GBR") and download.suggested_filename.endswith(".docx")
    doc = docx.Document(download.path())
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Review" in text and "shall review this Chapter" in text
    assert titles[0] in text or titles[0].split()[0] in text
    with page.expect_download() as info:
        page.click("button:has-text('The spec (YAML)')")
    spec = info.value
    assert spec.suggested_filename.endswith(".yaml")
    assert "title: Review" in io.open(spec.path(), encoding="utf-8").read()


def test_coverage_heatmap_renders_and_links_to_provisions(server: str, page: Any) -> None:
    page.goto(server + "/research?area=clearance")
    page.wait_for_selector("table.heatmap")
    rows = page.locator("table.heatmap tbody tr")
    assert rows.count() == 4  # the four agreements of the small index
    cells = page.locator("table.heatmap td.cell a")
    assert cells.count() >= 3
    colour = page.locator("table.heatmap td.cell.lv-binding").first.evaluate(
        "el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")  # coloured by obligation
    cells.first.click()
    page.wait_for_selector(".hit")
    assert "agreement=" in page.url and "topic=" in page.url
