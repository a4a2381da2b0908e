"""Word pools for the benchmark data: Nigerian names (Faker's `en_NG`/`yo_NG`/`ig_NG`/`ha_NG` person
providers — Faker 40 has no Nigerian address or text providers, so places and review text are
hand-written here), Nollywood-style titles, plots and reviews in English, Pidgin, Yoruba, Igbo, Hausa.

Every string here is free of tabs, newlines and backslashes, so it can go into COPY text as is.
"""

import unicodedata
from dataclasses import dataclass

from faker import Faker

# --- people ---------------------------------------------------------------------------------
NAME_LOCALES = ("en_NG", "yo_NG", "ig_NG", "ha_NG")
NAME_LOCALE_WEIGHTS = (0.30, 0.28, 0.24, 0.18)

# Review language preferences per name locale: (code, probability) pairs, the rest is English.
LOCALE_REVIEW_LANGUAGES = {
    "en_NG": (("pcm", 0.12),),
    "yo_NG": (("yo", 0.16), ("pcm", 0.10)),
    "ig_NG": (("ig", 0.13), ("pcm", 0.12)),
    "ha_NG": (("ha", 0.22), ("pcm", 0.05)),
}

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # reserved (RFC 2606): no real inbox

# (state, weight, typical cities). Weights follow where films are made and where viewers are.
STATES = (
    ("Lagos", 40, ("Lagos", "Ikeja", "Lekki", "Surulere", "Yaba", "Ikorodu", "Victoria Island")),
    ("Delta", 8, ("Asaba", "Warri", "Sapele")),
    ("Anambra", 7, ("Onitsha", "Awka", "Nnewi")),
    ("Enugu", 6, ("Enugu", "Nsukka")),
    ("FCT", 7, ("Abuja", "Gwarinpa", "Wuse")),
    ("Kano", 7, ("Kano",)),
    ("Kaduna", 3, ("Kaduna", "Zaria")),
    ("Oyo", 5, ("Ibadan", "Ogbomoso", "Oyo")),
    ("Ogun", 3, ("Abeokuta", "Ijebu-Ode", "Sagamu")),
    ("Osun", 2, ("Osogbo", "Ile-Ife", "Ilesa")),
    ("Rivers", 4, ("Port Harcourt", "Bonny")),
    ("Edo", 3, ("Benin City", "Auchi")),
    ("Imo", 2, ("Owerri", "Orlu")),
    ("Abia", 2, ("Aba", "Umuahia")),
    ("Cross River", 1, ("Calabar",)),
    ("Akwa Ibom", 1, ("Uyo", "Eket")),
    ("Kwara", 1, ("Ilorin",)),
    ("Ondo", 1, ("Akure", "Ondo")),
    ("Ekiti", 1, ("Ado-Ekiti",)),
    ("Plateau", 1, ("Jos",)),
    ("Sokoto", 1, ("Sokoto",)),
    ("Borno", 1, ("Maiduguri",)),
)

# Production state by a film's primary language: Kannywood is Kano, Yoruba films are made in
# Lagos/Oyo/Ogun, Igbo films in Asaba/Enugu/Onitsha.
LANGUAGE_STATES = {
    "Yoruba": ("Lagos", "Lagos", "Oyo", "Ogun", "Osun"),
    "Igbo": ("Enugu", "Anambra", "Delta", "Imo", "Abia"),
    "Hausa": ("Kano", "Kano", "Kano", "Kaduna", "FCT"),
}

BIOS = (
    "Nollywood lover from {city}.",
    "I watch everything {actor} is in.",
    "Film student in {city}. Opinions are mine.",
    "Asaba films on Sunday, Kannywood on Friday.",
    "Mother of three, critic of many.",
    "Movie nights with my people in {city}.",
    "Old Nollywood forever. Living in Bondage changed my life.",
    "Banker by day, film buff by night.",
    "Writing about African cinema since 2015.",
    "If {director} directs it, I am watching it.",
    "Owambe planner, Nollywood reviewer.",
    "Yoruba epics and village dramas are my thing.",
    "Proudly from {state}. Supporting our industry.",
    "I review honestly. No long thing.",
    "Cinema is therapy.",
)

