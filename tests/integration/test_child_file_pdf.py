"""A child's file as a PDF, on a seeded demo store (SQLite): made in Kazakh, Russian and
English, its pages rendered to PNG (`pdftoppm`) and its text read back (`pdftotext`), so
that Cyrillic and Kazakh letters are known to come through; a class tutor's file holds only
what a class tutor may see; every file made is one read in the access log."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from PIL import Image

from domain.access import Actor, Role
from kopir import bootstrap, cli
from kopir.cli.parser import OPERATOR
from projections.queries.child_file import concerns_of
from tests import forms
from tests.stores import demo_store
from ui import pdf_layout
from ui.child_file import child_file_pdf
from ui.i18n import translate
from ui.pdf_layout import FontMissing

pytestmark = pytest.mark.backends("sqlite")

# What staff write is in any of the three languages: a Kazakh and a Russian entry.
KAZAKH_NOTE = "Үзілісте доп үшін дау, әңгіме өткізілді."
RUSSIAN_SUMMARY = "Говорили о друзьях и уроках."
SECRET_NOTE = "Spoke of a brother far away."


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: install poppler-utils (the PDF tests need it)"
    return found


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A demo of 4 children; the child with a plan and concerns gets a Kazakh conflict from
    the class tutor and a counselling session (Russian summary, confidential notes)."""
    with demo_store(tmp_path_factory.mktemp("pdf"), "--children", "4", "--seed", "7",
                    "--until", "2026-04-30"):
        rt = bootstrap.build()
        rt.runner.catch_up()
        staff = rt.staff()
        code = next(c["code"] for c in staff.children(OPERATOR)
                    if staff.plan(OPERATOR, c["code"], logged=False)["status"]
                    and concerns_of(staff, OPERATOR, c["child_id"]))
        school = next(c["school_id"] for c in staff.children(OPERATOR) if c["code"] == code)
        teacher = rt.app.actor_for(f"teacher.{school.lower()}")
        psychologist = rt.app.actor_for(f"psych.{school.lower()}")
        when = rt.app.clock.now() - timedelta(hours=2)
        rt.app.record_conflict(teacher, code, forms.conflict(when, description=KAZAKH_NOTE))
        rt.app.record_counselling_session(psychologist, code, forms.session(
            when, summary=RUSSIAN_SUMMARY, confidential_notes=SECRET_NOTE))
        rt.runner.catch_up()
        yield {"rt": rt, "code": code, "teacher": teacher, "psychologist": psychologist}


