"""Demographic de-duplication: is the applicant someone already enrolled, by name and birth?

Beside the 1:N search on the fingers (:mod:`aes_id.registry.dedup`), every
enrolment is compared with the residents who share its family-name key
(:func:`name_key`, the indexed ``resident.name_key`` column) and its year of
birth. A candidate must then agree on sex and on a date of birth compatible
with the applicant's (an unknown day or month agrees with any), share at least
:data:`MIN_GIVEN` of its given names, and score :data:`DEMOGRAPHIC_THRESHOLD`
or more on family name, given names, date of birth and place of birth together
(:func:`score`). A common name and the same year of birth alone never reach it.

Names are compared after :func:`fold` (no case, accents or spacing) and
:func:`sound`, which levels the spelling variants of the Sahel's registries:
Traoré / Traore / Traouré, Ouédraogo / Ouedraogo / Wedraogo, Maïga / Maiga,
Coulibaly / Kulibali, Diarra / Jara, Sawadogo / Savadogo, Cissé / Sissé,
Diallo / Jallo. The key is the family name's consonant skeleton
(:func:`skeleton`). See docs/deduplication.md.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Protocol

from sqlalchemy import Connection, bindparam, select, update
from sqlmodel import Session, SQLModel, col

from aes_id.domain import PartialDate, Sex
from aes_id.registry import tables

DEMOGRAPHIC_THRESHOLD = 0.82
"""Score from which a candidate is a suspected duplicate (see :func:`score`)."""
MIN_GIVEN = 0.6
"""Below this given-name agreement a candidate is never a match (twins share all the rest)."""
WEIGHTS = (0.15, 0.35, 0.30, 0.20)
"""Weights of the family name, given names, date of birth and place of birth in :func:`score`."""
DOB_AGREEMENT = {"complete": 1.0, "month": 0.7, "year": 0.5}
"""What a compatible date of birth is worth: both complete and equal; the same month
with a day unknown on one side; the same year with a month unknown on one side."""
FUZZY = 0.8
"""Two folded words this similar (difflib ratio) count as that much agreement."""
KEY_LENGTH = 40

_LETTERS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d"}
_LETTERS |= {"þ": "th", "ɛ": "e", "ɔ": "o", "ɲ": "ny", "ŋ": "ng", "ı": "i", "ƴ": "y"}
_RULES = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"tch|tsh|sh|ch", "x"),  # Tchiroma / Chiroma, Shehu / Chehou
        (r"ph", "f"),
        (r"th", "t"),  # Thiombiano / Tiombiano
        (r"kh", "k"),  # Khadija / Kadija
        (r"gh", "g"),
        (r"gu(?=[eiy])", "g"),  # Guindo / Gindo
        (r"qu|q|ck", "k"),
        (r"c(?=[eiy])", "s"),  # Cissé / Sissé
        (r"c", "k"),  # Coulibaly / Koulibaly
        (r"dj|dy", "j"),  # Djénéba / Jénéba
        (r"di(?=[aeou])", "j"),  # Diallo / Jallo, Diarra / Jara
        (r"h", ""),  # Bah / Bâ, Haïdara / Aïdara
        (r"ou(?=[aeio])", "w"),  # Ouédraogo / Wedraogo, Ouattara / Wattara
        (r"ou", "u"),  # Traouré / Traoré once the vowels go
        (r"v", "w"),  # Savadogo / Sawadogo
        (r"(?<![aeiou])y|y(?![aeiou])", "i"),  # Keyta / Keïta; y stays a consonant between vowels
        (r"(.)\1+", r"\1"),  # Diarra / Diara, Diallo / Dialo
    )
)
_VOWELS = re.compile(r"[aeiou]")


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ASCII letters, words separated by one space: no accents, case or punctuation.

    >>> fold("  Maïga-Touré  d'Ansongo ")
    'maiga toure d ansongo'
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text.lower()):
        if unicodedata.combining(char):
            continue
        char = _LETTERS.get(char, char)
        out.append(char if char.isascii() and char.isalpha() else " ")
    return " ".join("".join(out).split())


@functools.lru_cache(maxsize=65536)
def sound(word: str) -> str:
    """One folded word with the Sahel's spelling alternations levelled, vowels kept.

    >>> sound("wedraogo") == sound("ouedraogo"), sound("kulibali") == sound("coulibaly")
    (True, True)
    """
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


@functools.lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """The consonant skeleton of one folded word: a leading vowel kept as ``a``, then consonants.

    >>> [skeleton(fold(n)) for n in ("Traoré", "Traouré", "Ouédraogo", "Wedraogo", "Jara")]
    ['trr', 'trr', 'wdrg', 'wdrg', 'jr']
    """
    levelled = sound(word)
    if not levelled:
        return ""
    head = "a" if levelled[0] in "aeiou" else levelled[0]
    return head + _VOWELS.sub("", levelled[1:])


def name_key(family_name: str) -> str:
    """The spelling-independent key of a family name (the ``resident.name_key`` column).

    >>> name_key("Coulibaly") == name_key("Kulibali") and name_key("Maïga") == name_key("MAIGA")
    True
    """
    key = "".join(skeleton(word) for word in fold(family_name).split())[:KEY_LENGTH]
    return key or "-"


@functools.lru_cache(maxsize=65536)
def word_similarity(a: str, b: str) -> float:
    """Agreement of two folded words: 1 if they sound alike (:func:`sound`), else the difflib
    ratio of their sounds when it is at least :data:`FUZZY` (Fatoumata / Fatimata), else 0."""
    left, right = sound(a), sound(b)
    if left == right:
        return 1.0
    ratio = SequenceMatcher(None, left, right).ratio()
    return ratio if ratio >= FUZZY else 0.0


def given_similarity(a: str, b: str) -> float:
    """Order-insensitive agreement of two lists of given names (Dice over the best pairs).

    >>> given_similarity("Aminata Awa", "Awa Aminata"), given_similarity("Awa", "Hawa Salimata")
    (1.0, 0.6666666666666666)
    """
    left, right = fold(a).split(), fold(b).split()
    if not left or not right:
        return 0.0
    if len(left) > len(right):
        left, right = right, left
    free = list(right)
    total = 0.0
    for word in left:
        best = max(free, key=lambda other: word_similarity(word, other))
        agreement = word_similarity(word, best)
        if agreement:
            total += agreement
            free.remove(best)
    return 2 * total / (len(left) + len(right))


def text_similarity(a: str, b: str) -> float:
    """Agreement of two whole names or places, spaces ignored (Bobo-Dioulasso / Bobo Dioulasso)."""
    return word_similarity("".join(fold(a).split()), "".join(fold(b).split()))


def dob_agreement(a: PartialDate, b: PartialDate) -> float | None:
    """What two dates of birth are worth together, or ``None`` if they cannot be the same day.

    An unknown month or day is compatible with any: 1980-00-00 with 1980-05-12.
    """
    if a.year != b.year:
        return None
    if a.month and b.month and a.month != b.month:
        return None
    if a.day and b.day and a.day != b.day:
        return None
    if a.is_complete and b.is_complete:
        return DOB_AGREEMENT["complete"]
    return DOB_AGREEMENT["month" if a.month and b.month else "year"]


class Declared(Protocol):
    """What the check reads of a person (the registry's ``Demographics`` has it)."""

    @property
    def family_name(self) -> str: ...
    @property
    def given_names(self) -> str: ...
    @property
    def date_of_birth(self) -> PartialDate: ...
    @property
    def sex(self) -> Sex: ...
    @property
    def place_of_birth(self) -> str: ...


def score(applicant: Declared, other: Declared) -> float | None:
    """How alike two people are, in [0, 1]; ``None`` when they cannot be one person.

    Both must have the same family-name key (the caller's lookup), the same sex, compatible
    dates of birth and at least :data:`MIN_GIVEN` of their given names in common. The score
    weighs (:data:`WEIGHTS`) how alike the family names sound (the key is coarser), the given
    names, what the dates of birth are worth together and the places of birth.
    """
    if applicant.sex != other.sex or name_key(applicant.family_name) != name_key(other.family_name):
        return None
    dob = dob_agreement(applicant.date_of_birth, other.date_of_birth)
    if dob is None:
        return None
    given = given_similarity(applicant.given_names, other.given_names)
    if given < MIN_GIVEN:
        return None
    family = text_similarity(applicant.family_name, other.family_name)
    place = text_similarity(applicant.place_of_birth, other.place_of_birth)
    w_family, w_given, w_dob, w_place = WEIGHTS
    return w_family * family + w_given * given + w_dob * dob + w_place * place


@dataclass(frozen=True)
class Match:
    """A resident (or a person accepted earlier in this run) the demographic check found."""

    person_id: str
    score: float


@dataclass(frozen=True)
class _Row:
    family_name: str
    given_names: str
    date_of_birth: PartialDate
    sex: Sex
    place_of_birth: str


def _matches(applicant: Declared, people: Sequence[tuple[str, Declared]]) -> list[Match]:
    found = []
    for person_id, other in people:
        value = score(applicant, other)
        if value is not None and value >= DEMOGRAPHIC_THRESHOLD:
            found.append(Match(person_id, round(value, 4)))
    return sorted(found, key=lambda m: (-m.score, m.person_id))


_RESIDENT = tables.Resident
_LOOKUP = select(
    col(_RESIDENT.nin),
    col(_RESIDENT.family_name),
    col(_RESIDENT.given_names),
    col(_RESIDENT.date_of_birth),
    col(_RESIDENT.place_of_birth),
).where(
    col(_RESIDENT.name_key) == bindparam("key"),
    col(_RESIDENT.date_of_birth).between(bindparam("born_from"), bindparam("born_to")),
    col(_RESIDENT.sex) == bindparam("sex"),
)
"""Residents by family-name key, year of birth and sex: the ``name_key`` index, then a filter."""


def registry_matches(session: Session, applicant: Declared) -> list[Match]:
    """Residents matching ``applicant``: an indexed lookup by name key, birth year and sex."""
    year = f"{applicant.date_of_birth.year:04d}"
    found = session.execute(
        _LOOKUP,
        {
            "key": name_key(applicant.family_name),
            "born_from": year + "0000",
            "born_to": year + "1231",
            "sex": applicant.sex.value,
        },
    )
    people: list[tuple[str, Declared]] = [
        (nin, _Row(family, given, PartialDate.parse(dob), applicant.sex, place))
        for nin, family, given, dob, place in found
    ]
    return _matches(applicant, people)


class PeopleIndex:
    """The registry's residents, plus people accepted in this run but not yet written.

    A bulk run adds each person it accepts with :meth:`add`, so that a repeat later in
    the same batch is found too, and calls :meth:`written` once the batch is committed
    (the registry answers for them from then on).
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[str, int], list[tuple[str, Declared]]] = {}

    def search(self, session: Session, applicant: Declared) -> list[Match]:
        """Everyone (written or pending) who matches ``applicant``, best first."""
        bucket = (name_key(applicant.family_name), applicant.date_of_birth.year)
        pending = _matches(applicant, self._pending.get(bucket, []))
        found = registry_matches(session, applicant) + pending
        return sorted(found, key=lambda m: (-m.score, m.person_id))

    def add(self, person_id: str, person: Declared) -> None:
        bucket = (name_key(person.family_name), person.date_of_birth.year)
        self._pending.setdefault(bucket, []).append((person_id, person))

    def written(self) -> None:
        """The pending people are in the registry now."""
        self._pending.clear()


def fill_name_keys(connection: Connection, *, batch: int = 5000) -> int:
    """Compute ``name_key`` for residents that have none (written before the column existed)."""
    resident = SQLModel.metadata.tables["resident"]
    change = (
        update(resident)
        .where(resident.c.nin == bindparam("old_nin"))
        .values(name_key=bindparam("new_key"))
    )
    done = 0
    while True:
        rows = connection.execute(
            select(resident.c.nin, resident.c.family_name)
            .where(resident.c.name_key == "")
            .limit(batch)
        ).all()
        if not rows:
            return done
        # name_key() is never empty, so each pass shrinks what is left
        connection.execute(change, [{"old_nin": n, "new_key": name_key(f)} for n, f in rows])
        done += len(rows)
