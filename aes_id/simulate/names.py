"""Name pools by ethnic group, ethnic shares per state, and the naming customs that shape a name.

Sources: ``docs/synthetic-population.md`` §1 (ethnic shares: Mali CIA 2018,
Burkina Faso 2021, Niger CIA) and §2 (name lists and customs). Groups and
names marked ❓ are not in those sources: they are plausible common names added
so that every listed group can be named, and are low confidence.

Customs modelled:

* a family name inherited from the father (most groups);
* Hausa, Zarma, Kanuri and Tubu: the family name is the father's *given*
  name, so it changes each generation (Issoufou, Moussa, Abdou...);
* Tuareg: "Ag <father>" for a man; "Walet <father>" for a woman (❓);
* Arab (Maure, Kounta, Mahamid): "Ould <father>" / "Mint <father>" (❓);
* Mossi twins: a boy-girl pair is named Raogo and Poko;
* one to three given names, a Christian one first for Christians.

Every draw uses only ``rng.random()``, whose sequence is stable across Python
versions, so a seed gives the same names everywhere.
"""

from __future__ import annotations

import enum
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass

from aes_id.domain import Country


class Custom(enum.Enum):
    INHERITED = "inherited"
    PATRONYMIC = "patronymic"
    TUAREG = "tuareg"
    ARAB = "arab"


def _pool(spec: str) -> tuple[str, ...]:
    """``"Traoré:4 Coulibaly:3 Keïta"`` -> a tuple where Traoré appears four times, etc."""
    names: list[str] = []
    for token in spec.split():
        name, _, weight = token.partition(":")
        names.extend([name] * int(weight or 1))
    return tuple(names)


@dataclass(frozen=True)
class EthnicGroup:
    """An ethnic group's name pools (duplicates weight the common names) and customs."""

    key: str
    label: str
    custom: Custom
    family: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    christian_share: float = 0.0
    low_confidence: bool = False


_MANDE_M = _pool(
    "Mamadou:2 Moussa:2 Modibo Seydou Bakary Drissa Adama Souleymane Boubacar Oumar Sékou "
    "Lassana Siaka Fousseyni Bourama Tiémoko Ibrahim Ousmane Abdoulaye Yacouba Issa Cheick"
)
_MANDE_F = _pool(
    "Aminata:2 Fatoumata:2 Mariam Kadiatou Djénéba Awa Rokia Oumou Salimata Assitan Kadidia "
    "Sitan Tenin Bintou Fanta Korotoumou Hawa Aïssata Maïmouna"
)
_FULANI_M = _pool(
    "Amadou:2 Hamadoun Boubacar Oumarou Hamidou Abdoulaye Mamoudou Ousmane Alhassane Hama "
    "Bouréima Yéro Alpha Djibrilla Samba"
)
_FULANI_F = _pool(
    "Aïssata Kadidiatou Fatoumata Mariam Djénabou Houleymatou Hawa Oumou Ramatoulaye Hadjara "
    "Rakiatou Maïmouna Bintou Safiatou Aminata"
)
_BURKINA_M = _pool(  # common given names across Burkinabè groups ❓
    "Boukary Salif Issaka Adama Seydou Souleymane Moussa Ibrahim Abdoulaye Karim Ousmane Issa "
    "Lassina Yacouba Drissa Mamadou Harouna Idrissa Bouréima Ali"
)
_BURKINA_F = _pool(
    "Awa Aminata Fatimata Mariam Salimata Assétou Bintou Alimata Rasmata Zénabo Kadidia Haoua "
    "Safiatou Ramata Adjaratou Aïssata"
)
_ZARMA_M = _pool(
    "Seyni Hamani Boubacar Moussa Issaka Harouna Soumana Djibo Hama Gado Abdoulaye Mounkaïla "
    "Moumouni Idrissa Yacouba Hamidou Garba Issa"
)
_ZARMA_F = _pool(
    "Zeinabou Mariama Hamsatou Aïssata Fati Ramatou Haoua Safi Kadidiatou Adiza Hassia Nafissa "
    "Balkissa Salamatou Rakiatou"
)
CHRISTIAN_MALE = _pool(
    "Jean-Baptiste Pierre:2 Paul:2 Joseph:2 Jean Michel François Emmanuel Augustin Antoine "
    "Jacques André Thomas Étienne"
)
CHRISTIAN_FEMALE = _pool(
    "Marie:3 Pauline Clarisse Josiane Jeanne Thérèse Agathe Cécile Brigitte Monique Florence "
    "Odile Bernadette Madeleine"
)