def make(store: dict[str, Any], actor: Actor, language: str, folder: Path) -> tuple[Path, str]:
    """The file made for `actor` in `language`, and its text as `pdftotext -layout` reads it."""
    rt = store["rt"]
    pdf = folder / f"{actor.user_id}-{language}.pdf"
    pdf.write_bytes(child_file_pdf(rt.staff(), actor, store["code"], language,
                                   rt.app.clock.now()))
    text = subprocess.run([tool("pdftotext"), "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return pdf, text


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_psychologists_file_renders_in_each_language(
        store: dict[str, Any], language: str, tmp_path: Path) -> None:
    # The school psychologist prints the child's file in the language of the UI.
    rt, me = store["rt"], store["psychologist"]
    pdf, text = make(store, me, language, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")

    # Its pages render, and the first is not blank.
    subprocess.run([tool("pdftoppm"), "-r", "50", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2
    first = Image.open(pages[0]).convert("L")
    dark = sum(first.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 500, "the first page is blank"

    # The entries, the plan's goals and the concerns' decisions are in its text.
    staff = rt.staff()
    plan = staff.plan(me, store["code"], logged=False)
    assert KAZAKH_NOTE in text and RUSSIAN_SUMMARY in text and SECRET_NOTE in text
    for goal in plan["goals"]:
        assert flat(goal["target"]) in flat(text)
    found = concerns_of(staff, me, plan_child_id(store))
    notes = [s["note"] for c in found for s in c["history"] if s.get("note")]
    assert notes and notes[0][:40] in flat(text)
    for key in ("pdf.chronology", "pdf.plan", "pdf.concerns", "pdf.confidential"):
        assert flat(translate(key, language)) in flat(text), key
    assert translate("pdf.page", language, n=1, total=len(pages)) in text
    assert store["code"] in text and me.user_id in text

    # Kazakh and Russian letters come through, not as boxes or question marks.
    if language == "kk":
        for letter in "әқөңүұі":
            assert letter in text, letter
    if language == "ru":
        assert "Хронология" in text and "Обеспокоенности" in text


def plan_child_id(store: dict[str, Any]) -> str:
    return store["rt"].staff()._summary(OPERATOR, store["code"])["child_id"]


def test_a_class_tutors_file_has_only_what_a_class_tutor_may_see(
        store: dict[str, Any], tmp_path: Path) -> None:
    # The class tutor prints the same child's file in Kazakh.
    me = store["teacher"]
    _, text = make(store, me, "kk", tmp_path)
    # Their own entry is there; the psychologist's session, its notes and scores are not.
    assert KAZAKH_NOTE in text
    assert RUSSIAN_SUMMARY not in text and SECRET_NOTE not in text
    assert translate("field.confidential_notes", "kk") not in text
    assert translate("field.wellbeing", "kk") not in text
    # Concerns are not part of a class tutor's file.
    assert flat(translate("pdf.concerns_hidden", "kk")) in flat(text)
    # The psychologist's own file does show the scores.
    _, theirs = make(store, store["psychologist"], "kk", tmp_path)
    assert translate("field.wellbeing", "kk") in theirs


def prints(store: dict[str, Any], user: str) -> list[dict[str, Any]]:
    rt = store["rt"]
    rt.runner.catch_up()
    auditor = Actor("auditor", Role.AUDITOR, frozenset({"*"}))
    return [r for r in rt.audit().access_log(auditor, store["code"], viewed_by=user)
            if r["purpose"] == "print"]


def test_each_file_made_is_one_read_in_the_access_log(
        store: dict[str, Any], tmp_path: Path) -> None:
    me = store["psychologist"]
    before = prints(store, me.user_id)
    make(store, me, "en", tmp_path)
    after = prints(store, me.user_id)
    # Exactly one more read, with the purpose "print", naming what the file showed.
    assert len(after) == len(before) + 1
    fields = after[0]["fields"]
    assert "confidential_notes" in fields and "concerns" in fields


def test_the_command_line_writes_a_file_and_refuses_in_one_sentence(
        store: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "file.pdf"
    assert cli.main(["print", store["code"], "--as", store["teacher"].user_id,
                     "--language", "ru", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    capsys.readouterr()
    assert cli.main(["print", "KZ-NONE0", "--as", store["teacher"].user_id,
                     "--out", str(tmp_path / "none.pdf")]) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("kopir: ") and "Traceback" not in "\n".join(error)
    assert not (tmp_path / "none.pdf").exists()


def test_without_the_font_the_file_is_refused_in_one_sentence_and_nothing_is_read(
        store: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_layout, "FONT_DIRS", (tmp_path,))
    me = store["psychologist"]
    before = prints(store, me.user_id)
    with pytest.raises(FontMissing, match="fonts-dejavu-core") as refused:
        make(store, me, "ru", tmp_path)
    assert "\n" not in str(refused.value) and str(refused.value).endswith("package.")
    assert len(prints(store, me.user_id)) == len(before)


def test_the_pages_button_makes_the_file_only_when_pressed(
        store: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # A page's run shows the button; Streamlit calls `data` only when it is pressed.
    import streamlit as st

    from ui import child_file, services

    rt, me = store["rt"], store["psychologist"]
    shown: dict[str, Any] = {}
    monkeypatch.setattr(st, "download_button", lambda label, **kw: shown.update(kw, label=label))
    monkeypatch.setattr(services, "staff", rt.staff)
    monkeypatch.setattr(services, "app", lambda: rt.app)
    before = prints(store, me.user_id)
    child_file.download_button(me, store["code"], key="test_pdf")
    assert shown["mime"] == "application/pdf" and shown["file_name"] == f"{store['code']}.pdf"
    assert len(prints(store, me.user_id)) == len(before)  # showing it reads nothing
    assert shown["data"]().startswith(b"%PDF")
    assert len(prints(store, me.user_id)) == len(before) + 1