# --- catalogue ------------------------------------------------------------------------------
GENRES = (
    ("Drama", 55),
    ("Comedy", 16),
    ("Romance", 13),
    ("Thriller", 7),
    ("Action", 5),
    ("Crime", 5),
    ("Family", 4),
    ("Epic", 3),
    ("Horror", 3),
    ("Music", 2),
    ("Documentary", 2),
    ("Fantasy", 2),
    ("Mystery", 2),
    ("History", 1),
    ("Biography", 1),
    ("Adventure", 1),
)

# (language stored on movies, weight as primary language)
MOVIE_LANGUAGES = (("English", 55), ("Yoruba", 19), ("Igbo", 8), ("Hausa", 11), ("Pidgin", 7))

# Review language codes.
REVIEW_LANGUAGES = ("en", "yo", "ig", "ha", "pcm")
MOVIE_LANGUAGE_REVIEW_CODE = {"English": "en", "Yoruba": "yo", "Igbo": "ig", "Hausa": "ha", "Pidgin": "pcm"}

NOLLYWOOD_TAGS = (
    "family-drama",
    "village-politics",
    "juju",
    "money-ritual",
    "romance",
    "comedy",
    "yoruba-epic",
    "kannywood",
    "asaba-classic",
    "lagos-life",
    "owambe",
    "church-drama",
    "mother-in-law",
    "betrayal",
    "strong-female-lead",
    "twist-ending",
    "slow-burn",
    "old-nollywood",
    "new-nollywood",
    "great-soundtrack",
    "based-on-true-story",
    "diaspora",
    "wedding",
    "royalty",
    "crime",
    "campus-life",
    "rags-to-riches",
    "must-watch",
    "overhyped",
    "low-budget",
)

TITLE_ADJECTIVES = (
    "Wicked",
    "Silent",
    "Golden",
    "Broken",
    "Last",
    "Secret",
    "Royal",
    "Bitter",
    "Sweet",
    "Dark",
    "Holy",
    "Stolen",
    "Hidden",
    "Lost",
    "Forbidden",
    "Eternal",
    "Burning",
    "Sacred",
    "Jealous",
    "Rich",
    "Poor",
    "Blind",
    "Cursed",
    "Blessed",
    "Proud",
    "Restless",
    "Missing",
    "Strange",
    "First",
    "Final",
    "Crazy",
    "Beautiful",
    "Dangerous",
    "Innocent",
    "Faithful",
    "Wild",
    "Lonely",
)
TITLE_NOUNS = (
    "Covenant",
    "Throne",
    "Palace",
    "Village",
    "Wedding",
    "Inheritance",
    "Ritual",
    "Oath",
    "Shrine",
    "Destiny",
    "Betrayal",
    "Blood",
    "Money",
    "Heart",
    "Crown",
    "Kingdom",
    "Widow",
    "Bride",
    "Prince",
    "Princess",
    "King",
    "Queen",
    "Sister",
    "Brother",
    "Mother",
    "Father",
    "Family",
    "Secret",
    "Sins",
    "Tears",
    "Fire",
    "Gold",
    "Soul",
    "Promise",
    "Storm",
    "River",
    "Mask",
    "Chief",
    "Wives",
    "Rival",
    "Battle",
    "Return",
    "Journey",
    "Stranger",
    "Maid",
    "Billionaire",
    "Twins",
    "Prophecy",
    "Ghost",
    "Land",
    "Dowry",
    "Compound",
    "Estate",
    "Market",
    "Hustle",
    "Deal",
    "Debt",
    "Sacrifice",
)
TITLE_PLACES = (
    "Lagos",
    "Abuja",
    "Asaba",
    "Enugu",
    "Kano",
    "Ibadan",
    "Onitsha",
    "Port Harcourt",
    "Calabar",
    "the Village",
    "the City",
    "Lekki",
    "Benin",
    "the Palace",
    "Jos",
    "Owerri",
)
TITLE_PATTERNS = (
    ("{adj} {noun}", 22),
    ("The {adj} {noun}", 16),
    ("{noun} of {noun2}", 12),
    ("The {noun} of {place}", 6),
    ("{name}'s {noun}", 10),
    ("{noun} in {place}", 8),
    ("{name}", 6),
    ("{local}", 10),
    ("{adj} {noun} in {place}", 4),
    ("My {noun}", 3),
    ("{name} and {name2}", 3),
)
TITLE_SUFFIXES = ((" 2", 5), (" 3", 2), (": The Return", 1), (" Part 2", 1), (" Reloaded", 1))

