"""Every page of every role reads in Kazakh and in Russian, in a real browser: no English
word is left on screen beyond codes and proper nouns (an explicit allow-list), the names
of schools, regions and people are in the page's language, and no navigation label or
table header is cut off, at 1280 px and on a 390 px phone."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from kopir.seed.demo_cast import PEOPLE
from tests.e2e.conftest import ROOT
from tests.e2e.test_browser import LANGUAGES, PASSWORD, ROLES
from ui.i18n import translate

# What may stay in Latin letters in a Kazakh or Russian page: the product's name, time
# standards and formats, a command an operator types, login names of the demo's national
# roles. Codes (KZ-12345, AST-12), login names (psych.ast-12), e-mail addresses, time
# zone ids and digests are taken out before the scan.
ALLOWED = {
    "Köpir", "UTC", "CSV", "JSON", "JSONL", "PDF", "SMTP", "Ed25519",
    "SHA", "kopir", "quarantine", "retry", "verify-log", "export", "admin", "auditor",
    "coordinator", "dpo", "analyst",
}
IDENTIFIERS = re.compile(
    r"\b[A-Z]{2,4}-[A-Z0-9]{1,8}\b"  # child and school codes
    r"|\b[a-z]+\.[a-z0-9.-]+\b"  # login names
    r"|\S+@\S+"  # e-mail addresses
    r"|\b[0-9a-f]{8,}(?:-[0-9a-f]{4,})*\b"  # ids and digests
    r"|https?://\S+"
    r"|\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b")  # time zones (Asia/Almaty)
WORD = re.compile(r"[\w'’-]+")
LATIN = re.compile(r"[A-Za-z][A-Za-z'’-]+")
HIDE_ICONS = """() => { for (const e of document.querySelectorAll('span, i, div')) {
  if (e.dataset.testid === 'stIconMaterial' || (!e.children.length
      && getComputedStyle(e).fontFamily.includes('Material'))) { e.style.display = 'none'; } } }"""
# Each call that draws text on a canvas (the tables draw their headers and cells so), kept
# on the canvas: its text, where it starts and how wide it is.
RECORD_CANVAS_TEXT = """
(() => {
  const draw = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, maxWidth) {
    const at = this.getTransform(), ratio = window.devicePixelRatio || 1;
    const drawn = this.canvas.__drawn || (this.canvas.__drawn = {});
    drawn[`${text}|${x + at.e / ratio}|${y + at.f / ratio}`] = {
      text: String(text), x: x + at.e / ratio, y: y + at.f / ratio,
      width: this.measureText(String(text)).width};
    return draw.apply(this, arguments);
  };
  // A table drawn anew (after a rerun, in another language) starts by painting all of
  // its canvas: what was drawn before is gone.
  for (const name of ["clearRect", "fillRect"]) {
    const paint = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (x, y, w, h) {
      const ratio = window.devicePixelRatio || 1, at = this.getTransform();
      if (x + at.e / ratio <= 0 && y + at.f / ratio <= 0
          && w >= this.canvas.width / ratio - 1 && h >= this.canvas.height / ratio - 1) {
        this.canvas.__drawn = {};
      }
      return paint.apply(this, arguments);
    };
  }
})();
"""
# A nav label is cut off when its box, which hides what overflows, is narrower than it.
CUT_NAV_LABELS = """() => [...document.querySelectorAll('[data-testid=stSidebarNavLink]')]
  .flatMap(link => [...link.querySelectorAll('*')]
    .filter(e => getComputedStyle(e).overflow === 'hidden' && e.scrollWidth > e.clientWidth + 1)
    .slice(0, 1).map(() => link.innerText.trim()))"""
HEADER_HEIGHT = 36
PADDING = 8


def sign_in(browser, server, user: str, width: int = 1280):  # type: ignore[no-untyped-def]
    """A page of its own browser context, signed in; each text drawn on a canvas is kept."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(RECORD_CANVAS_TEXT)
    page = context.new_page()
    page.goto(server)
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("stSidebar").wait_for(state="attached")
    settle(page)
    return page