_I, _P, _T, _A = Custom.INHERITED, Custom.PATRONYMIC, Custom.TUAREG, Custom.ARAB

_GROUPS = (
    EthnicGroup("bambara", "Bambara", _I, _pool(
        "Traoré:4 Coulibaly:4 Diarra:3 Keïta Konaté Koné:2 Doumbia Camara Kanté Sissoko "
        "Kouyaté Diabaté Dembélé:2 Samaké Bagayoko Togola"), _MANDE_M, _MANDE_F, 0.03),
    EthnicGroup("malinke", "Malinké", _I, _pool(
        "Keïta:3 Camara:3 Traoré:2 Kanté Sissoko:2 Kouyaté Diabaté Doumbia:2 Konaté:2 Koné "
        "Cissoko Dansoko"), _MANDE_M, _MANDE_F, 0.02),
    EthnicGroup("soninke", "Soninké/Marka", _I, _pool(
        "Cissé:2 Touré:2 Sylla Diawara Doucouré Soumaré Tounkara Sacko Dramé Niakaté"),
        _MANDE_M, _MANDE_F, 0.01),
    EthnicGroup("fulani", "Fulani", _I, _pool(
        "Diallo:5 Barry:2 Bah:2 Bâ Sow:2 Sidibé:2 Sangaré:2 Diakité Cissé Dicko:2 Boly "
        "Tamboura Dia Tall Kane Bandé"), _FULANI_M, _FULANI_F, 0.005),
    EthnicGroup("senufo", "Senufo/Minianka", _I, _pool(
        "Coulibaly:3 Ouattara:2 Traoré Sanogo:2 Koné:2 Soro Silué Yéo Goïta Dembélé:2 Diarra "
        "Togola Dao Mallé Berthé"), _MANDE_M + _pool("Lassina Zoumana Sibiri"), _MANDE_F,
        0.15, low_confidence=True),
    EthnicGroup("dogon", "Dogon", _I, _pool(
        "Dolo:3 Guindo:3 Togo:2 Tapily Sangara Kassogué Saye Poudiougo Tembely Ongoïba "
        "Karambé Douyon Djimdé Tessougué Yalcouyé Témé Kodio"), _MANDE_M + _FULANI_M,
        _MANDE_F + _FULANI_F, 0.10),
    EthnicGroup("songhai", "Songhai", _I, _pool("Maïga:5 Touré:2 Cissé:2 Haïdara Yattara Koïta"),
        _ZARMA_M, _ZARMA_F, 0.01),
    EthnicGroup("zarma", "Zarma/Songhai", _P, (), _ZARMA_M, _ZARMA_F, 0.005),
    EthnicGroup("hausa", "Hausa", _P, (), _pool(
        "Abdou:3 Moussa:2 Ibrahim:2 Issoufou:2 Mahamadou:2 Sani Souley Oumarou Laouali Maman "
        "Habibou Salissou Chaibou Rabiou Garba Yahaya Idi Hassane Ali Nassirou Bachir"),
        _pool("Hadiza Habsatou Rabi Zeinabou Maïmouna Haoua Fati Balkissa Saadatou Mariama "
              "Safiatou Rahila Aïchatou Hadjara Zouéra"), 0.01),
    EthnicGroup("tuareg", "Tuareg", _T, (), _pool(
        "Mohamed:3 Ahmed:2 Alhousseini Attaher Intalla Alghabass Iyad Bilal Rhissa Aghali "
        "Ibrahim Elmoctar Sidi Mossa Akly Ghaly Acherif Boula"),
        _pool("Fadimata:2 Fatima Khadidja Hawa Lalla Mina Tarifa Tahara Aminatou Safia")),
    EthnicGroup("mossi", "Mossi", _I, _pool(
        "Ouédraogo:6 Sawadogo:4 Savadogo Kaboré:3 Compaoré:2 Zongo:2 Ilboudo Nikiéma:2 "
        "Kafando Zoungrana:2 Tapsoba Yaméogo:2 Bamogo Zida Belem Simporé Sorgho"), _pool(
        "Boukary Salif Issaka Mahamadi Adama Seydou Souleymane Inoussa Rasmané Noufou Lassané "
        "Harouna Issouf Wahabo Pengdwendé Relwendé Wendyam Raogo"), _pool(
        "Awa Bibata Rasmata Salamata Alimata Fatimata Assétou Zénabo Adjaratou Bintou "
        "Balguissa Yassia Aminata Poko"), 0.30),
    EthnicGroup("gourmantche", "Gourmantché", _I, _pool(
        "Lompo:2 Thiombiano:2 Ouoba:2 Tindano Yonli Combary Idani Lankoandé Tankoano Namoano "
        "Onadja Ouali"), _BURKINA_M, _BURKINA_F, 0.35),
    EthnicGroup("bobo", "Bobo/Bwa", _I, _pool(
        "Sanou:3 Sanon Millogo:2 Dembélé Coulibaly Dakuyo Dakouo Kiénou Théra Ouattara Barro"),
        _BURKINA_M, _BURKINA_F, 0.45),
    EthnicGroup("kanuri", "Kanuri", _P, (), _pool(
        "Boukar:2 Kiari:2 Abba:2 Modou Maïna Goni Lawan Bulama Ari Kolo Mamadou Adam Ibrahim"),
        _pool("Yagana Falmata Yakaka Fanna Kaltouma Zara Hadjara"), low_confidence=True),
    EthnicGroup("gurunsi", "Gurunsi", _I, _pool(
        "Bationo:2 Nébié:2 Bayala Bado Bassolé Kantiono Bazié Zoma Yago"), _BURKINA_M,
        _BURKINA_F, 0.50, low_confidence=True),
    EthnicGroup("bissa", "Bissa", _I, _pool("Kéré:2 Guiro Nignan Bara Koanda Lengani Zampou"),
        _BURKINA_M, _BURKINA_F, 0.20, low_confidence=True),
    EthnicGroup("lobi", "Lobi", _I, _pool("Kambou:3 Hien:2 Palenfo Da Kambiré:2 Sib Youl"),
        _BURKINA_M, _BURKINA_F, 0.35, low_confidence=True),
    EthnicGroup("dagara", "Dagara", _I, _pool("Somé:3 Somda:2 Da Kpoda Dabiré Méda Poda Palé"),
        _BURKINA_M, _BURKINA_F, 0.80, low_confidence=True),
    EthnicGroup("dioula", "Dioula", _I, _pool(
        "Ouattara:3 Traoré:2 Coulibaly:2 Sanou Barro Konaté Diabaté Cissé Touré Sanogo"),
        _MANDE_M, _MANDE_F, 0.02, low_confidence=True),
    EthnicGroup("arab", "Arab", _A, (), _pool(
        "Mohamed:3 Ahmed:2 Sidi Mahmoud Abdallah Baba Moulaye Hamma Oumar Mahamat Ahmat Ali"),
        _pool("Fatimata Aïchata Khadija Zeinabou Lalla Mariem Kaltoum Zara"),
        low_confidence=True),
    EthnicGroup("tubu", "Tubu", _P, (), _pool(
        "Barka:2 Chahaï Issa Ali Mahamat:2 Adoum Allatchi Kellé Barkaï Wardougou Abakar Ahmat"),
        _pool("Kaltouma Zara Achta Fatimé Halimé Mariam Hawa Zenaba"), low_confidence=True),
)  # fmt: skip

