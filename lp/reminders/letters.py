"""How a reminder letter speaks: in the mission's language, naming its country correctly.

The letter (a note verbale) is written in the mission's correspondence language (nl,
en or fr), whatever the language of the person printing it; the page around it stays
in the UI language. Its text lives in one template per language; this module gives
those templates what grammar they need: the country after "Embassy of" and the dates.
"""

from __future__ import annotations

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
