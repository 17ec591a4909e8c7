"""The synthetic population: determinism, published shapes, valid fields and naming customs."""

from __future__ import annotations

import collections
import datetime as dt
import re
import statistics
from itertools import islice

import pytest

from aes_id.domain import Country, Sex
from aes_id.geography import STATE_POPULATION, check_region, regions
from aes_id.simulate.names import ETHNIC_SHARES, GROUPS, HOMELANDS, HUBS, Custom
from aes_id.simulate.population import (
    BLOCK,
    MEDIAN_AGE,
    SyntheticPerson,
    age_pyramid,
    enrolled_median_age,
    ethnic_mix,
    generate,
)

TODAY = dt.date(2026, 3, 14)
ByState = dict[Country, list[SyntheticPerson]]
NAME = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")  # letters (with diacritics), ' -


@pytest.fixture(scope="module")
def everyone() -> list[SyntheticPerson]:
    return list(generate(30_000, seed=2026, today=TODAY))


@pytest.fixture(scope="module")
def by_state() -> ByState:
    return {s: list(generate(12_000, seed=11, state=s, today=TODAY)) for s in Country}


def test_same_seed_same_people_and_another_seed_others() -> None:
    first = list(generate(300, seed=5, today=TODAY))
    assert first == list(generate(300, seed=5, today=TODAY))
    other = list(generate(300, seed=6, today=TODAY))
    assert sum(a == b for a, b in zip(first, other, strict=True)) == 0
    assert len({p.biometric_seed for p in first + other}) == 600


def test_person_i_does_not_depend_on_how_the_stream_is_cut() -> None:
    whole = list(generate(BLOCK + 200, seed=9, today=TODAY))
    tail = list(generate(300, seed=9, today=TODAY, start=BLOCK - 100))
    assert tail == whole[BLOCK - 100 :]
    assert [p.index for p in tail] == list(range(BLOCK - 100, BLOCK + 200))
    assert list(islice(generate(10**9, seed=9, today=TODAY), 50)) == whole[:50]


def test_a_fixed_state_only_gives_residents_of_it(by_state: ByState) -> None:
    for state, people in by_state.items():
        assert {p.state for p in people} == {state}


def test_states_in_proportion_to_their_populations(everyone: list[SyntheticPerson]) -> None:
    counts = collections.Counter(p.state for p in everyone)
    total = sum(STATE_POPULATION.values())
    for state, population in STATE_POPULATION.items():
        assert counts[state] / len(everyone) == pytest.approx(population / total, abs=0.015)


def test_regions_are_valid_and_weighted_by_population(by_state: ByState) -> None:
    for state, people in by_state.items():
        counts = collections.Counter(p.region for p in people)
        for name in counts:
            assert check_region(state, name).name == name
        largest = max(regions(state), key=lambda r: r.population)
        assert counts[largest.name] / len(people) == pytest.approx(largest.share, abs=0.02)


def test_the_model_pyramid_has_the_published_median_ages() -> None:
    for state, median in MEDIAN_AGE.items():
        pyramid = age_pyramid(state)
        assert sum(pyramid) == pytest.approx(1.0)
        below, age = 0.0, 0
        while below + pyramid[age] < 0.5:
            below += pyramid[age]
            age += 1
        assert age + (0.5 - below) / pyramid[age] == pytest.approx(median, abs=0.05)
    assert sum(age_pyramid(Country.MLI)[:15]) == pytest.approx(0.472, abs=0.01)  # RGPH5
    assert sum(age_pyramid(Country.BFA)[65:]) == pytest.approx(0.034, abs=0.005)  # RGPH 2019


def test_enrolled_ages_follow_the_pyramid_truncated_at_five(by_state: ByState) -> None:
    for state, people in by_state.items():
        ages = [p.date_of_birth.age_on(TODAY) for p in people]
        assert min(ages) >= 5 and max(ages) <= 100
        expected = enrolled_median_age(state)
        assert expected == pytest.approx(MEDIAN_AGE[state] + 4.5, abs=1.0)
        assert statistics.median(ages) == pytest.approx(expected, abs=1.0)


def test_sex_ratio_and_no_unspecified_sex(by_state: ByState) -> None:
    women = {s: sum(p.sex is Sex.F for p in ps) / len(ps) for s, ps in by_state.items()}
    assert women[Country.BFA] == pytest.approx(0.517, abs=0.015)
    assert women[Country.MLI] == pytest.approx(0.497, abs=0.015)
    assert all(p.sex is not Sex.X for ps in by_state.values() for p in ps)


def test_unknown_birth_day_or_month_only_among_older_people(
    everyone: list[SyntheticPerson],
) -> None:
    partial = [p for p in everyone if not p.date_of_birth.is_complete]
    assert partial, "some older residents should have an unknown day or month"
    assert all(p.date_of_birth.year < 1980 for p in partial)
    assert any(p.date_of_birth.month == 0 for p in partial)
    older = [p for p in everyone if p.date_of_birth.year < 1980]
    assert 0.03 < len(partial) / len(older) < 0.15


def test_every_name_and_place_is_valid(everyone: list[SyntheticPerson]) -> None:
    for p in everyone:
        assert NAME.match(p.family_name) and len(p.family_name) <= 60, p
        assert NAME.match(p.given_names) and len(p.given_names) <= 90, p
        assert 1 <= len(p.given_names.split()) <= 3, p
        assert all(c.isalpha() or c in " '-" for c in p.place_of_birth), p


