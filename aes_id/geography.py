"""First-level divisions, state populations and border posts of the three AES states.

Domain data only: no I/O. Region lists follow the latest reforms (Mali 2023,
Burkina Faso 2025, Niger unchanged) and carry census counts so that synthetic
residents can be spread by population; see ``docs/synthetic-population.md`` §3, §5.

Sources of the counts (the shares derived from them sum to 1 per state):

* Mali: RGPH5 2022 final figures by the 20 new regions (INSTAT, as tabulated by
  maliweb.net, 2024). They sum to 22,395,490 against a national 22,395,485.
* Burkina Faso: 5th RGPH 2019 preliminary counts by province (INSD, Dec. 2020;
  total 20,487,979, which the 45 provinces below sum to exactly), summed into
  the 2025 regions. Where a former region was
  split, the province-to-new-region mapping is inferred from the chefs-lieux
  (marked ❓ below), as the July 2025 decrees were not found in full.
* Niger: RGP/H 2012 final counts by region (INS, April 2014; total 17,138,707),
  used as shares only: no later census exists.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from aes_id.domain import Country
from aes_id.errors import InputError, NotFoundError

STATE_POPULATION: Mapping[Country, int] = {
    Country.MLI: 22_395_485,  # RGPH5 2022
    Country.BFA: 20_505_155,  # 5th RGPH 2019, final figures (July 2022)
    Country.NER: 25_396_840,  # CIA World Factbook estimate, 2023
}


def state_population(state: Country) -> int:
    """The resident population of ``state`` (the figure residents are spread by)."""
    return STATE_POPULATION[state]


@dataclass(frozen=True)
class Region:
    """A first-level division: its name, chef-lieu, census count and share of the state."""

    name: str
    state: Country
    chef_lieu: str
    population: int
    share: float
    former: str | None = None
    """Burkina Faso only: the region it belonged to before the 2025 reform."""


# (name, chef-lieu, census count)
_MALI = (
    ("Bamako", "Bamako", 4_227_569),  # District de Bamako
    ("Kayes", "Kayes", 1_840_329),
    ("Koulikoro", "Koulikoro", 2_255_157),
    ("Sikasso", "Sikasso", 1_533_123),
    ("Ségou", "Ségou", 2_455_263),
    ("Mopti", "Mopti", 935_579),
    ("Tombouctou", "Tombouctou", 974_278),
    ("Gao", "Gao", 727_517),
    ("Kidal", "Kidal", 83_194),
    ("Taoudénit", "Taoudénit", 100_358),
    ("Ménaka", "Ménaka", 318_876),
    ("Nioro", "Nioro du Sahel", 678_061),
    ("Kita", "Kita", 681_671),
    ("Nara", "Nara", 307_777),
    ("Dioïla", "Dioïla", 675_965),
    ("Bougouni", "Bougouni", 1_570_979),
    ("Koutiala", "Koutiala", 1_169_882),
    ("San", "San", 820_807),
    ("Bandiagara", "Bandiagara", 868_916),
    ("Douentza", "Douentza", 170_189),
)

# (name, chef-lieu, 2019 count = sum of its provinces, former region)
_BURKINA = (
    # Mouhoun 391,325 + Balé 297,367 + Banwa 345,749 + Nayala 223,090 ❓
    ("Bankui", "Dédougou", 1_257_531, "Boucle du Mouhoun"),
    # Sourou 284,947 + Kossi (now Kossin) 355,655 ❓
    ("Sourou", "Tougan", 640_602, "Boucle du Mouhoun"),
    ("Tannounyan", "Banfora", 812_062, "Cascades"),  # Comoé, Léraba
    ("Kadiogo", "Ouagadougou", 3_032_668, "Centre"),
    ("Nakambé", "Tenkodogo", 1_578_075, "Centre-Est"),  # Boulgou, Koulpélogo, Kouritenga
    ("Kuilsé", "Kaya", 1_872_126, "Centre-Nord"),  # Bam, Namentenga, Sanmatenga
    ("Nando", "Koudougou", 1_659_339, "Centre-Ouest"),  # Boulkiemdé, Sanguié, Sissili, Ziro
    ("Nazinon", "Manga", 788_341, "Centre-Sud"),  # Bazèga, Nahouri, Zoundwéogo
    ("Goulmou", "Fada N'Gourma", 554_914, "Est"),  # Gourma 437,242 + Kompienga 117,672 ❓
    ("Sirba", "Bogandé", 781_481, "Est"),  # Gnagna 675,897 + Komondjari 105,584 ❓
    ("Tapoa", "Diapaga", 605_110, "Est"),  # Tapoa, now split with Dyamongou ❓
    ("Guiriko", "Bobo-Dioulasso", 2_238_375, "Hauts-Bassins"),  # Houet, Kénédougou, Tuy
    ("Yaadga", "Ouahigouya", 1_720_908, "Nord"),  # Loroum, Passoré, Yatenga, Zondoma
    ("Oubri", "Ziniaré", 977_510, "Plateau-Central"),  # Ganzourgou, Kourwéogo, Oubritenga
    ("Liptako", "Dori", 731_274, "Sahel"),  # Séno 404,104 + Oudalan 158,146 + Yagha 169,024 ❓
    ("Soum", "Djibo", 363_633, "Sahel"),  # Soum (now Djelgodji and Karo-Peli) ❓
    ("Djôrô", "Gaoua", 874_030, "Sud-Ouest"),  # Bougouriba, Ioba, Noumbiel, Poni
)

_NIGER = (
    ("Agadez", "Agadez", 487_620),
    ("Diffa", "Diffa", 593_821),
    ("Dosso", "Dosso", 2_037_713),
    ("Maradi", "Maradi", 3_402_094),
    ("Niamey", "Niamey", 1_026_848),  # capital district
    ("Tahoua", "Tahoua", 3_328_365),
    ("Tillabéri", "Tillabéri", 2_722_482),
    ("Zinder", "Zinder", 3_539_764),
)

# Other spellings accepted on input (besides the chef-lieu and accents/case).
_ALIASES: Mapping[Country, Mapping[str, str]] = {
    Country.MLI: {
        "District de Bamako": "Bamako",
        "Taoudéni": "Taoudénit",
        "Taoudenni": "Taoudénit",
        "Timbuktu": "Tombouctou",
        "Menaka": "Ménaka",
    },
    Country.BFA: {},
    Country.NER: {"Tillabéry": "Tillabéri", "Tillabery": "Tillabéri"},
}


def _build() -> dict[Country, tuple[Region, ...]]:
    rows: dict[Country, list[tuple[str, str, int, str | None]]] = {
        Country.MLI: [(n, c, p, None) for n, c, p in _MALI],
        Country.BFA: list(_BURKINA),
        Country.NER: [(n, c, p, None) for n, c, p in _NIGER],
    }
    built: dict[Country, tuple[Region, ...]] = {}
    for state, entries in rows.items():
        total = sum(count for _, _, count, _ in entries)
        built[state] = tuple(
            Region(name, state, chef_lieu, count, count / total, former)
            for name, chef_lieu, count, former in entries
        )
    return built


_REGIONS = _build()


def regions(state: Country) -> tuple[Region, ...]:
    """The first-level divisions of ``state``, capital district first for Mali."""
    return _REGIONS[state]


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-blind key: ``"Fada N’Gourma"`` -> ``"fada n gourma"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    for mark in "-'’_.":
        bare = bare.replace(mark, " ")
    return " ".join(bare.split())


def _lookup_tables() -> tuple[dict[Country, dict[str, Region]], dict[Country, dict[str, str]]]:
    exact: dict[Country, dict[str, Region]] = {}
    split: dict[Country, dict[str, str]] = {}
    for state, members in _REGIONS.items():
        by_name = {region.name: region for region in members}
        table = {_fold(r.chef_lieu): r for r in members}
        table.update({_fold(alias): by_name[name] for alias, name in _ALIASES[state].items()})
        successors: dict[str, list[str]] = {}
        for region in members:
            if region.former:
                successors.setdefault(region.former, []).append(region.name)
        split[state] = {}
        for former, names in successors.items():
            if len(names) == 1:
                table[_fold(former)] = by_name[names[0]]
            else:
                split[state][_fold(former)] = f"{former} was split in 2025 into {', '.join(names)}"
        table.update({_fold(r.name): r for r in members})
        exact[state] = table
    return exact, split


_LOOKUP, _SPLIT = _lookup_tables()


def check_region(state: Country, name: str) -> Region:
    """The region of ``state`` called ``name`` (any case or accents; a chef-lieu also works).

    Raises :class:`InputError` naming the state's regions when there is no match.
    """
    key = _fold(name)
    region = _LOOKUP[state].get(key)
    if region is not None:
        return region
    valid = ", ".join(r.name for r in _REGIONS[state])
    if key in _SPLIT[state]:
        raise InputError(f"region {name!r} of {state.value}: {_SPLIT[state][key]}")
    raise InputError(
        f"region {name!r} is not in {state.name_en} ({state.value}); expected one of {valid}"
    )


class PostKind(enum.Enum):
    LAND = "land"
    AIRPORT = "airport"


@dataclass(frozen=True)
class BorderPost:
    """One side of a crossing (or an airport) with the policy by which it syncs its lists.

    ``sync_interval`` is how often the post refreshes its trust list and
    revocation list while online; ``offline_chance`` is the daily chance that
    its link drops, for ``offline_days`` days at a time. These three are
    simulation assumptions, not published figures.
    """

    code: str
    name: str
    state: Country
    kind: PostKind
    lat: float | None
    lon: float | None
    paired: str | None
    sync_interval: dt.timedelta
    offline_chance: float = 0.0
    offline_days: int = 0
    iata: str | None = None
    note: str = ""

    @property
    def position(self) -> tuple[float, float] | None:
        """Own coordinates, else those of the paired post (a few km away), else None."""
        if self.lat is not None and self.lon is not None:
            return (self.lat, self.lon)
        partner = _POSTS_BY_CODE.get(self.paired or "")
        if partner is not None and partner.lat is not None and partner.lon is not None:
            return (partner.lat, partner.lon)
        return None


def _dms(deg: int, minutes: int, seconds: int = 0, *, negative: bool = False) -> float:
    value = deg + minutes / 60 + seconds / 3600
    return round(-value if negative else value, 5)


_HOUR = dt.timedelta(hours=1)
_DAY = dt.timedelta(days=1)
_M, _B, _N = Country.MLI, Country.BFA, Country.NER
_LAND, _AIR = PostKind.LAND, PostKind.AIRPORT

_POSTS = (
    BorderPost("heremakono", "Hérémakono", _M, _LAND, None, None, "koloko", _DAY, 0.02, 1,
               note="RN8 Sikasso-Bobo; coordinates unknown, a few km from Koloko"),
    BorderPost("koloko", "Koloko", _B, _LAND, _dms(11, 4, 49), _dms(5, 18, 36, negative=True),
               "heremakono", _DAY, 0.05, 2, note="RN8; post attacked on 1 March 2021"),
    BorderPost("sona", "Sona (Koury)", _M, _LAND, 12.2, -4.8, "faramana", 2 * _DAY, 0.05, 2,
               note="RN9 Koutiala-Bobo; police post 3.8 km inside Mali; position ≈ Koury ❓"),
    BorderPost("faramana", "Faramana", _B, _LAND, _dms(12, 2, 41), _dms(4, 40, 9, negative=True),
               "sona", _DAY, 0.03, 1, note="RN9; BF police post 1.2 km from the border"),
    BorderPost("kantchari", "Kantchari", _B, _LAND, _dms(12, 28, 39), _dms(1, 30, 41),
               "makalondi", _DAY, 0.03, 1, note="Ouaga-Fada-Niamey; 17 km from the border"),
    BorderPost("makalondi", "Makalondi", _N, _LAND, _dms(12, 50), _dms(1, 41), "kantchari",
               _DAY, 0.05, 2, note="UEMOA control buildings opened 1 August 2009"),
    BorderPost("labbezanga", "Labbezanga", _M, _LAND, None, None, "ayorou", 7 * _DAY, 0.15, 5,
               note="Gao-Ansongo-Niamey; post withdrawn to Ansongo in Nov 2019; remote"),
    BorderPost("ayorou", "Ayorou", _N, _LAND, _dms(14, 44, 5), _dms(0, 55, 12), "labbezanga",
               3 * _DAY, 0.10, 3, note="about 200 km north-west of Niamey"),
    BorderPost("bko", "Bamako-Sénou (Modibo Keïta International)", _M, _AIR, 12.5335, -7.9499,
               None, _HOUR, iata="BKO", note="ICAO GABS"),
    BorderPost("oua", "Ouagadougou International", _B, _AIR, 12.3532, -1.5124, None, _HOUR,
               iata="OUA", note="ICAO DFFD"),
    BorderPost("nim", "Niamey (Diori Hamani International)", _N, _AIR, 13.4815, 2.1836, None,
               _HOUR, iata="NIM", note="ICAO DRRN"),
)  # fmt: skip
_POSTS_BY_CODE = {post.code: post for post in _POSTS}


def border_posts(state: Country | None = None) -> tuple[BorderPost, ...]:
    """Every border post (or those of ``state``), land crossings first."""
    return tuple(p for p in _POSTS if state is None or p.state is state)


def border_post(code: str) -> BorderPost:
    """The post with this code (case-insensitive; an airport's IATA code also works)."""
    key = code.strip().lower()
    post = _POSTS_BY_CODE.get(key)
    if post is None:
        raise NotFoundError(
            f"no border post {code!r}; expected one of {', '.join(_POSTS_BY_CODE)}",
            hint="list them with `aes-id border posts`",
        )
    return post


EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def distance_km(a: BorderPost, b: BorderPost) -> float | None:
    """Great-circle (haversine) distance between two posts, or None if a position is unknown."""
    pa, pb = a.position, b.position
    if pa is None or pb is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*pa, *pb))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