LOCAL_TITLES = {
    "Yoruba": (
        "Ọmọ Ọba",
        "Ayé Àkàmarà",
        "Ìfẹ́ Àìnípẹ̀kun",
        "Ọ̀tẹ̀ Ìdílé",
        "Àṣẹ Olódùmarè",
        "Ìyàwó Ọba",
        "Òfin Mósè",
        "Ẹ̀jẹ́ Ìfẹ́",
        "Ọjọ́ Ìdájọ́",
        "Àjàkálẹ̀",
        "Ìrìn Àjò",
        "Owó Ẹ̀jẹ̀",
        "Ọkàn Mi",
        "Àṣírí Ilé",
        "Òrìṣà Ìbílẹ̀",
        "Àyànmọ́",
        "Ìyá Ọlọ́mọ",
        "Ọba Adé",
        "Ọ̀rẹ́ Tòótọ́",
        "Èrè Ẹ̀ṣẹ̀",
    ),
    "Igbo": (
        "Nkemjika",
        "Obi Nwanne",
        "Ọnụ Ọgụ",
        "Nne Ka",
        "Ihe Ọma",
        "Ezinne",
        "Ndụ Bụ Isi",
        "Ọbara Ọkụ",
        "Akụ Na Ụba",
        "Chi Mụ",
        "Onye Eze",
        "Nwanyị Ọma",
        "Ife Di Egwu",
        "Ụmụnna",
        "Obiageli",
        "Ala Mmụọ",
        "Ego Ọjọọ",
        "Ọkwa Eze",
        "Ihunanya",
        "Agbọghọ",
    ),
    "Hausa": (
        "Mijin Yarinya",
        "Sarauniya",
        "Gidan Badamasi",
        "Auren Dole",
        "Zuciyar Uwa",
        "Mai Martaba",
        "Labarina",
        "Izzar So",
        "Kwana Casa'in",
        "Dadin Kowa",
        "Sarki Goma",
        "Ruwan Dare",
        "Gimbiya",
        "Hakkin Miji",
        "Soyayya",
        "Dan Marayan Zaki",
        "Uwar Gida",
        "Ramat",
        "Bakar Ashana",
        "Jarumar Mata",
    ),
    "Pidgin": (
        "Wahala Dey",
        "Na So E Be",
        "Money Miss Road",
        "Shine Ya Eye",
        "No Be Joke",
        "Who Go Help",
        "Sharp Guy",
        "E Don Happen",
        "Lagos No Dey Carry Last",
        "Baba Dey",
    ),
}

