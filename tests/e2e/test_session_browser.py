"""Sign-in that survives a refresh, and links that open after sign-in, in a real browser.

F5 keeps the user, the page and the language (a signed, expiring cookie); the language
chosen on the sign-in page survives a refresh too; a link to a child opened while signed
out goes through sign-in to that page and child; a tampered or expired cookie is not
accepted; after sign-out a refresh shows the sign-in page."""

from __future__ import annotations

import json
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

PASSWORD = "kopir-demo"
USER = "psych.ast-12"
ROOT = Path(__file__).resolve().parents[2]
RU = json.loads((ROOT / "ui" / "i18n" / "ru.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def context(browser):  # type: ignore[no-untyped-def]
    """One browser profile, signed in as the psychologist for the tests that follow."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    yield ctx
    ctx.close()


def landed(page) -> str:  # type: ignore[no-untyped-def]
    """"app" once the signed-in app is on screen, "sign-in" for the sign-in form."""
    page.locator(".st-key-logout, .st-key-login_password").first.wait_for(timeout=30_000)
    return "app" if page.locator(".st-key-logout").count() else "sign-in"


def sign_in(page) -> None:  # type: ignore[no-untyped-def]
    page.locator(".st-key-login_user input").fill(USER)
    page.locator(".st-key-login_password input").fill(PASSWORD)
    page.locator("[data-testid=stFormSubmitButton] button").click()
    page.locator(".st-key-logout").wait_for(timeout=30_000)


def choose_language(page, name: str) -> None:  # type: ignore[no-untyped-def]
    picker = page.locator(".st-key-language_picker").get_by_role("combobox")
    deadline = time.monotonic() + 15
    while picker.count() != 1:  # just after signing in, the sign-in page's picker lingers
        assert time.monotonic() < deadline, f"{picker.count()} language pickers on the page"
        page.wait_for_timeout(100)
    for _ in range(3):  # a click while the page still draws itself may not open the list
        picker.click()
        try:
            page.get_by_role("option", name=name).click(timeout=5_000)
            return
        except Exception:  # noqa: BLE001 - a Playwright timeout: open the list again
            continue
    raise AssertionError(f"no {name} in the language picker")


def shown(page) -> str:  # type: ignore[no-untyped-def]
    """The main area's text and the values of its inputs (a picker shows its choice so)."""
    return page.evaluate("""() => { const main = document.querySelector('[data-testid=stMain]');
        return main.innerText + ' ' + [...main.querySelectorAll('input')]
            .map(i => i.value).join(' '); }""")


def cookie(ctx, name: str, value: str | None = None, timeout: float = 10) -> dict:  # type: ignore[no-untyped-def]
    """The browser's cookie `name` once it is there (with `value`, if given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = {c["name"]: c for c in ctx.cookies()}.get(name)
        if found and found["value"] and (value is None or found["value"] == value):
            return found
        time.sleep(0.1)
    raise AssertionError(f"no cookie {name}={value} in {ctx.cookies()}")


def test_a_refresh_keeps_the_user_the_page_and_the_language(context, server, folder):
    page = context.new_page()
    page.goto(server)
    assert landed(page) == "sign-in"
    sign_in(page)
    choose_language(page, "Русский")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=RU["nav.chronology"]).click()
    page.wait_for_url("**/chronology")
    cookie(context, "kopir_language", "ru")
    session = cookie(context, "kopir_session")
    assert session["sameSite"] == "Strict" and session["path"] == "/"
    assert 29 * 60 < session["expires"] - time.time() <= 30 * 60 + 5  # KOPIR_SESSION_MINUTES
    page.wait_for_timeout(500)

    page.reload()
    assert landed(page) == "app", "F5 signed the user out"
    assert page.url.endswith("/chronology")
    page.get_by_role("button", name=RU["logout"]).wait_for()  # still in Russian
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name=RU["nav.chronology"]).wait_for()
    assert "Chronology" not in nav.inner_text()
    key = folder / "session.key"  # the secret of the embedded mode: made once, owner only
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    page.close()


def test_a_tampered_or_expired_cookie_is_not_accepted(context, browser, server, folder):
    token = cookie(context, "kopir_session")["value"]
    payload, issued, signature = token.split(".")
    signer = URLSafeTimedSerializer((folder / "session.key").read_text().strip(),
                                    salt="kopir.session")
    content = signer.loads(token)
    expired = _signed_at(signer, content, time.time() - 31 * 60)
    forged = signer.dumps({**content, "u": "admin"}).split(".")[0]
    for value, accepted in ((token, True),  # the cookie itself works in another browser
                            (f"{payload}.{issued}.{signature[:-2]}AA", False),
                            (f"{forged}.{issued}.{signature}", False),
                            (expired, False)):
        fresh = browser.new_context()
        fresh.add_cookies([{"name": "kopir_session", "value": value, "url": server}])
        page = fresh.new_page()
        page.goto(f"{server}/chronology")
        assert landed(page) == ("app" if accepted else "sign-in"), value
        if not accepted:
            text = page.locator("[data-testid=stMain]").inner_text()
            assert "error" not in text.lower() and not page.get_by_test_id("stAlert").count()
        fresh.close()


def _signed_at(signer: URLSafeTimedSerializer, content: dict, when: float) -> str:
    class Then(URLSafeTimedSerializer.default_signer):  # type: ignore[name-defined,misc]
        def get_timestamp(self) -> int:
            return int(when)

    return URLSafeTimedSerializer(signer.secret_key, salt="kopir.session",
                                  signer=Then).dumps(content)


def test_a_link_to_a_child_opens_after_sign_in(browser, server, folder):
    with sqlite3.connect(folder / "kopir-views.db") as db:
        codes = [c for (c,) in db.execute(
            "SELECT code FROM rm_children WHERE upper(school_id) = 'AST-12' "
            "AND status = 'open' ORDER BY code")]
    code = codes[-1]  # not the first of the list: chosen by the link, not by default
    fresh = browser.new_context(viewport={"width": 1400, "height": 900})
    page = fresh.new_page()
    page.goto(f"{server}/chronology?child={code}")
    assert landed(page) == "sign-in"
    assert "/chronology" in page.url and f"child={code}" in page.url
    sign_in(page)
    assert "/chronology" in page.url and f"child={code}" in page.url
    deadline = time.monotonic() + 30
    while code not in shown(page):  # the child picker shows the linked child
        assert time.monotonic() < deadline, shown(page)
        page.wait_for_timeout(200)
    fresh.close()


def test_the_language_of_the_sign_in_page_survives_a_refresh(browser, server):
    fresh = browser.new_context()
    page = fresh.new_page()
    page.goto(server)
    assert landed(page) == "sign-in"
    choose_language(page, "Русский")
    page.get_by_role("heading", name=RU["login.title"]).wait_for()
    cookie(fresh, "kopir_language", "ru")
    page.reload()
    assert landed(page) == "sign-in"
    page.get_by_role("heading", name=RU["login.title"]).wait_for()
    fresh.close()


def test_after_sign_out_a_refresh_shows_the_sign_in_page(context, server):
    page = context.new_page()
    page.goto(f"{server}/chronology")
    assert landed(page) == "app"
    page.get_by_role("button", name=RU["logout"]).click()
    page.locator(".st-key-login_password").wait_for()
    deadline = time.monotonic() + 10
    while any(c["name"] == "kopir_session" for c in context.cookies()):
        assert time.monotonic() < deadline, "sign-out left the session cookie"
        time.sleep(0.1)
    page.reload()
    assert landed(page) == "sign-in"
    page.get_by_role("heading", name=RU["login.title"]).wait_for()  # the language stays
    page.close()
