"""Kazakhstan's regions and cities of republican significance, by code, with their
official names in Kazakh, Russian and English; and how a name given in several languages
is read in one of them.

A school's region is one of these codes. Schools registered before the vocabulary named
their region in words ("Astana", "Oskemen"): `region_code` reads such a name (in any of
the three languages, or a regional centre's name) as its code, and leaves a name it does
not know as it is.
"""

from __future__ import annotations

from typing import Mapping

LANGUAGES = ("kk", "ru", "en")

# code -> (Kazakh, Russian, English)
REGIONS: dict[str, tuple[str, str, str]] = {
    "astana": ("Астана", "Астана", "Astana"),
    "almaty": ("Алматы", "Алматы", "Almaty"),
    "shymkent": ("Шымкент", "Шымкент", "Shymkent"),
    "abai": ("Абай облысы", "Абайская область", "Abai Region"),
    "akmola": ("Ақмола облысы", "Акмолинская область", "Akmola Region"),
    "aktobe": ("Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
    "almaty_region": ("Алматы облысы", "Алматинская область", "Almaty Region"),
    "atyrau": ("Атырау облысы", "Атырауская область", "Atyrau Region"),
    "east_kazakhstan": ("Шығыс Қазақстан облысы", "Восточно-Казахстанская область",
                        "East Kazakhstan Region"),
    "zhambyl": ("Жамбыл облысы", "Жамбылская область", "Zhambyl Region"),
    "zhetysu": ("Жетісу облысы", "Область Жетісу", "Zhetysu Region"),
    "karaganda": ("Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
    "kostanay": ("Қостанай облысы", "Костанайская область", "Kostanay Region"),
    "kyzylorda": ("Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
    "mangystau": ("Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
    "north_kazakhstan": ("Солтүстік Қазақстан облысы", "Северо-Казахстанская область",
                         "North Kazakhstan Region"),
    "pavlodar": ("Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
    "turkistan": ("Түркістан облысы", "Туркестанская область", "Turkistan Region"),
    "ulytau": ("Ұлытау облысы", "Область Улытау", "Ulytau Region"),
    "west_kazakhstan": ("Батыс Қазақстан облысы", "Западно-Казахстанская область",
                        "West Kazakhstan Region"),
}

# Regional centres and older spellings a school's region was given as.
ALIASES = {
    "aktobe": "aktobe", "ақтөбе": "aktobe", "актобе": "aktobe", "karaganda": "karaganda",
    "қарағанды": "karaganda", "караганда": "karaganda", "atyrau": "atyrau",
    "turkistan": "turkistan", "turkestan": "turkistan", "kostanay": "kostanay",
    "pavlodar": "pavlodar", "oskemen": "east_kazakhstan", "ust-kamenogorsk": "east_kazakhstan",
    "өскемен": "east_kazakhstan", "усть-каменогорск": "east_kazakhstan", "taraz": "zhambyl",
    "тараз": "zhambyl", "kyzylorda": "kyzylorda", "aktau": "mangystau", "semey": "abai",
    "kokshetau": "akmola", "taldykorgan": "zhetysu", "uralsk": "west_kazakhstan",
    "oral": "west_kazakhstan", "petropavl": "north_kazakhstan", "zhezkazgan": "ulytau",
    "konaev": "almaty_region", "nur-sultan": "astana",
}


def _known() -> dict[str, str]:
    known = {code: code for code in REGIONS}
    for code, names in REGIONS.items():
        known.update({name.casefold(): code for name in names})
    return known | ALIASES


_KNOWN = _known()


def region_code(text: str) -> str:
    """The code of a region given by its code or its name in kk, ru or en (a regional
    centre's name too); a name it does not know, stripped, as it is."""
    given = text.strip() if isinstance(text, str) else ""
    return _KNOWN.get(given.casefold(), given)


def region_name(code: str, language: str) -> str:
    """The region's official name in `language` (its code or old name when unknown)."""
    names = REGIONS.get(region_code(code))
    if names is None:
        return code
    return names[LANGUAGES.index(language) if language in LANGUAGES else 2]


# Which language a reader would rather read a name in when theirs is missing.
FALLBACK = {"kk": ("kk", "ru", "en"), "ru": ("ru", "kk", "en"), "en": ("en", "ru", "kk")}


def local_name(names: Mapping[str, str] | None, language: str, fallback: str = "",
               identifier: str = "") -> str:
    """A name given in several languages, in `language`, else in the next language a
    reader of it would understand, else the name without a language, else the id."""
    names = names or {}
    for choice in FALLBACK.get(language, FALLBACK["en"]):
        if (names.get(choice) or "").strip():
            return names[choice].strip()
    return fallback or identifier