GROUPS: Mapping[str, EthnicGroup] = {group.key: group for group in _GROUPS}

ETHNIC_SHARES: Mapping[Country, tuple[tuple[str, float], ...]] = {
    # CIA World Factbook 2018. "Other" (6.7) is folded into the listed groups pro rata,
    # except 1.0 given to Arabs (Maure, Kounta) of the north ❓.
    Country.MLI: (
        ("bambara", 33.3), ("fulani", 13.3), ("soninke", 9.8), ("senufo", 9.6),
        ("malinke", 8.8), ("dogon", 8.7), ("songhai", 5.9), ("bobo", 2.1), ("tuareg", 1.7),
        ("arab", 1.0),
    ),
    # 2021 estimate (secondary source ⚠); Dagara, Tuareg/Bella and Dioula from the CIA's
    # 2010 series; the unnamed rest folded in pro rata.
    Country.BFA: (
        ("mossi", 53.7), ("fulani", 6.8), ("gurunsi", 5.9), ("bissa", 5.4),
        ("gourmantche", 5.2), ("bobo", 3.4), ("dagara", 2.4), ("senufo", 2.2),
        ("tuareg", 1.9), ("lobi", 1.5), ("dioula", 0.8),
    ),
    # CIA World Factbook.
    Country.NER: (
        ("hausa", 53.1), ("zarma", 21.2), ("tuareg", 11.0), ("fulani", 6.5), ("kanuri", 5.9),
        ("gourmantche", 0.8), ("arab", 0.4), ("tubu", 0.4),
    ),
}  # fmt: skip

