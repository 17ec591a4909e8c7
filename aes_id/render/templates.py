"""Card templates: load the declarative TOML layouts and check them against the schema.

A template file names its issuing ``state``, may ``extends`` a shared file, and holds
the tables ``[page]``, ``[colours]``, ``[fonts]``, ``[values]``, ``[format]``,
``[defaults.<type>]`` and the element lists ``[[front]]`` and ``[[back]]`` (see
:mod:`aes_id.render.elements` for the element types and ``card_templates/README.md``
for a designer's guide). Inheritance, in order:

1. the parent's tables are merged key by key, the child's keys winning;
2. a child element whose ``id`` exists in the parent changes that element in place
   (its keys replace the parent's; a different ``type`` replaces it whole), any other
   child element is appended (drawn on top), and ``remove = ["id", ...]`` drops some;
3. ``[defaults.<type>]`` fills the fields an element leaves out.

Every problem raises :class:`TemplateError` naming the file, the element and the
problem: unknown element type or field, missing field, a box outside the page, an
unknown colour, font or placeholder, a glyph the font lacks.
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path
from typing import Any

from aes_id.domain import Country
from aes_id.render.schema import CARD_PLACEHOLDERS, CardTemplate, Page, TemplateError, check

__all__ = [
    "CARD_PLACEHOLDERS",
    "DEFAULT_DIRECTORY",
    "CardTemplate",
    "Page",
    "TemplateError",
    "load_template",
    "load_template_file",
    "template_directory",
]

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "card_templates"
ENV_DIRECTORY = "AES_ID_TEMPLATES"


def template_directory() -> Path:
    """``$AES_ID_TEMPLATES`` if set, else the ``card_templates/`` folder of the checkout."""
    return Path(os.environ.get(ENV_DIRECTORY) or DEFAULT_DIRECTORY)


def load_template(state: Country | str, directory: Path | None = None) -> CardTemplate:
    """The template of one issuing state: ``<directory>/<MLI|BFA|NER>.toml``."""
    country = state if isinstance(state, Country) else Country.parse(state)
    folder = directory or template_directory()
    return load_template_file((folder / f"{country.value}.toml").resolve())


@functools.lru_cache(maxsize=32)
def load_template_file(path: Path) -> CardTemplate:
    """Load, merge (``extends``) and check one template file."""
    raw = _read_merged(path, ())
    return check(path, raw)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise TemplateError(f"{path}: template file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{path.name}: not valid TOML ({exc})") from None


def _read_merged(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    if path in chain:
        raise TemplateError(f"{path.name}: 'extends' loops back to a file already included")
    raw = _read(path)
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        return raw
    if not isinstance(parent_name, str):
        raise TemplateError(f"{path.name}: 'extends' must be a file name, found {parent_name!r}")
    parent_path = (path.parent / parent_name).resolve()
    if not parent_path.is_file():
        raise TemplateError(f"{path.name}: 'extends' names {parent_name!r}, which does not exist")
    parent = _read_merged(parent_path, (*chain, path))
    return _merge(parent, raw, path)


def _merge(parent: dict[str, Any], child: dict[str, Any], path: Path) -> dict[str, Any]:
    """Steps 1 and 2 of the module docstring."""
    merged = dict(parent)
    removed = set(child.pop("remove", []))
    for key, value in child.items():
        if key in ("front", "back"):
            continue
        if isinstance(value, dict) and isinstance(parent.get(key), dict):
            merged[key] = _merge_tables(parent[key], value)
        else:
            merged[key] = value
    for face in ("front", "back"):
        elements = [dict(e) for e in parent.get(face, []) if e.get("id") not in removed]
        by_id = {e.get("id"): i for i, e in enumerate(elements)}
        for extra in child.get(face, []):
            index = by_id.get(extra.get("id"))
            if index is None:
                elements.append(dict(extra))
            elif "type" in extra and extra["type"] != elements[index].get("type"):
                elements[index] = dict(extra)
            else:
                elements[index] = {**elements[index], **extra}
        merged[face] = elements
    unknown = removed - {e.get("id") for face in ("front", "back") for e in parent.get(face, [])}
    if unknown:
        raise TemplateError(
            f"{path.name}: 'remove' names no inherited element: {sorted(unknown)[0]!r}"
        )
    return merged


def _merge_tables(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(parent.get(key), dict):
            merged[key] = _merge_tables(parent[key], value)
        else:
            merged[key] = value
    return merged
