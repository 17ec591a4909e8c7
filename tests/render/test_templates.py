"""Card templates: the shipped ones load, inheritance works, broken ones say what is wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aes_id.domain import Country
from aes_id.errors import InputError
from aes_id.render import elements as el
from aes_id.render.templates import (
    DEFAULT_DIRECTORY,
    CardTemplate,
    TemplateError,
    load_template,
    load_template_file,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A private copy of card_templates/ to break."""
    target = tmp_path / "card_templates"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    return target


def broken(folder: Path, extra: str) -> pytest.ExceptionInfo[TemplateError]:
    """Append ``extra`` to MLI.toml and load it, expecting a TemplateError."""
    path = folder / "MLI.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    with pytest.raises(TemplateError) as info:
        load_template_file(path)
    return info


def by_id(template: CardTemplate, face: str, ident: str) -> el.Element:
    elements = template.front if face == "front" else template.back
    return next(e for e in elements if e.id == ident)


@pytest.mark.parametrize("state", list(Country))
def test_every_state_template_loads(state: Country) -> None:
    template = load_template(state)
    assert template.state is state
    assert (template.page.width, template.page.height) == (85.60, 53.98)
    assert template.page.corner_radius == 3.18
    kinds = {type(e) for e in template.front + template.back}
    assert {el.Photo, el.Qr, el.Mrz, el.Flag, el.Emblem, el.Field} <= kinds
    assert template.values["confederation"] == "CONFÉDÉRATION DES ÉTATS DU SAHEL"
    flag = by_id(template, "front", "flag")
    assert isinstance(flag, el.Flag) and flag.state == ""  # the template's own state


def test_state_values_and_overrides() -> None:
    mali, niger = load_template(Country.MLI), load_template("NER")
    assert mali.values["state_name"] == "RÉPUBLIQUE DU MALI"
    assert niger.values["state_name"] == "RÉPUBLIQUE DU NIGER"
    assert load_template("bf").values["state_name"] == "BURKINA FASO"
    assert mali.colours["band3"] == "#CE1126"
    mali_flag, niger_flag = by_id(mali, "front", "flag"), by_id(niger, "front", "flag")
    assert isinstance(mali_flag, el.Flag) and isinstance(niger_flag, el.Flag)
    assert (mali_flag.w, niger_flag.w, niger_flag.h, niger_flag.y) == (10.8, 8.4, 7.2, 2.1)
    # the override changed the flag in place: same position in the drawing order
    assert [e.id for e in mali.front] == [e.id for e in niger.front]


def test_colours_resolve_to_hex_and_defaults_apply() -> None:
    template = load_template(Country.BFA)
    field = by_id(template, "front", "family_name")
    assert isinstance(field, el.Field)
    assert field.value_colour == template.colours["ink"]
    assert field.label_colour == template.colours["label"]
    assert field.label_size == 3.9  # from [defaults.field]
    assert field.value_size == 8.2  # the element's own value wins


def test_child_can_remove_replace_and_append(folder: Path) -> None:
    path = folder / "MLI.toml"
    path.write_text(
        'remove = ["ghost"]\n'
        + path.read_text(encoding="utf-8")
        + '\n[[front]]\nid = "rosette"\ntype = "rect"\nx = 1.0\ny = 1.0\nw = 2.0\nh = 2.0\n'
        + '[[back]]\nid = "stamp"\ntype = "text"\nx = 5.0\ny = 5.0\ntext = "X"\n'
        + 'font = "text"\nsize = 5.0\n',
        encoding="utf-8",
    )
    template = load_template_file(path)
    ids = [e.id for e in template.front]
    assert "ghost" not in ids
    assert isinstance(by_id(template, "front", "rosette"), el.Rect)
    assert template.back[-1].id == "stamp"