# Where each group mostly lives: region -> affinity (1 = homeland). The population
# module rakes these to the national shares above; unlisted regions get a low floor.
# The hubs (capital, big market towns) draw people of every group. General ethnic
# geography, not census data ❓.
HOMELANDS: Mapping[Country, Mapping[str, Mapping[str, float]]] = {
    Country.MLI: {
        "bambara": {"Koulikoro": 1, "Ségou": 1, "Dioïla": 1, "Bougouni": 0.8, "Bamako": 1,
                    "Kita": 0.5, "San": 0.5, "Nara": 0.5, "Sikasso": 0.4, "Koutiala": 0.3},
        "malinke": {"Kita": 1, "Kayes": 0.5, "Bougouni": 0.6, "Koulikoro": 0.4, "Bamako": 0.5},
        "soninke": {"Kayes": 1, "Nioro": 1, "Nara": 1, "Ségou": 0.3, "San": 0.3, "Bamako": 0.3},
        "fulani": {"Mopti": 1, "Douentza": 1, "Nioro": 0.6, "Ségou": 0.4, "Bandiagara": 0.3,
                   "Bougouni": 0.4, "Tombouctou": 0.3, "Nara": 0.5, "Kayes": 0.3},
        "senufo": {"Sikasso": 1, "Koutiala": 1, "Bougouni": 0.3, "San": 0.3},
        "dogon": {"Bandiagara": 1, "Mopti": 0.4, "Douentza": 0.3, "Ségou": 0.2, "Sikasso": 0.1},
        "songhai": {"Gao": 1, "Tombouctou": 1, "Mopti": 0.3, "Ménaka": 0.3, "Kidal": 0.3},
        "bobo": {"San": 1, "Koutiala": 0.2},
        "tuareg": {"Kidal": 1, "Ménaka": 1, "Gao": 0.6, "Tombouctou": 0.6, "Taoudénit": 1},
        "arab": {"Taoudénit": 1, "Tombouctou": 0.6, "Gao": 0.3, "Kidal": 0.5},
    },
    Country.BFA: {
        "mossi": {"Kadiogo": 1, "Kuilsé": 1, "Yaadga": 1, "Oubri": 1, "Nakambé": 0.3,
                  "Nando": 0.5, "Nazinon": 0.5, "Soum": 0.3, "Sirba": 0.3, "Goulmou": 0.2,
                  "Bankui": 0.2, "Sourou": 0.2, "Guiriko": 0.2},
        "fulani": {"Liptako": 1, "Soum": 1, "Yaadga": 0.3, "Sirba": 0.3, "Kuilsé": 0.2,
                   "Guiriko": 0.2},
        "gurunsi": {"Nando": 1, "Nazinon": 0.6},
        "bissa": {"Nakambé": 1},
        "gourmantche": {"Goulmou": 1, "Sirba": 1, "Tapoa": 1},
        "bobo": {"Guiriko": 1, "Bankui": 1, "Sourou": 0.3},
        "senufo": {"Tannounyan": 1, "Guiriko": 0.5},
        "lobi": {"Djôrô": 1},
        "dagara": {"Djôrô": 1},
        "tuareg": {"Liptako": 1, "Soum": 0.4},
        "dioula": {"Guiriko": 1, "Tannounyan": 1, "Bankui": 0.3},
    },
    Country.NER: {
        "hausa": {"Maradi": 1, "Zinder": 1, "Tahoua": 1, "Dosso": 0.6, "Niamey": 0.5,
                  "Agadez": 0.2, "Diffa": 0.2},
        "zarma": {"Tillabéri": 1, "Dosso": 1, "Niamey": 1},
        "tuareg": {"Agadez": 1, "Tahoua": 0.4, "Tillabéri": 0.2, "Zinder": 0.1},
        "fulani": {"Tillabéri": 0.5, "Diffa": 0.5, "Tahoua": 0.3, "Dosso": 0.3, "Zinder": 0.3,
                   "Maradi": 0.3},
        "kanuri": {"Diffa": 1, "Zinder": 0.4},
        "gourmantche": {"Tillabéri": 1},
        "arab": {"Diffa": 1, "Tahoua": 0.2, "Agadez": 0.3},
        "tubu": {"Diffa": 1, "Agadez": 0.5},
    },
}  # fmt: skip

