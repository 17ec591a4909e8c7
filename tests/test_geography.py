"""Regions, state populations and border posts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aes_id.domain import Country
from aes_id.errors import InputError, NotFoundError
from aes_id.geography import (
    PostKind,
    Region,
    border_post,
    border_posts,
    check_region,
    distance_km,
    regions,
    state_population,
)

MALI_2023 = [
    "Kayes",
    "Koulikoro",
    "Sikasso",
    "Ségou",
    "Mopti",
    "Tombouctou",
    "Gao",
    "Kidal",
    "Taoudénit",
    "Ménaka",
    "Nioro",
    "Kita",
    "Nara",
    "Dioïla",
    "Bougouni",
    "Koutiala",
    "San",
    "Bandiagara",
    "Douentza",
]
BURKINA_2025 = [
    "Bankui",
    "Sourou",
    "Tannounyan",
    "Kadiogo",
    "Nakambé",
    "Kuilsé",
    "Nando",
    "Nazinon",
    "Goulmou",
    "Sirba",
    "Tapoa",
    "Guiriko",
    "Yaadga",
    "Oubri",
    "Liptako",
    "Soum",
    "Djôrô",
]
NIGER = ["Agadez", "Diffa", "Dosso", "Maradi", "Tahoua", "Tillabéri", "Zinder", "Niamey"]


def test_region_lists_follow_the_latest_reforms() -> None:
    assert {r.name for r in regions(Country.MLI)} == {*MALI_2023, "Bamako"}
    assert {r.name for r in regions(Country.BFA)} == set(BURKINA_2025)
    assert {r.name for r in regions(Country.NER)} == set(NIGER)


@pytest.mark.parametrize(
    ("state", "census_total", "tolerance"),
    [(Country.MLI, 22_395_485, 10), (Country.BFA, 20_487_979, 0), (Country.NER, 17_138_707, 0)],
)
def test_counts_sum_to_the_census_and_shares_to_one(
    state: Country, census_total: int, tolerance: int
) -> None:
    members = regions(state)
    assert abs(sum(r.population for r in members) - census_total) <= tolerance
    assert sum(r.share for r in members) == pytest.approx(1.0, abs=1e-12)
    assert all(r.share > 0 and r.state is state for r in members)


def test_largest_regions_are_the_capitals() -> None:
    for state, capital in [(Country.MLI, "Bamako"), (Country.BFA, "Kadiogo")]:
        assert max(regions(state), key=lambda r: r.population).name == capital


def test_state_populations() -> None:
    assert state_population(Country.MLI) == 22_395_485
    assert state_population(Country.BFA) == 20_505_155
    assert state_population(Country.NER) == 25_396_840


@pytest.mark.parametrize(
    ("state", "typed", "expected"),
    [
        (Country.MLI, "segou", "Ségou"),
        (Country.MLI, "  SÉGOU ", "Ségou"),
        (Country.MLI, "dioila", "Dioïla"),
        (Country.MLI, "District de Bamako", "Bamako"),
        (Country.MLI, "Nioro du Sahel", "Nioro"),
        (Country.MLI, "Taoudenni", "Taoudénit"),
        (Country.BFA, "ouagadougou", "Kadiogo"),
        (Country.BFA, "Fada N’Gourma", "Goulmou"),
        (Country.BFA, "bobo dioulasso", "Guiriko"),
        (Country.BFA, "Hauts-Bassins", "Guiriko"),
        (Country.BFA, "djoro", "Djôrô"),
        (Country.NER, "Tillabéry", "Tillabéri"),
    ],
)
def test_check_region_is_case_accent_and_punctuation_blind(
    state: Country, typed: str, expected: str
) -> None:
    assert check_region(state, typed).name == expected


def test_every_chef_lieu_finds_its_own_region() -> None:
    for state in Country:
        for region in regions(state):
            assert check_region(state, region.chef_lieu) is region
            assert check_region(state, region.name) is region


def test_a_split_former_region_names_its_successors() -> None:
    with pytest.raises(InputError, match="Goulmou, Sirba, Tapoa"):
        check_region(Country.BFA, "Est")


def test_a_region_of_another_state_is_refused_with_the_valid_list() -> None:
    with pytest.raises(InputError) as caught:
        check_region(Country.NER, "Kayes")
    message = str(caught.value)
    assert "Niger (NER)" in message
    assert all(name in message for name in NIGER)
    assert "\n" not in message


@given(st.sampled_from([r for s in Country for r in regions(s)]), st.randoms())
def test_any_casing_of_a_region_name_matches(region: Region, rnd: random.Random) -> None:
    typed = "".join(c.upper() if rnd.random() < 0.5 else c.lower() for c in region.name)
    assert check_region(region.state, typed) is region


def test_border_posts_pair_up_across_a_border() -> None:
    posts = border_posts()
    assert len(posts) == 11
    assert {p.code for p in posts} >= {"heremakono", "koloko", "sona", "faramana", "kantchari"}
    for post in posts:
        if post.kind is PostKind.LAND:
            partner = border_post(post.paired or "")
            assert partner.paired == post.code
            assert partner.state is not post.state
        else:
            assert post.paired is None and post.iata


def test_sync_policies_order_airports_main_roads_and_remote_posts() -> None:
    airports = [p for p in border_posts() if p.kind is PostKind.AIRPORT]
    land = [p for p in border_posts() if p.kind is PostKind.LAND]
    assert {p.state for p in airports} == set(Country)
    assert all(p.sync_interval.total_seconds() == 3600 and p.offline_chance == 0 for p in airports)
    assert all(p.sync_interval.days >= 1 for p in land)
    assert border_post("labbezanga").sync_interval.days == 7
    assert any(p.offline_days >= 3 for p in land)


def test_coordinates_and_distances() -> None:
    koloko = border_post("koloko")
    assert koloko.lat == pytest.approx(11 + 4 / 60 + 49 / 3600, abs=1e-4)
    assert koloko.lon == pytest.approx(-(5 + 18 / 60 + 36 / 3600), abs=1e-4)
    assert border_post("heremakono").lat is None
    assert border_post("heremakono").position == koloko.position
    assert all(p.position is not None for p in border_posts())
    kantchari_makalondi = distance_km(border_post("kantchari"), border_post("makalondi"))
    assert kantchari_makalondi is not None and 35 < kantchari_makalondi < 55
    bamako_niamey = distance_km(border_post("BKO"), border_post("nim"))
    assert bamako_niamey is not None and 1050 < bamako_niamey < 1150


def test_unknown_post() -> None:
    with pytest.raises(NotFoundError, match="expected one of heremakono"):
        border_post("Gorom-Gorom")


def test_posts_of_one_state() -> None:
    assert {p.code for p in border_posts(Country.NER)} == {"makalondi", "ayorou", "nim"}