def demo_sentences() -> list[str]:
    """What the demo's staff typed (notes, targets, reasons): their words, not the UI's.
    The demo writes them in English; they are taken out of the page before the scan."""
    found = set()
    for module in (ROOT / "kopir" / "seed").glob("demo*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and " " in node.value and not node.value.startswith(("\n", " ")):
                found.add(node.value.strip())
    return sorted(found, key=len, reverse=True)


DEMO_SENTENCES = demo_sentences()


def english_words(text: str) -> set[str]:
    """Words of two Latin letters or more left after codes, ids, what the demo's staff
    typed and the allow-list."""
    for sentence in DEMO_SENTENCES:
        text = text.replace(sentence, " ")
    words = WORD.findall(IDENTIFIERS.sub(" ", text))
    return {w for w in words if LATIN.fullmatch(w) and w.strip("'’-") not in ALLOWED}


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run is over (Streamlit's running indicator is gone)."""
    page.wait_for_timeout(250)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget] [data-testid=stSpinner]')"
        " && !document.querySelector('[data-testid=stStatusWidget]')", timeout=30_000)
    page.wait_for_timeout(400)


def open_sidebar(page) -> None:  # type: ignore[no-untyped-def]
    sidebar = page.get_by_test_id("stSidebar")
    box = sidebar.bounding_box()
    if box is None or box["x"] + box["width"] <= 0 or not sidebar.is_visible():
        page.get_by_test_id("stSidebarCollapsedControl").or_(
            page.get_by_test_id("stExpandSidebarButton")).first.click()
        page.wait_for_timeout(400)


def switch_language(page, language: str) -> None:  # type: ignore[no-untyped-def]
    open_sidebar(page)
    before = page.get_by_test_id("stSidebarNav").inner_text()
    page.get_by_test_id("stSidebar").get_by_role("combobox").first.click()
    page.get_by_role("option", name=LANGUAGES[language]).click()
    page.wait_for_function("t => document.querySelector('[data-testid=stSidebarNav]') && "
                           "document.querySelector('[data-testid=stSidebarNav]').innerText !== t",
                           arg=before, timeout=15_000)
    settle(page)


def shown_text(page) -> str:  # type: ignore[no-untyped-def]
    """What the page says in its main area, its sidebar and its tables (icons are
    ligatures: hidden)."""
    page.add_style_tag(content="[data-testid=stIconMaterial] {display: none !important}")
    page.evaluate(HIDE_ICONS)
    drawn = [d["text"] for table in drawn_in_tables(page) for d in table]
    return "\n".join([*(page.get_by_test_id(area).inner_text()
                        for area in ("stMain", "stSidebar")), *drawn])


