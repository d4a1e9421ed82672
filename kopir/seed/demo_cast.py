"""Who and where the demo is about: six schools in four regions, and their staff, by name
in Kazakh, Russian and English (one
tutor and one psychologist per school, a supervisor per region, a coordinator, an
auditor and an administrator), all with the demo password; and the records a demo
history is planned with (a child's plan, a timed action)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from domain.access import Role
from domain.errors import ConcernStateError

DEMO_PASSWORD = "kopir-demo"
# (id, name in English, region code, names in kk/ru/en)
SCHOOLS = [
    ("AST-12", "Astana school No. 12", "astana",
     {"kk": "Астана қаласының № 12 мектебі", "ru": "Школа № 12 города Астаны",
      "en": "Astana school No. 12"}),
    ("AST-45", "Astana gymnasium No. 45", "astana",
     {"kk": "Астана қаласының № 45 гимназиясы", "ru": "Гимназия № 45 города Астаны",
      "en": "Astana gymnasium No. 45"}),
    ("ALA-05", "Almaty gymnasium No. 5", "almaty",
     {"kk": "Алматы қаласының № 5 гимназиясы", "ru": "Гимназия № 5 города Алматы",
      "en": "Almaty gymnasium No. 5"}),
    ("ALA-131", "Almaty school No. 131", "almaty",
     {"kk": "Алматы қаласының № 131 мектебі", "ru": "Школа № 131 города Алматы",
      "en": "Almaty school No. 131"}),
    ("SHY-41", "Shymkent school No. 41", "shymkent",
     {"kk": "Шымкент қаласының № 41 мектебі", "ru": "Школа № 41 города Шымкента",
      "en": "Shymkent school No. 41"}),
    ("AKT-03", "Aktobe school No. 3", "aktobe",
     {"kk": "Ақтөбе қаласының № 3 мектебі", "ru": "Школа № 3 города Актобе",
      "en": "Aktobe school No. 3"}),
]
# The staff's names (kk, ru, en): the national roles, a supervisor per region, and a class
# tutor and a psychologist per school, in the order of SCHOOLS.
PEOPLE = {
    "admin": ("Ержан Сейітов", "Ержан Сеитов", "Yerzhan Seitov"),
    "auditor": ("Гүлнар Әбдірахманова", "Гульнар Абдрахманова", "Gulnar Abdrakhmanova"),
    "dpo": ("Мәдина Оспанова", "Мадина Оспанова", "Madina Ospanova"),
    "analyst": ("Тимур Бекмұханов", "Тимур Бекмуханов", "Timur Bekmukhanov"),
    "coordinator": ("Нұрлан Жақсылықов", "Нурлан Жаксылыков", "Nurlan Zhaksylykov"),
    "supervisor.aktobe": ("Сәуле Қасымова", "Сауле Касымова", "Saule Kassymova"),
    "supervisor.almaty": ("Бауыржан Омаров", "Бауыржан Омаров", "Bauyrzhan Omarov"),
    "supervisor.astana": ("Айгүл Нұрланова", "Айгуль Нурланова", "Aigul Nurlanova"),
    "supervisor.shymkent": ("Асқар Тұрсынов", "Аскар Турсынов", "Askar Tursynov"),
    "teacher.ast-12": ("Динара Ахметова", "Динара Ахметова", "Dinara Akhmetova"),
    "psych.ast-12": ("Ләззат Серікова", "Ляззат Серикова", "Lyazzat Serikova"),
    "teacher.ast-45": ("Мұрат Есенов", "Мурат Есенов", "Murat Yessenov"),
    "psych.ast-45": ("Жанар Бекова", "Жанар Бекова", "Zhanar Bekova"),
    "teacher.ala-05": ("Әсел Тоқтарова", "Асель Токтарова", "Assel Toktarova"),
    "psych.ala-05": ("Ғалия Мұхамеджанова", "Галия Мухамеджанова", "Galiya Mukhamedzhanova"),
    "teacher.ala-131": ("Данияр Қалиев", "Данияр Калиев", "Daniyar Kaliyev"),
    "psych.ala-131": ("Меруерт Исаева", "Меруерт Исаева", "Meruert Issayeva"),
    "teacher.shy-41": ("Ерлан Абдуллаев", "Ерлан Абдуллаев", "Yerlan Abdullayev"),
    "psych.shy-41": ("Гүлмира Сәрсенбаева", "Гульмира Сарсенбаева", "Gulmira Sarsenbayeva"),
    "teacher.akt-03": ("Айдана Жұмабаева", "Айдана Жумабаева", "Aidana Zhumabayeva"),
    "psych.akt-03": ("Қайрат Мұқанов", "Кайрат Муканов", "Kairat Mukanov"),
}


@dataclass(frozen=True)
class DemoUser:
    user_id: str
    display_name: str
    role: Role
    schools: tuple[str, ...]

    @property
    def display_names(self) -> dict[str, str]:
        return dict(zip(("kk", "ru", "en"), PEOPLE[self.user_id]))


def demo_users() -> list[DemoUser]:
    def user(user_id: str, role: Role, schools: tuple[str, ...]) -> DemoUser:
        return DemoUser(user_id, PEOPLE[user_id][2], role, schools)

    users = [user("admin", Role.ADMIN, ("*",)), user("auditor", Role.AUDITOR, ("*",)),
             user("coordinator", Role.SUPERVISOR, ("*",)), user("dpo", Role.DPO, ("*",)),
             user("analyst", Role.ANALYST, ("*",))]
    for region in sorted({s[2] for s in SCHOOLS}):
        users.append(user(f"supervisor.{region}", Role.SUPERVISOR,
                          tuple(s[0] for s in SCHOOLS if s[2] == region)))
    for school_id, *_ in SCHOOLS:
        key = school_id.lower()
        users.append(user(f"teacher.{key}", Role.TEACHER, (school_id,)))
        users.append(user(f"psych.{key}", Role.PSYCHOLOGIST, (school_id,)))
    return users


@dataclass(order=True)
class Action:
    at: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class Plan:
    code: str
    school: str
    enrol_at: datetime
    birth_year: int
    trajectory: str  # improving | stable | worsening
    end_at: datetime | None = None  # enrolment closed
    transfer: tuple[datetime, str] | None = None


def unless_gone(run: Callable[[], None]) -> None:
    """A supervisor's answer, unless the concern has moved on meanwhile (someone else
    answered it, or it was resolved)."""
    try:
        run()
    except ConcernStateError:
        pass
