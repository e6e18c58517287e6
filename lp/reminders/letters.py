"""How a reminder letter speaks: in the mission's language, naming its country correctly.

The letter (a note verbale) is written in the mission's correspondence language (nl,
en or fr), whatever the language of the person printing it; the page around it stays
in the UI language. Its text lives in one template per language; this module gives
those templates what grammar they need: the country after "Embassy of", the address
block (the mission, its cities and its country in the letter's language, the city
once) and the dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_date

from countries.models import Country, Mission

LETTER_LANGUAGES = ("nl", "en", "fr")
#: The Babel locale of each letter language (British English writes 5 March 2026).
_LOCALES = {"nl": "nl", "en": "en_GB", "fr": "fr"}

#: Formal names where the short CLDR name reads badly in a note verbale.
_FORMAL = {
    "CD": {"nl": "de Democratische Republiek Congo", "en": "the Democratic Republic of the Congo",
           "fr": "de la République démocratique du Congo"},
    "CG": {"nl": "de Republiek Congo", "en": "the Republic of the Congo", "fr": "de la République du Congo"},
    "BA": {"en": "Bosnia and Herzegovina"},
}
#: Countries named with an article in English and Dutch ("the Philippines", "de Filipijnen").
_THE_EN = frozenset({"US", "GB", "NL", "PH", "KM", "AE", "MV", "SC", "BS", "GM", "CF", "DO", "MH", "SB", "PS", "VA"})
_DE_NL = frozenset({"US", "PH", "KM", "AE", "MV", "SC", "BS", "CF", "DO", "MH", "SB", "PS"})
# French ("l’Ambassade de ..."): feminine names and names starting with a vowel sound
# drop the article (de Guinée, d’Algérie, d’Iran); masculine ones keep it (du Maroc);
# plurals take des (des États-Unis). The sets below are the exceptions to "ends in -e
# means feminine" and the names that never take an article.
_PLURAL_FR = frozenset({"US", "PH", "KM", "AE", "NL", "MV", "SC", "BS", "FJ", "MH", "SB", "PS"})
_MASCULINE_E_FR = frozenset({"MX", "MZ", "KH", "ZW", "BZ", "SR"})
_NO_ARTICLE_FR = frozenset({"CU", "MG", "MT", "SG", "MC", "BH", "DJ", "MU", "NR", "TV", "KI", "TW", "ST", "TT",
                            "AG", "KN", "LC", "VC", "TO", "WS", "CY", "HK", "MO"})
_LA_FR = frozenset({"JM", "BB", "GD", "DM"})
_MUTE_H_FR = frozenset({"HT"})
_VOWELS = frozenset("AEIOUÂÀÉÈÊÎÏÔÛ")


#: Cities where missions sit, as a letter in each language names them (any spelling finds the entry).
_CITIES: tuple[dict[str, str], ...] = (
    {"nl": "Den Haag", "en": "The Hague", "fr": "La Haye"},
    {"nl": "Brussel", "en": "Brussels", "fr": "Bruxelles"},
    {"nl": "Antwerpen", "en": "Antwerp", "fr": "Anvers"},
    {"nl": "Berlijn", "en": "Berlin", "fr": "Berlin"},
    {"nl": "Parijs", "en": "Paris", "fr": "Paris"},
    {"nl": "Londen", "en": "London", "fr": "Londres"},
    {"nl": "Genève", "en": "Geneva", "fr": "Genève"},
    {"nl": "Luxemburg", "en": "Luxembourg", "fr": "Luxembourg"},
)
_CITY_SPELLINGS = {**{name.casefold(): city for city in _CITIES for name in city.values()},
                   "'s-gravenhage": _CITIES[0], "’s-gravenhage": _CITIES[0], "geneve": _CITIES[6]}
_CITY_PATTERN = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(name) for name in sorted(_CITY_SPELLINGS, key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE)
#: What a mission is called before its country's name, per kind and letter language.
_MISSION_WORDS = {
    "embassy": {"nl": "Ambassade van", "en": "Embassy of", "fr": "Ambassade"},
    "consulate": {"nl": "Consulaat van", "en": "Consulate of", "fr": "Consulat"},
    "consulate_general": {"nl": "Consulaat-generaal van", "en": "Consulate-General of", "fr": "Consulat général"},
}


def letter_language(mission: Mission) -> str:
    """Return the language of a mission's letters (English when none valid is recorded)."""
    language = (mission.correspondence_language or "").strip().lower()
    return language if language in LETTER_LANGUAGES else "en"


