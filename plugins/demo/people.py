"""The demo's cast: a fixed pool of fictional people, with recurring advocates, trolls and one influencer."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

POOL_SIZE = 360
_POOL_SEED = 20240611  # the cast is the same whatever the scenario seed, so faces recur between demos

FIRST = (
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Marco",
    "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tomas", "Uma", "Viktor", "Wen", "Ximena", "Yusuf",
    "Zoe", "Aiko", "Bruno", "Carmen", "Dmitri", "Esme", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kira",
    "Luis", "Mei", "Niall", "Olga", "Pablo", "Rhea", "Stellan", "Tara", "Ugo", "Vera", "Wiremu", "Yara",
    "Zain", "Amara", "Bilal", "Cleo", "Dario", "Emeka", "Freya", "Gael", "Hiro", "Isla", "Jamal",
)  # fmt: skip
LAST = (
    "Okafor", "Lindqvist", "Moreau", "Patel", "Kowalski", "Haddad", "Tanaka", "Silva", "Brennan", "Novak",
    "Mensah", "Ortiz", "Schmidt", "Nguyen", "Rossi", "Adeyemi", "Larsen", "Costa", "Yilmaz", "Murphy",
    "Sato", "Fischer", "Ibrahim", "Kaur", "Dubois", "Petrov", "Alvarez", "Chen", "Byrne", "Hughes",
    "Mwangi", "Varga", "Jensen", "Reyes", "Abe", "Nowak", "Quispe", "Walsh", "Kim", "Forde",
)  # fmt: skip
WORDS = (
    "pixel", "byte", "coffee", "night", "lazy", "retro", "quiet", "cloud", "tiny", "neon", "paper", "salty",
    "mango", "orbit", "static", "velvet", "rust", "maple", "turbo", "sleepy", "ginger", "cosmic", "indie",
)  # fmt: skip
INSTANCES = ("social.example", "mastodon.example", "techhub.example", "fedi.example")


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    followers: int
    role: str = "regular"  # regular | advocate | troll | influencer | journalist
    instance: str = INSTANCES[0]


# Recurring characters: the same few voices come back, as they do on real channels.
ADVOCATES = (
    Person("mara_codes", "Mara Lindqvist", 4_210, "advocate"),
    Person("jonasbuilds", "Jonas Brennan", 2_380, "advocate", "techhub.example"),
    Person("priya.writes", "Priya Patel", 1_105, "advocate"),
    Person("oldschoololga", "Olga Petrov", 860, "advocate", "fedi.example"),
)
TROLLS = (
    Person("laptop_truther", "real talk", 312, "troll"),
    Person("xx_ratio_king_xx", "Ratio King", 97, "troll", "mastodon.example"),
)
INFLUENCER = Person("tessatech", "Tessa Okafor | Tech Reviews", 81_200, "influencer")
JOURNALISTS = (
    Person("hkim_news", "Hana Kim", 9_400, "journalist"),
    Person("dmoreau", "Dario Moreau", 6_150, "journalist"),
    Person("gadgetdesk", "Gadget Desk", 23_800, "journalist"),
    Person("w.walsh", "Wen Walsh", 3_020, "journalist"),
)
OUTLETS = ("gadgetdesk.example", "laptopdaily.example", "techwire.example", "consumerwatch.example")


def _handle(rng: random.Random, first: str, last: str) -> str:
    style = rng.randrange(6)
    if style == 0:
        return f"{first}{last[0]}".lower()
    if style == 1:
        return f"{first}_{last}".lower()
    if style == 2:
        return f"{first.lower()}{rng.randrange(1, 99)}"
    if style == 3:
        return f"{rng.choice(WORDS)}{first.lower()}"
    if style == 4:
        return f"{first[0]}{last}".lower()
    return f"{rng.choice(WORDS)}_{rng.choice(WORDS)}{rng.randrange(10, 999)}"


def _followers(rng: random.Random) -> int:
    # Pareto with alpha ~1.1: most people have a few dozen followers, a handful have thousands.
    return min(60_000, int(12 * rng.paretovariate(1.1)))


@cache
def regulars() -> tuple[Person, ...]:
    """The ordinary people of the demo, the same list every time."""
    rng = random.Random(_POOL_SEED)
    taken = {p.handle for p in (*ADVOCATES, *TROLLS, INFLUENCER, *JOURNALISTS)}
    people: list[Person] = []
    while len(people) < POOL_SIZE:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        handle = _handle(rng, first, last)
        if handle in taken:
            continue
        taken.add(handle)
        name = f"{first} {last}" if rng.random() < 0.8 else first.lower()
        people.append(Person(handle, name, _followers(rng), "regular", rng.choice(INSTANCES)))
    return tuple(people)


def everyone() -> tuple[Person, ...]:
    return (*regulars(), *ADVOCATES, *TROLLS, INFLUENCER, *JOURNALISTS)


def pick_author(rng: random.Random, kind: str) -> Person:
    """Who writes a post of this kind: recurring characters for advocacy and trolling, anyone otherwise."""
    roll = rng.random()
    if kind in ("advocate", "praise") and roll < 0.45:
        return rng.choice(ADVOCATES)
    if kind == "troll" and roll < 0.75:
        return rng.choice(TROLLS)
    if kind == "news":
        return INFLUENCER if roll < 0.1 else rng.choice(JOURNALISTS)
    if kind in ("future", "competitor") and roll < 0.03:
        return INFLUENCER
    return rng.choice(regulars())