HUBS: Mapping[Country, tuple[str, ...]] = {
    Country.MLI: ("Bamako", "Ségou", "Sikasso", "Koulikoro", "Kayes"),
    Country.BFA: ("Kadiogo", "Guiriko"),
    Country.NER: ("Niamey", "Maradi", "Zinder"),
}

GIVEN_NAME_COUNT_CDF = (0.40, 0.85, 1.0)
"""Share of people with at most 1, 2, 3 given names ❓ ("2-3 given names are common")."""
NOMAD_GIVEN_NAME_COUNT_CDF = (0.75, 1.0, 1.0)
"""Tuareg and Arab names: mostly one given name before the "Ag"/"Ould" element ❓."""
TWIN_SHARE = 0.015
"""Share of Mossi born in a boy-girl twin pair, who are named Raogo or Poko ❓."""

_PREFIX = {Custom.TUAREG: ("Ag", "Walet"), Custom.ARAB: ("Ould", "Mint")}


def _pick(pool: tuple[str, ...], rng: random.Random) -> str:
    return pool[int(rng.random() * len(pool))]


def given_names(group: EthnicGroup, *, female: bool, rng: random.Random) -> list[str]:
    """One to three distinct given names: twin name first, then a Christian one, then local."""
    pool = group.female if female else group.male
    cdf = NOMAD_GIVEN_NAME_COUNT_CDF if group.custom in _PREFIX else GIVEN_NAME_COUNT_CDF
    u = rng.random()
    count = 1 if u < cdf[0] else 2 if u < cdf[1] else 3
    names: list[str] = []
    if group.key == "mossi" and rng.random() < TWIN_SHARE:
        names.append("Poko" if female else "Raogo")
    if group.christian_share and rng.random() < group.christian_share:
        names.append(_pick(CHRISTIAN_FEMALE if female else CHRISTIAN_MALE, rng))
    while len(names) < count:
        name = _pick(pool, rng)
        if name not in names:
            names.append(name)
    return names