PLOT_SENTENCES = (
    "When {name} returns to {city} after years abroad, old family secrets threaten everything.",
    "A young woman from {city} fights for her late father's inheritance against greedy relatives.",
    "{name}, a struggling trader, stumbles on a fortune that comes with a terrible price.",
    "A king must choose between his duty to the throne and the woman he loves.",
    "Two brothers are torn apart by a land dispute that divides the whole village.",
    "A mother-in-law from {state} will stop at nothing to end her son's marriage.",
    "An ambitious banker in {city} is drawn into a world of money rituals.",
    "{name} discovers that her husband has been living a double life.",
    "A village is haunted by a curse that began three generations ago.",
    "A wedding in {city} becomes a battlefield when the bride's past comes calling.",
    "Friends from university reunite in {city} and old rivalries resurface.",
    "A detective from {state} hunts a killer who leaves no trace.",
    "A poor orphan rises to become the richest man in {city}, but loses himself on the way.",
    "The chief priest of the shrine foresees a prophecy nobody wants to believe.",
    "A musician from {city} chases fame while his family begs him to come home.",
    "Twin sisters separated at birth meet by chance at a market in {city}.",
    "A pastor's daughter falls for the son of a notorious chief.",
    "{name} must clear her name after she is accused of witchcraft.",
    "A house maid uncovers the dark secret of the wealthy family she serves.",
    "A widow fights tradition to keep her children and her late husband's house.",
    "Everything changes for the family when a stranger knocks on their door.",
    "A Lagos hustler plans one last deal before leaving the city for good.",
)

# --- reviews --------------------------------------------------------------------------------
REVIEW_SENTENCES = {
    "pos": (
        "{actor} delivered one of the best performances I have seen this year.",
        "The story kept me glued to the screen from start to finish.",
        "Beautiful cinematography, especially the scenes shot in {city}.",
        "{director} has outdone himself with this one.",
        "Finally a Nollywood film that respects its audience.",
        "The costumes and the language felt authentic to the culture.",
        "The soundtrack is pure fire.",
        "I laughed, I cried, and I called my mother after watching it.",
        "The twist at the end caught me completely off guard.",
        "Every actor understood the assignment.",
        "A proper family film, I watched it twice with my children.",
        "The production quality is on par with anything from abroad.",
        "{actor} and {actor2} have amazing chemistry on screen.",
        "This is the kind of story our industry should be telling.",
        "The dialogue is sharp and the pacing is just right.",
        "The village scenes brought back memories of my grandmother's house.",
        "Worth every naira of the cinema ticket.",
        "A masterpiece of modern Nollywood.",
    ),
    "mixed": (
        "The first half was strong but the second half dragged.",
        "{actor} was good, but the supporting cast let the film down.",
        "Nice idea, but the execution could have been better.",
        "The sound mixing was poor in some scenes.",
        "It is watchable, but I expected more from {director}.",
        "Some scenes were too long and could have been cut.",
        "The ending felt rushed after such a slow build up.",
        "Good acting, weak script.",
        "The cinematography was lovely but the story was predictable.",
        "Not bad for a weekend watch, but nothing special.",
        "The subtitles were full of errors.",
        "I liked the culture on display, less so the plot holes.",
    ),
    "neg": (
        "The story made no sense at all.",
        "Too much juju and not enough story.",
        "{actor} looked bored throughout the film.",
        "The production was rushed and it shows.",
        "Three hours of my life I will never get back.",
        "The same tired money ritual story again.",
        "Bad lighting, bad sound, bad editing.",
        "The ending was ridiculous.",
        "I walked out of the cinema halfway through.",
        "Nobody in this film could act, sorry to say.",
        "The trailer was better than the whole movie.",
        "It felt like a sequel nobody asked for.",
    ),
}
PIDGIN_SENTENCES = {
    "pos": (
        "This film sweet die!",
        "{actor} act am well well, I no fit lie.",
        "Na correct Nollywood be this o.",
        "Omo, the ending shock me.",
        "Make una go watch am, e worth am.",
        "I don watch am three times and e still dey sweet me.",
        "Director try well well for this one.",
    ),
    "mixed": (
        "E no bad but e for better pass like this.",
        "The story dey okay, but e too long.",
        "{actor} try but the script no help am.",
        "Half of am sweet, the other half just dey drag.",
    ),
    "neg": (
        "Wetin be this one sef?",
        "Na wasted money be this o.",
        "The story no make sense at all, abeg.",
        "Dem just rush am finish.",
        "I sleep off before the film reach middle.",
    ),
}
LOCAL_SENTENCES = {
    "yo": {
        "pos": ("Ó dára gan-an!", "Ẹ kú iṣẹ́ o, ẹ ṣeun.", "Fíìmù yìí wọ̀ mí lọ́kàn.", "Àṣà wa hàn dáadáa."),
        "mixed": ("Kò burú, ṣùgbọ́n ó gùn jù.", "Ó dára díẹ̀."),
        "neg": ("Kò dára rárá.", "Ìtàn náà kò yé mi."),
    },
    "ig": {
        "pos": ("Ọ dị mma nke ukwuu!", "Daalụ nke ukwuu.", "Ihe nkiri a tọrọ m ụtọ.", "Omenala anyị pụtara ìhè."),
        "mixed": ("Ọ dị mma, mana ọ dị ogologo.", "Ọ dịghị njọ."),
        "neg": ("Ọ dịghị mma ma ọlị.", "Akụkọ ahụ enweghị isi."),
    },
    "ha": {
        "pos": (
            "Fim din yana da kyau sosai!",
            "Madalla, an yi kokari.",
            "Labarin ya burge ni.",
            "Al'adunmu sun fito sosai.",
        ),
        "mixed": ("Ba laifi, amma ya yi tsayi.", "Yana da kyau kadan."),
        "neg": ("Bai yi kyau ba ko kadan.", "Labarin bai da ma'ana."),
    },
}
CRITIC_SENTENCES = (
    "Structurally, the film is built on three clear acts and it mostly earns its runtime.",
    "The performances are grounded, and the direction rarely lets a scene overstay its welcome.",
    "The colour grading gives {city} a warmth that suits the material.",
    "It is a notable step forward for the production company.",
    "In the wider context of the industry, this is a film worth studying.",
    "Its treatment of tradition is neither preachy nor careless.",
    "The editing in the final act is where the film falters.",
)