def test_every_pool_name_is_valid() -> None:
    for group in GROUPS.values():
        for name in (*group.family, *group.male, *group.female):
            assert NAME.match(name), (group.key, name)


def test_place_of_birth_is_a_chef_lieu_of_the_nationality_state(
    everyone: list[SyntheticPerson],
) -> None:
    chefs_lieux = {s.value: {r.chef_lieu for r in regions(s)} for s in Country}
    for p in everyone:
        assert p.place_of_birth in chefs_lieux[p.nationality], p
    at_home = sum(p.place_of_birth == check_region(p.state, p.region).chef_lieu for p in everyone)
    assert 0.8 < at_home / len(everyone) < 0.95


def test_mostly_nationals_with_a_few_from_other_aes_states(
    everyone: list[SyntheticPerson],
) -> None:
    foreign = [p for p in everyone if p.nationality != p.state.value]
    assert 0.005 < len(foreign) / len(everyone) < 0.02
    assert {p.nationality for p in foreign} <= {"MLI", "BFA", "NER"}


def test_hausa_family_name_is_the_fathers_given_name(by_state: ByState) -> None:
    fathers = set(GROUPS["hausa"].male)
    hausa = [p for p in by_state[Country.NER] if p.ethnic_group == "Hausa"]
    assert len(hausa) > 4000
    for p in hausa:
        assert p.family_name in fathers, p
        assert p.family_name != p.given_names.split()[0], p
    assert len({p.family_name for p in hausa}) == len(fathers)


def test_tuareg_men_are_ag_and_women_walet_their_father(by_state: ByState) -> None:
    fathers = set(GROUPS["tuareg"].male)
    tuareg = [p for p in by_state[Country.NER] if p.ethnic_group == "Tuareg"]
    assert len(tuareg) > 800
    for p in tuareg:
        prefix, father = p.family_name.split(" ", 1)
        assert prefix == ("Ag" if p.sex is Sex.M else "Walet"), p
        assert father in fathers, p


def test_mossi_twins_and_common_family_names(by_state: ByState) -> None:
    mossi = [p for p in by_state[Country.BFA] if p.ethnic_group == "Mossi"]
    firsts = collections.Counter((p.sex, p.given_names.split()[0]) for p in mossi)
    assert firsts[(Sex.M, "Raogo")] > 0 and firsts[(Sex.F, "Poko")] > 0
    families = collections.Counter(p.family_name for p in mossi)
    assert families.most_common(1)[0][0] == "Ouédraogo"


def test_some_burkinabe_wives_carry_their_husbands_name(by_state: ByState) -> None:
    people = [p for ps in by_state.values() for p in ps]
    married = [p for p in people if p.birth_family_name is not None]
    assert married
    for p in married:
        assert p.nationality == "BFA" and p.sex is Sex.F, p
        assert p.date_of_birth.age_on(TODAY) >= 20, p
        assert p.birth_family_name != p.family_name


def test_ethnic_mix_keeps_the_national_shares_and_places_groups() -> None:
    for state, shares in ETHNIC_SHARES.items():
        total = sum(w for _, w in shares)
        mix = ethnic_mix(state)
        for key, share in shares:
            national = sum(r.share * mix[r.name][key] for r in regions(state))
            assert national == pytest.approx(share / total, abs=1e-6)
        for region in regions(state):
            assert sum(mix[region.name].values()) == pytest.approx(1.0)
    assert max(ethnic_mix(Country.NER)["Diffa"].items(), key=lambda kv: kv[1])[0] == "kanuri"
    assert max(ethnic_mix(Country.NER)["Agadez"].items(), key=lambda kv: kv[1])[0] == "tuareg"
    assert max(ethnic_mix(Country.BFA)["Tapoa"].items(), key=lambda kv: kv[1])[0] == "gourmantche"


def test_name_tables_refer_to_real_groups_and_regions() -> None:
    for state in Country:
        names = {r.name for r in regions(state)}
        assert {key for key, _ in ETHNIC_SHARES[state]} <= set(GROUPS)
        assert set(HOMELANDS[state]) <= {key for key, _ in ETHNIC_SHARES[state]}
        for affinities in HOMELANDS[state].values():
            assert set(affinities) <= names, set(affinities) - names
        assert set(HUBS[state]) <= names


def test_customs_cover_every_patronymic_group() -> None:
    patronymic = {k for k, g in GROUPS.items() if g.custom is Custom.PATRONYMIC}
    assert {"hausa", "zarma"} <= patronymic
    assert all(not GROUPS[k].family for k in patronymic)


def test_fields_pass_the_registry_validation() -> None:
    enrol = pytest.importorskip("aes_id.registry.enrol")
    for person in generate(500, seed=3, today=TODAY):
        checked = enrol.demographics_from_fields(person.fields(), today=TODAY)
        assert checked.family_name == person.family_name
        assert checked.region == person.region
        assert checked.date_of_birth == person.date_of_birth


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="n and start"):
        list(generate(-1, seed=1, today=TODAY))


def test_ages_are_exact_even_on_a_leap_day() -> None:
    leap_day = dt.date(2028, 2, 29)
    for person in generate(3_000, seed=4, today=leap_day):
        assert 5 <= person.date_of_birth.age_on(leap_day) <= 100, person
        assert person.date_of_birth.earliest() <= leap_day