def family_name(group: EthnicGroup, *, female: bool, rng: random.Random, avoid: str = "") -> str:
    """The family name under the group's custom (``avoid``: a father's name to steer clear of)."""
    if group.custom is Custom.INHERITED:
        return _pick(group.family, rng)
    father = _pick(group.male, rng)
    while father == avoid:
        father = _pick(group.male, rng)
    if group.custom is Custom.PATRONYMIC:
        return father
    son_of, daughter_of = _PREFIX[group.custom]
    return f"{daughter_of if female else son_of} {father}"


def draw_name(group: EthnicGroup, *, female: bool, rng: random.Random) -> tuple[str, str]:
    """``(family_name, given_names)`` for one person of ``group``."""
    given = given_names(group, female=female, rng=rng)
    return family_name(group, female=female, rng=rng, avoid=given[0]), " ".join(given)


def husband_family_name(group: EthnicGroup, rng: random.Random) -> str | None:
    """A husband's family name that a wife may carry, or None where the custom has none to give."""
    if group.custom in _PREFIX:
        return None
    return family_name(group, female=False, rng=rng)


# Spelling variants: how another clerk writes the same name. Each pair is an alternation seen
# in the Sahel's registries (Traoré / Traouré, Ouédraogo / Wedraogo, Maïga / Maiga, Keïta /
# Keyta, Coulibaly / Kulibali, Diarra / Jara, Sawadogo / Savadogo, Cissé / Sissé, Diallo /
# Jallo, Thiombiano / Tiombiano, Bah / Ba); see docs/deduplication.md.
_ALTERNATIONS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bou(?=[aeéèio])", "w"),
        (r"\bw(?=[aeéio])", "ou"),
        (r"(?<=[^aeiou])ou(?=[^aeiou])", "u"),
        (r"ao(?=r)", "aou"),
        (r"c(?=[aou])", "k"),
        (r"c(?=[eéi])", "s"),
        (r"\bdi(?=[aeo])", "j"),
        (r"\bdj", "j"),
        (r"\bj(?=[aiou])", "dj"),
        (r"([lrstnmf])\1", r"\1"),
        (r"y\b", "i"),
        (r"ï", "y"),
        (r"v", "w"),
        (r"(?<=a)w(?=a)", "v"),
        (r"(?<=[aeiou])h\b", ""),
        (r"\bth", "t"),
        (r"\btch", "ch"),
        (r"gu(?=[eéi])", "g"),
        (r"amed\b", "ammed"),
        (r"\bag\b", "agg"),
        (r"-", " "),
    )
)
_PLAIN = str.maketrans("éèêëïîâàôöûüç", "eeeeiiaaoouuc")
_VOWELS = "aeiou"


def _capitalised(text: str) -> str:
    return re.sub(r"[^\W\d_]+", lambda word: word[0].capitalize(), text)


def spelling_variant(name: str, rng: random.Random) -> str:
    """``name`` as another clerk may write it: accents dropped, or one or two alternations.

    >>> spelling_variant("Ouédraogo", random.Random(3)) in ("Ouedraogo", "Wédraogo", "Wedraogo")
    True
    """
    text = name.lower()
    if rng.random() < 0.5:
        text = text.translate(_PLAIN)
    for _ in range(1 + int(rng.random() < 0.4)):
        usable = [(p, r) for p, r in _ALTERNATIONS if p.search(text)]
        if not usable:
            break
        pattern, replacement = usable[int(rng.random() * len(usable))]
        text = pattern.sub(replacement, text, count=1)
    return _capitalised(text)


def typo(name: str, rng: random.Random) -> str:
    """``name`` with one slip of the keyboard: two letters swapped, one dropped or a vowel wrong."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 4:
        return name
    chars = list(name)
    kind = rng.random()
    at = letters[1 + int(rng.random() * (len(letters) - 2))]  # neither the first nor the last
    if kind < 0.4 and chars[at + 1].isalpha():
        chars[at], chars[at + 1] = chars[at + 1], chars[at]
    elif kind < 0.7:
        del chars[at]
    elif chars[at] in _VOWELS:
        chars[at] = _VOWELS[int(rng.random() * len(_VOWELS))]
    return _capitalised("".join(chars))