def ascii_slug(text: str) -> str:
    """`Adébáyọ̀` → `adebayo`, for e-mail local parts."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


def _copy_safe(text: str) -> str:
    return text.replace("\\", "").replace("\t", " ").replace("\n", " ").replace("\r", " ")


@dataclass(frozen=True)
class NamePools:
    """Per-locale first and last names drawn once from Faker; combined cheaply per row."""

    first: dict[str, tuple[str, ...]]
    last: dict[str, tuple[str, ...]]
    people: tuple[str, ...]  # full names for actors, directors, producers


def build_name_pools(seed: int, people: int = 6000) -> NamePools:
    first: dict[str, tuple[str, ...]] = {}
    last: dict[str, tuple[str, ...]] = {}
    full: list[str] = []
    for offset, locale in enumerate(NAME_LOCALES):
        fake = Faker(locale)
        fake.seed_instance(seed * 31 + offset)
        firsts = {_copy_safe(fake.first_name()) for _ in range(800)}
        lasts = {_copy_safe(fake.last_name()) for _ in range(800)}
        first[locale] = tuple(sorted(firsts))
        last[locale] = tuple(sorted(lasts))
        share = int(people * NAME_LOCALE_WEIGHTS[offset]) + 1
        full.extend(_copy_safe(f"{fake.first_name()} {fake.last_name()}") for _ in range(share))
    # Keep Faker's order (seeded) but drop duplicates so the Zipf ranks below are stable.
    people_names = tuple(dict.fromkeys(full))
    return NamePools(first=first, last=last, people=people_names)


COMPANY_SUFFIXES = ("Films", "Studios", "Pictures", "Productions", "Entertainment", "Media", "Motion Pictures")
COMPANY_WORDS = (
    "Golden",
    "Royal",
    "Ebony",
    "Crown",
    "Eagle",
    "Sunrise",
    "Zenith",
    "Heritage",
    "Kingdom",
    "Unity",
    "Harvest",
    "Legacy",
    "Palm",
    "Iroko",
    "Niger",
    "Savannah",
    "Lagoon",
    "Lion",
    "Pearl",
    "Diamond",
)