def test_template_directory_from_environment(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AES_ID_TEMPLATES", str(folder))
    assert load_template(Country.NER).source == (folder / "NER.toml").resolve()


def element(face: str = "front", **fields: object) -> str:
    """One ``[[face]]`` element as TOML."""
    lines = [f"[[{face}]]"]
    for key, value in fields.items():
        lines.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


BOX = {"id": "box", "type": "rect", "x": 1.0, "y": 1.0, "w": 2.0, "h": 2.0}
TEXT = {"id": "t", "type": "text", "x": 1.0, "y": 5.0, "text": "A", "font": "text", "size": 5.0}
BROKEN_ELEMENTS = {
    "unknown-type": (
        element(id="holo", type="hologram", x=1.0, y=1.0),
        "unknown element type 'hologram'",
    ),
    "missing-field": (
        element(**{k: v for k, v in TEXT.items() if k != "font"}),
        "missing field 'font'",
    ),
    "out-of-page": (element(**{**BOX, "x": 80.0, "w": 10.0}), "outside the 85.6 x 53.98 mm page"),
    "unknown-colour": (element(**BOX, fill="mauve"), "unknown colour 'mauve'"),
    "unknown-font": (element(**{**TEXT, "font": "comic"}), "unknown font 'comic'"),
    "unknown-placeholder": (
        element(**{**TEXT, "text": "{middle_name}"}),
        "unknown placeholder {middle_name}",
    ),
    "wrong-type": (
        element(**{**TEXT, "size": "big"}),
        "field 'size': expected a number, found 'big'",
    ),
    "unknown-field": (element(**BOX, colr="ink"), "unknown field 'colr' for 'rect'"),
    "missing-glyph": (element(**{**TEXT, "text": "✓ ok"}), "font has no glyph for '✓'"),
    "bad-literal": (element(**TEXT, align="middle"), "expected one of 'left', 'centre', 'right'"),
    "opacity": (element(**BOX, opacity=1.5), "opacity must be between 0 and 1"),
    "negative-size": (element(**{**BOX, "w": -2.0}), "field 'w' must be positive"),
    "unknown-flag": (element(**{**BOX, "type": "flag", "state": "GHA"}), "unknown state 'GHA'"),
    "mrz-off-page": (
        element("back", id="m2", type="mrz", x=12.0, y=40.0, font="ocrb"),
        "outside the 85.6 x 53.98 mm page",
    ),
}


@pytest.mark.parametrize(
    ("extra", "expected"), BROKEN_ELEMENTS.values(), ids=BROKEN_ELEMENTS.keys()
)
def test_broken_element_names_file_element_and_problem(
    folder: Path, extra: str, expected: str
) -> None:
    info = broken(folder, extra)
    message = str(info.value)
    assert message.startswith("MLI.toml: ")
    assert expected in message
    assert "(id '" in message  # names the element
    assert "\n" not in message
    assert isinstance(info.value, InputError)


def test_duplicate_ids_are_refused(folder: Path) -> None:
    rect = '[[front]]\nid = "dup"\ntype = "rect"\nx = 1.0\ny = 1.0\nw = 2.0\nh = 2.0\n'
    info = broken(folder, rect + rect)
    assert "unique string 'id'" in str(info.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('extends = "common.toml"\nstate = "MLI"\n[page\n', "not valid TOML"),
        ('extends = "common.toml"\n', "missing 'state'"),
        ('extends = "common.toml"\nstate = "GHA"\n', "unknown state 'GHA'"),
        (
            'extends = "common.toml"\nstate = "MLI"\nremove = ["nothing"]\n',
            "'remove' names no inherited element: 'nothing'",
        ),
        ('extends = "missing.toml"\nstate = "MLI"\n', "'extends' names 'missing.toml'"),
        (
            'extends = "common.toml"\nstate = "MLI"\n[format]\ndate = "YYYY/MM"\n',
            "date must hold DD, MM and YYYY",
        ),
        (
            'extends = "common.toml"\nstate = "MLI"\n[colours]\nink = "black"\n',
            "colour 'ink': expected #RRGGBB",
        ),
        (
            'extends = "common.toml"\nstate = "MLI"\n[fonts]\ntext = "fonts/none.ttf"\n',
            "font 'text': file not found",
        ),
        ('extends = "common.toml"\nstate = "MLI"\nlayout = 1\n', "unknown top-level key 'layout'"),
        (
            'extends = "common.toml"\nstate = "MLI"\n[values]\nnin = "1"\n',
            "'nin' is filled from the card",
        ),
    ],
)
def test_broken_file_is_refused(folder: Path, content: str, expected: str) -> None:
    path = folder / "MLI.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TemplateError, match=r"MLI\.toml") as info:
        load_template_file(path)
    assert expected in str(info.value)


def test_extends_loop_is_refused(folder: Path) -> None:
    (folder / "a.toml").write_text('extends = "b.toml"\nstate = "MLI"\n', encoding="utf-8")
    (folder / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    with pytest.raises(TemplateError, match="loops back"):
        load_template_file(folder / "a.toml")


def test_unknown_state_name_for_loading() -> None:
    with pytest.raises(InputError, match="unknown state"):
        load_template("XYZ")


def test_a_font_reportlab_cannot_embed_is_refused(folder: Path) -> None:
    (folder / "fonts" / "broken.ttf").write_bytes(b"OTTO" + bytes(200))  # not TrueType
    path = folder / "MLI.toml"
    text = path.read_text(encoding="utf-8").replace(
        "[colours]", '[fonts]\ntext = "fonts/broken.ttf"\n\n[colours]'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        TemplateError, match=r"MLI\.toml: font 'text': .*cannot be embedded as TrueType"
    ):
        load_template_file(path)
