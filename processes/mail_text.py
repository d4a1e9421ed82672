"""The notifier's messages in Kazakh, Russian and English: content-free by construction.
They are made from the child's code, the level, the school, why the reader is told, and a
link, and from nothing else (no free text, no names, no rule reasons)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

TEXT = {
    "en": {
        "subject.one": "Köpir: {level} concern, {code} ({school})",
        "subject.digest": "Köpir: daily digest, {n} concern(s)",
        "line": "{code} · {level} · {school} · {why}\n  {link}",
        "intro": "Open Köpir to see the details; this message does not carry them.",
        "high": "HIGH", "medium": "MEDIUM", "low": "LOW",
        "opened": "a new concern", "reopened": "reopened soon after it was resolved",
        "higher": "its level rose", "overdue": "nobody acknowledged it in time",
        "assigned": "assigned to you",
        "subject.week": "Köpir: your week, {overdue} overdue, {week} due this week",
        "week": "On your list in Köpir: {overdue} overdue, {week} due this week "
                "(follow-ups, measures and plans to review, concerns assigned to you).\n  {link}",
    },
    "ru": {
        "subject.one": "Köpir: тревога ({level}), {code} ({school})",
        "subject.digest": "Köpir: сводка за день, тревог: {n}",
        "line": "{code} · {level} · {school} · {why}\n  {link}",
        "intro": "Подробности — в Köpir; в этом письме их нет.",
        "high": "ВЫСОКИЙ", "medium": "СРЕДНИЙ", "low": "НИЗКИЙ",
        "opened": "новая тревога", "reopened": "открыта снова вскоре после закрытия",
        "higher": "уровень повышен", "overdue": "никто не принял её вовремя",
        "assigned": "поручена вам",
        "subject.week": "Köpir: ваша неделя, просрочено {overdue}, на этой неделе {week}",
        "week": "В вашем списке в Köpir: просрочено {overdue}, на этой неделе {week} "
                "(повторные встречи, меры и планы на пересмотр, порученные вам тревоги).\n  {link}",
    },
    "kk": {
        "subject.one": "Köpir: алаңдаушылық ({level}), {code} ({school})",
        "subject.digest": "Köpir: күндік жиынтық, алаңдаушылықтар: {n}",
        "line": "{code} · {level} · {school} · {why}\n  {link}",
        "intro": "Толығырақ Köpir жүйесінде; бұл хатта олар жоқ.",
        "high": "ЖОҒАРЫ", "medium": "ОРТАША", "low": "ТӨМЕН",
        "opened": "жаңа алаңдаушылық", "reopened": "шешілгеннен кейін қайта ашылды",
        "higher": "деңгейі көтерілді", "overdue": "ешкім уақытында қабылдамады",
        "assigned": "сізге тапсырылды",
        "subject.week": "Köpir: сіздің аптаңыз, мерзімі өткен {overdue}, осы аптада {week}",
        "week": "Köpir-дегі тізіміңізде: мерзімі өткен {overdue}, осы аптада {week} "
                "(қайта кездесулер, қайта қаралатын шаралар мен жоспарлар, сізге тапсырылған "
                "алаңдаушылықтар).\n  {link}",
    },
}


def link(base_url: str, concern_id: str) -> str:
    return f"{base_url.rstrip('/')}/monitor?concern={quote(concern_id)}"


def message(rows: list[dict[str, Any]], language: str, base_url: str) -> EmailMessage:
    """One message for one delivery, or a digest of several (same person)."""
    words = TEXT.get(language, TEXT["ru"])
    lines = [words["line"].format(code=r["child_code"], level=words[r["level"]],
                                  school=r["school_id"], why=words[r["reason"]],
                                  link=link(base_url, r["concern_id"])) for r in rows]
    mail = EmailMessage()
    if len(rows) == 1 and rows[0]["kind"] == "immediate":
        row = rows[0]
        mail["Subject"] = words["subject.one"].format(level=words[row["level"]],
                                                      code=row["child_code"],
                                                      school=row["school_id"])
    else:
        mail["Subject"] = words["subject.digest"].format(n=len(rows))
    mail.set_content("\n\n".join([*lines, words["intro"]]) + "\n")
    return mail


def weekly(overdue: int, week: int, language: str, base_url: str) -> EmailMessage:
    """The week's digest: how many items wait on the person's list, and a link to it."""
    words = TEXT.get(language, TEXT["ru"])
    mail = EmailMessage()
    mail["Subject"] = words["subject.week"].format(overdue=overdue, week=week)
    url = f"{base_url.rstrip('/')}/tasks"
    mail.set_content(words["week"].format(overdue=overdue, week=week, link=url) + "\n\n"
                     + words["intro"] + "\n")
    return mail
