"""On an 80-column terminal, tables never cut an identifier (NIN, kid, card number, post code)."""

from __future__ import annotations

import re

from aes_id.cli import common
from tests.cli.conftest import Cli, Issued


def test_the_console_is_80_columns_here() -> None:
    assert common.console.width == 80


def test_residents_show_every_nin_whole(cli: Cli, issued: Issued) -> None:
    cli.ok(
        "enrol",
        "--family-name",
        "Ag Mohamed Ag Intalla Walet Alhousseini",
        "--given-names",
        "Aïssata Fatoumata Bintou Mariam",
        "--dob",
        "1990-05-12",
        "--sex",
        "F",
        "--nationality",
        "MLI",
        "--place-of-birth",
        "Tombouctou",
        "--state",
        "MLI",
        "--region",
        "Tombouctou",
    )
    found = cli.ok("residents", "find", "--state", "MLI", "--json").json()
    table = cli.ok("residents", "find", "--state", "MLI").out
    assert max(len(line) for line in table.splitlines()) <= 80
    for resident in found:
        assert resident["nin"] in table


def test_keys_and_log_show_every_kid_and_card_number_whole(cli: Cli, issued: Issued) -> None:
    kids = [key["kid"] for key in cli.ok("keys", "list", "--json").json()]
    listed = cli.ok("keys", "list").out
    assert kids and all(kid in listed for kid in kids)
    log = cli.ok("audit", "log", "show", "--kind", "card").out
    for card in issued.cards:
        assert card["card_number"] in log
    assert not re.search(r"\b[0-9a-f]{1,15}…", log)


def test_border_posts_show_every_code_whole(cli: Cli) -> None:
    posts = [post["code"] for post in cli.ok("border", "posts", "--json").json()]
    table = cli.ok("border", "posts").out
    assert all(re.search(rf"\b{code}\b", table) for code in posts)
