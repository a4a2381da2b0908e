"""A confident guess of a title's language from the title itself (importer only).

IMDb's export has no language column, and its plots are English descriptions (names in them carry
Yoruba accents whatever the film's language), so only the title and local title are read. A guess is
made only on evidence no English (or French) title shows; otherwise none is made:

- **Hausa**: a hooked letter (ɓ ɗ ƙ ƴ);
- **Igbo**: a dotted ị ụ or ṅ;
- **Yoruba**: a dotted ẹ or ṣ (ọ is Igbo too), or two or more tone-marked vowels (à á è é ...) in words that use only
  Yoruba letters (no c, q, v, x or z: "Cliché", "Café" and "Chiké" are not Yoruba);
- any of the three: two or more different words from its list below, and none from the others'.
"""

import re
import unicodedata

YORUBA, IGBO, HAUSA = "Yoruba", "Igbo", "Hausa"

_HAUSA_LETTERS = set("ɓɗƙƴƁƊƘƳ")
_GRAVE, _ACUTE, _DOT_BELOW, _DOT_ABOVE = "\u0300", "\u0301", "\u0323", "\u0307"
_NOT_YORUBA_LETTERS = set("cqvxz")
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")  # letters and the combining marks on them

# Common, distinctive title words (folded); "a", "na", "da", shared or English-looking words are left out.
WORDS = {
    YORUBA: {
        "omo",
        "iya",
        "baba",
        "oko",
        "aya",
        "ife",
        "owo",
        "ile",
        "aye",
        "oju",
        "ojo",
        "orun",
        "oluwa",
        "olorun",
        "emi",
        "temi",
        "mi",
        "ni",
        "ti",
        "ko",
        "sin",
        "eni",
        "ola",
        "ayo",
        "oba",
        "ogun",
        "alaafin",
        "orisa",
        "eleyi",
        "awon",
        "ebi",
        "iku",
        "omi",
        "ina",
        "ise",
    },
    IGBO: {
        "nwa",
        "nne",
        "nna",
        "ndu",
        "obi",
        "ihe",
        "onye",
        "nwanne",
        "ego",
        "ulo",
        "anyi",
        "nke",
        "chukwu",
        "ife",
        "ala",
        "umu",
        "ada",
        "nwunye",
        "ogo",
        "onwu",
        "ezi",
    },
    HAUSA: {
        "gida",
        "sarki",
        "soyayya",
        "zuciya",
        "duniya",
        "kasarmu",
        "yarda",
        "aure",
        "auren",
        "mata",
        "rayuwa",
        "kishi",
        "wata",
        "rana",
        "mai",
        "yar",
        "dan",
        "zamani",
        "masoyi",
        "uwa",
        "kaddara",
    },
}
# A word on two lists ("ife", "ala") counts for neither.
_SHARED = {word for lang in WORDS for word in WORDS[lang] if sum(word in words for words in WORDS.values()) > 1}


def _fold(word: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch)).casefold()


def _marks(text: str) -> tuple[int, bool, bool]:
    """(tone-marked vowels in Yoruba-lettered words, a Yoruba dotted letter, an Igbo dotted letter)."""
    tones, yoruba_dot, igbo_dot = 0, False, False
    for word in _WORD.findall(unicodedata.normalize("NFC", text)):
        decomposed = unicodedata.normalize("NFD", word)
        base = [ch for ch in decomposed if not unicodedata.combining(ch)]
        word_tones = 0
        for index, ch in enumerate(decomposed):
            if unicodedata.combining(ch):
                continue
            marks = ""  # the combining marks on this letter
            for mark in decomposed[index + 1 :]:
                if not unicodedata.combining(mark):
                    break
                marks += mark
            lower = ch.casefold()
            if _DOT_BELOW in marks and lower in "es":  # ọ is Igbo too
                yoruba_dot = True
            if (_DOT_BELOW in marks and lower in "iu") or (_DOT_ABOVE in marks and lower == "n"):
                igbo_dot = True
            if lower in "aeiou" and (_GRAVE in marks or _ACUTE in marks):
                word_tones += 1
        if not _NOT_YORUBA_LETTERS & {ch.casefold() for ch in base}:
            tones += word_tones
    return tones, yoruba_dot, igbo_dot


def guess_language(*texts: str) -> str | None:
    """Yoruba, Igbo, Hausa or None (no confident guess) for a title and its local title."""
    text = " ".join(part for part in texts if part)
    if _HAUSA_LETTERS & set(text):
        return HAUSA
    tones, yoruba_dot, igbo_dot = _marks(text)
    if igbo_dot:
        return IGBO
    if yoruba_dot or tones >= 2:
        return YORUBA
    words = {_fold(word) for word in _WORD.findall(text)} - _SHARED
    hits = {lang: words & listed for lang, listed in WORDS.items()}
    found = [lang for lang, matched in hits.items() if matched]
    if len(found) == 1 and len(hits[found[0]]) >= 2:
        return found[0]
    return None
