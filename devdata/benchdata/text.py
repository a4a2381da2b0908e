"""Cheap composition of titles, plots, bios and review texts from the pools in `vocab`.

Templates with `{slots}` are formatted; plain ones are used as they are. Every call draws from the
generator's seeded `random.Random`, so the same seed gives the same text.
"""

import random
from array import array

from devdata.benchdata import vocab
from devdata.benchdata.sampling import cumulative_of, pick


def _split(templates):
    return tuple((t, "{" in t) for t in templates)


def _weighted(pairs):
    items = tuple(p[0] for p in pairs)
    return items, cumulative_of(p[1] for p in pairs)


class TextMaker:
    def __init__(self, rng: random.Random, names: vocab.NamePools, actor_cum: array, director_cum: array):
        self.rng = rng
        self.names = names
        self.actor_cum = actor_cum
        self.director_cum = director_cum
        self.states, self.state_cum = _weighted([(s[0], s[1]) for s in vocab.STATES])
        self.cities = {s[0]: s[2] for s in vocab.STATES}
        self.title_patterns, self.title_cum = _weighted(vocab.TITLE_PATTERNS)
        self.suffixes, suffix_cum = _weighted(vocab.TITLE_SUFFIXES)
        self.suffix_cum = suffix_cum
        self.review_pool = {band: _split(pool) for band, pool in vocab.REVIEW_SENTENCES.items()}
        self.pidgin = {band: _split(pool) for band, pool in vocab.PIDGIN_SENTENCES.items()}
        self.critic = _split(vocab.CRITIC_SENTENCES)
        self.plots = _split(vocab.PLOT_SENTENCES)
        self.bios = _split(vocab.BIOS)
        self.locale_first = {loc: names.first[loc] for loc in vocab.NAME_LOCALES}

    # --- people and places ------------------------------------------------------------------
    def person(self) -> str:
        return self.names.people[pick(self.rng, self.actor_cum)]

    def director(self) -> str:
        return self.names.people[pick(self.rng, self.director_cum)]

    def state(self) -> str:
        return self.states[pick(self.rng, self.state_cum)]

    def city(self, state: str | None = None) -> str:
        return self.rng.choice(self.cities[state or self.state()])

    def location(self) -> str:
        state = self.state()
        return f"{self.rng.choice(self.cities[state])}, {state}"

    def _fill(self, template: str, needs: bool, locale: str = "en_NG") -> str:
        if not needs:
            return template
        state = self.state()
        return template.format(
            actor=self.person(),
            actor2=self.person(),
            director=self.director(),
            city=self.rng.choice(self.cities[state]),
            state=state,
            name=self.rng.choice(self.locale_first[locale]),
        )

    def bio(self) -> str:
        return self._fill(*self.rng.choice(self.bios))

    # --- catalogue --------------------------------------------------------------------------
    def title(self, language: str, locale: str) -> str:
        rng = self.rng
        pattern = self.title_patterns[pick(rng, self.title_cum)]
        first = self.locale_first[locale]
        local_pool = vocab.LOCAL_TITLES.get(language) or vocab.LOCAL_TITLES["Yoruba"]
        title = pattern.format(
            adj=rng.choice(vocab.TITLE_ADJECTIVES),
            noun=rng.choice(vocab.TITLE_NOUNS),
            noun2=rng.choice(vocab.TITLE_NOUNS),
            place=rng.choice(vocab.TITLE_PLACES),
            name=rng.choice(first),
            name2=rng.choice(first),
            local=rng.choice(local_pool),
        )
        if rng.random() < 0.1:
            title += self.suffixes[pick(rng, self.suffix_cum)]
        return title

    def local_title(self, language: str) -> str:
        pool = vocab.LOCAL_TITLES.get(language)
        if not pool or self.rng.random() < 0.4:
            return ""
        return self.rng.choice(pool)

    def plot(self, locale: str) -> str:
        rng = self.rng
        return " ".join(self._fill(t, n, locale) for t, n in rng.sample(self.plots, rng.randint(1, 3)))

    # --- reviews ----------------------------------------------------------------------------
    def review(self, *, language: str, band: str, critic: bool) -> str:
        """Review text in COPY-escaped form (paragraphs joined by an escaped newline)."""
        rng = self.rng
        parts: list[str] = []
        if language == "pcm":
            pool = self.pidgin[band]
            parts += [self._fill(t, n) for t, n in rng.sample(pool, min(len(pool), rng.randint(2, 4)))]
            if rng.random() < 0.3:
                parts.append(self._fill(*rng.choice(self.review_pool[band])))
        else:
            if language in vocab.LOCAL_SENTENCES:
                local = vocab.LOCAL_SENTENCES[language][band]
                parts += rng.sample(local, min(len(local), rng.randint(1, 2)))
            pool = self.review_pool[band]
            if band == "mixed" and rng.random() < 0.5:
                pool = pool + rng.choice((self.review_pool["pos"], self.review_pool["neg"]))
            count = rng.randint(4, 7) if critic else rng.randint(1, 5)
            parts += [self._fill(t, n) for t, n in rng.sample(pool, min(len(pool), count))]
        if critic:
            body = " ".join(parts)
            extra = " ".join(self._fill(t, n) for t, n in rng.sample(self.critic, rng.randint(2, 4)))
            return f"{body}\\n\\n{extra}"
        return " ".join(parts)