def drawn_in_tables(page) -> list[list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Per table, the texts its canvases show (the header row has a canvas of its own)."""
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        "[data-testid=stDataFrame]", "tables => tables.map(t => [...t.querySelectorAll("
        "'canvas')].flatMap(c => Object.values(c.__drawn || {})))")


def cut_headers(page) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Table headers wider than their column. Headers start at their column's left edge
    plus the padding, so a column ends where the next header starts less the padding;
    the last header drawn cannot be measured (the table may scroll sideways there)."""
    cut = []
    for drawn in drawn_in_tables(page):
        headers = sorted((d for d in drawn if d["y"] < HEADER_HEIGHT), key=lambda d: d["x"])
        for header, following in zip(headers, headers[1:]):
            room = following["x"] - PADDING - header["x"]
            if header["width"] > room + 1:
                cut.append({"header": header["text"], "needs": round(header["width"]),
                            "has": round(room)})
    return cut


def pick_a_child(page, language: str) -> None:  # type: ignore[no-untyped-def]
    """On a page about one child, pick the first child of the list: the record is what
    most of the page says."""
    child = page.get_by_test_id("stMain").get_by_role(
        "combobox", name=translate("field.child", language), exact=True)
    if child.count() and child.first.is_visible():
        child.first.click()
        options = page.get_by_role("option")
        if options.count():
            options.first.click()
            settle(page)


def visit_every_page(browser, server, user: str, language: str,  # type: ignore[no-untyped-def]
                     width: int, only: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Sign in, switch language, open each page of the navigation: per page, the English
    words, the cut-off table headers; and the cut-off navigation labels."""
    page = sign_in(browser, server, user, width=width)
    switch_language(page, language)
    found: dict[str, dict[str, Any]] = {}
    count = page.get_by_test_id("stSidebarNav").get_by_role("link").count()
    for i in range(count):
        open_sidebar(page)
        page.evaluate(HIDE_ICONS)
        found.setdefault("navigation", {"cut": set()})["cut"] |= set(
            page.evaluate(CUT_NAV_LABELS))
        link = page.get_by_test_id("stSidebarNav").get_by_role("link").nth(i)
        title = link.inner_text().strip().splitlines()[-1]
        if only and title not in {translate(f"nav.{name}", language) for name in only}:
            continue
        link.click()
        settle(page)
        if width < 600:  # the phone's sidebar covers the page: close it to read the page
            close = page.get_by_test_id("stSidebarCollapseButton")
            if close.count() and close.first.is_visible():
                close.first.locator("button").first.click()
                page.wait_for_timeout(300)
        pick_a_child(page, language)
        assert not page.get_by_test_id("stException").count(), (user, title)
        found[title] = {"english": english_words(shown_text(page)),
                        "headers": cut_headers(page)}
    page.context.close()
    return found


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_analysts_one_page_reads_in_the_language(browser, server, language):
    # The ministry analyst has one page, so no navigation: the language is switched there.
    page = sign_in(browser, server, "analyst")
    open_sidebar(page)
    page.get_by_test_id("stSidebar").get_by_role("combobox").first.click()
    page.get_by_role("option", name=LANGUAGES[language]).click()
    page.get_by_role("heading", name=translate("nav.ministry", language)).wait_for()
    settle(page)
    assert english_words(shown_text(page)) == set()
    assert cut_headers(page) == []
    page.context.close()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_page_of_every_role_reads_in_the_language(browser, server, language):
    # Each role signs in, switches to Kazakh or Russian and opens every page it has.
    english: dict[str, list[str]] = {}
    headers: dict[str, list[Any]] = {}
    nav: dict[str, list[str]] = {}
    for role, user in {**ROLES, "dpo": "dpo"}.items():
        for title, seen in visit_every_page(browser, server, user, language, 1280).items():
            if seen.get("english"):
                english[f"{role}: {title}"] = sorted(seen["english"])
            if seen.get("headers"):
                headers[f"{role}: {title}"] = seen["headers"]
            if seen.get("cut"):
                nav[role] = sorted(seen["cut"])
    # No English word is left, no table header and no navigation label is cut off.
    assert english == {}
    assert headers == {}
    assert nav == {}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_labels_are_whole_on_a_phone(browser, server, language):
    # At 390 px the sidebar's labels and the tables' headers are not cut off either: the
    # roles with the longest navigation, and pages with the widest tables.
    cut: dict[str, Any] = {}
    for role, pages in (("psychologist", ("caseload", "children")),
                        ("auditor", ("access_log",)), ("admin", ("accounts",))):
        for title, seen in visit_every_page(browser, server, ROLES[role], language, 390,
                                            only=pages).items():
            if seen.get("headers") or seen.get("cut"):
                cut[f"{role}: {title}"] = seen.get("headers") or sorted(seen["cut"])
    assert cut == {}


def test_names_of_people_and_regions_are_in_the_pages_language(browser, server):
    # The supervisor of Astana is greeted by name in each language, and the caseload
    # names the region as the language does.
    for language, name in zip(("kk", "ru", "en"), PEOPLE["supervisor.astana"], strict=True):
        page = sign_in(browser, server, ROLES["supervisor"])
        if language != "en":
            switch_language(page, language)
        assert name in page.get_by_test_id("stSidebar").inner_text()
        caseload = translate("nav.caseload", language)
        for _ in range(4):  # the monitor redraws itself every second: a click may miss
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=caseload).click()
            try:
                page.get_by_role("heading", name=caseload).wait_for(timeout=10_000)
                break
            except Exception:  # noqa: BLE001 - a Playwright timeout: click again
                continue
        settle(page)
        shown = shown_text(page)
        assert {"kk": "Астана", "ru": "Астана", "en": "Astana"}[language] in shown
        assert "astana" not in shown.replace("supervisor.astana", "")  # not the region's code
        page.context.close()