def _french_of(alpha2: str, name: str) -> str:
    if alpha2 in _PLURAL_FR:
        return f"des {name}"
    if name.startswith("République") or alpha2 in _LA_FR:
        return f"de la {name}"
    if name[:1].upper() in _VOWELS or alpha2 in _MUTE_H_FR:
        return f"d’{name}"
    if alpha2 in _NO_ARTICLE_FR or (name.endswith("e") and alpha2 not in _MASCULINE_E_FR):
        return f"de {name}"
    return f"du {name}"


def country_phrase(country: Country, language: str) -> str:
    """Return the country as it follows "Embassy of" in ``language``.

    nl: "Guinee", "de Filipijnen" (after "van"); en: "Guinea", "the Philippines" (after
    "of"); fr: with its preposition, "de Guinée", "du Maroc", "d’Algérie", "des États-Unis".
    """
    formal = _FORMAL.get(country.alpha2, {}).get(language)
    if formal:
        return formal
    if language == "fr":
        return _french_of(country.alpha2, Locale("fr").territories.get(country.alpha2, country.name_en))
    if language == "nl":
        return f"de {country.name_nl}" if country.alpha2 in _DE_NL else country.name_nl
    return f"the {country.name_en}" if country.alpha2 in _THE_EN else country.name_en


def city_name(city: str, language: str) -> str:
    """Return a known city as ``language`` names it ("Den Haag" -> "The Hague"); others as stored."""
    return _CITY_PATTERN.sub(lambda match: _CITY_SPELLINGS[match.group(0).casefold()][language], city)


def mission_name(mission: Mission, language: str) -> str:
    """Return the mission as the letter's language names it: "Embassy of Nigeria", "Ambassade du Maroc".

    The stored name is often Dutch whatever the mission's language, so the letter
    names the mission from its kind and country instead.
    """
    kind = mission.kind if mission.kind in _MISSION_WORDS else "embassy"
    if kind == "consulate" and re.search(r"general|generaal|général", mission.name or "", re.IGNORECASE):
        kind = "consulate_general"
    return f"{_MISSION_WORDS[kind][language]} {country_phrase(mission.country, language)}"


def address_lines(mission: Mission, language: str) -> list[str]:
    """Return the address block in the letter's language: name, address, city once, country if abroad."""
    lines = [mission_name(mission, language)]
    lines += [city_name(line.strip(), language) for line in (mission.address or "").splitlines() if line.strip()]
    city = city_name((mission.city or "").strip(), language)
    if city and not any(city.casefold() in line.casefold() for line in lines[1:]):
        lines.append(city)
    abroad = (mission.located_in or "NL").upper()
    if abroad != "NL":
        lines.append(Locale.parse(_LOCALES[language]).territories.get(abroad, abroad))
    return lines


@dataclass(frozen=True)
class LetterWriter:
    """Formats a letter's dates in its language."""

    language: str

    def long_date(self, value: date) -> str:
        text = format_date(value, "long", locale=_LOCALES[self.language])
        if self.language == "fr" and value.day == 1:
            text = "1er" + text[1:]  # French writes the first of the month as an ordinal
        return text

    def short_date(self, value: date | None) -> str:
        return format_date(value, "dd-MM-yyyy" if self.language == "nl" else "dd/MM/yyyy",
                           locale=_LOCALES[self.language]) if value else "—"
