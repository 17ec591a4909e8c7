"""Font checks for the PDFs the project writes: every font must be embedded.

A print shop's preflight rejects a PDF that names a font it does not carry (say,
reportlab's default Helvetica, written as a resource even when no text uses it).
Two checks:

* :func:`font_problems`, pure Python, always runs: it parses the file's object
  dictionaries (reportlab and PDFium write them as plain text; object streams are
  inflated) and requires every ``/Type /Font`` dictionary to reach a font program
  (``/FontFile``, ``/FontFile2`` or ``/FontFile3``) through its font descriptor, or
  through its descendant font for a Type 0 font; Type 3 fonts are drawn in the file.
* :func:`pdffonts_rows`, poppler's ``pdffonts``, when it is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

STANDARD_14 = re.compile(r"^(Helvetica|Times|Courier|Symbol|ZapfDingbats)")
FONT_FILES = ("FontFile", "FontFile2", "FontFile3")


@dataclass(frozen=True)
class Name:
    """A PDF name (``/Font``), without its slash."""

    value: str


@dataclass(frozen=True)
class Ref:
    """An indirect reference ``n g R``."""

    number: int


PdfValue = object
_OBJECT = re.compile(rb"(?<![0-9])(\d+)\s+(\d+)\s+obj\b")
_DELIMITERS = b"()<>[]{}/%"
_WHITE = b" \t\r\n\f\x00"


class _Parser:
    """A small PDF object parser: enough for dictionaries, arrays, names and references."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def skip(self) -> None:
        """Past white space and comments."""
        data = self.data
        while self.pos < len(data):
            if data[self.pos] == ord("%"):
                end = data.find(b"\n", self.pos)
                self.pos = len(data) if end < 0 else end + 1
            elif data[self.pos] in _WHITE:
                self.pos += 1
            else:
                return

    def value(self) -> PdfValue:
        self.skip()
        data, pos = self.data, self.pos
        if data.startswith(b"<<", pos):
            return self._dictionary()
        if data.startswith(b"<", pos):
            end = data.index(b">", pos)
            self.pos = end + 1
            return bytes.fromhex(data[pos + 1 : end].decode("ascii"))
        if data.startswith(b"[", pos):
            self.pos += 1
            items: list[PdfValue] = []
            while True:
                self.skip()
                if self.data.startswith(b"]", self.pos):
                    self.pos += 1
                    return items
                items.append(self.value())
        if data.startswith(b"(", pos):
            return self._string()
        if data.startswith(b"/", pos):
            end = pos + 1
            while end < len(data) and data[end] not in _WHITE and data[end] not in _DELIMITERS:
                end += 1
            self.pos = end
            return Name(data[pos + 1 : end].decode("latin-1"))
        reference = re.compile(rb"(\d+)\s+(\d+)\s+R\b").match(data, pos)
        if reference:
            self.pos = reference.end()
            return Ref(int(reference.group(1)))
        token = re.compile(rb"[^\s()<>\[\]{}/%]+").match(data, pos)
        if not token:
            raise ValueError(f"unexpected byte {data[pos : pos + 1]!r} at offset {pos}")
        self.pos = token.end()
        return token.group().decode("latin-1")

    def _dictionary(self) -> dict[str, PdfValue]:
        self.pos += 2
        entries: dict[str, PdfValue] = {}
        while True:
            self.skip()
            if self.data.startswith(b">>", self.pos):
                self.pos += 2
                return entries
            key = self.value()
            if not isinstance(key, Name):
                raise ValueError(f"dictionary key {key!r} is not a name (offset {self.pos})")
            entries[key.value] = self.value()

    def _string(self) -> bytes:
        depth, start = 0, self.pos
        while True:
            byte = self.data[self.pos : self.pos + 1]
            if not byte:
                raise ValueError(f"unterminated string at offset {start}")
            self.pos += 1
            if byte == b"\\":
                self.pos += 1
            elif byte == b"(":
                depth += 1
            elif byte == b")":
                depth -= 1
                if depth == 0:
                    return self.data[start + 1 : self.pos - 1]


def pdf_objects(data: bytes) -> dict[int, PdfValue]:
    """Every numbered object of the file, object streams inflated (later copies win)."""
    objects: dict[int, PdfValue] = {}
    streams: list[tuple[dict[str, PdfValue], int]] = []
    pos = 0
    while True:
        match = _OBJECT.search(data, pos)
        if not match:
            break
        parser = _Parser(data, match.end())
        try:
            value = parser.value()
        except (ValueError, IndexError):  # bytes inside a binary stream that looked like "n g obj"
            pos = match.end()
            continue
        objects[int(match.group(1))] = value
        parser.skip()
        pos = parser.pos
        if isinstance(value, dict) and data.startswith(b"stream", pos):
            start = pos + len(b"stream")
            start += 2 if data.startswith(b"\r\n", start) else 1
            length = value.get("Length")
            if isinstance(length, str):
                if value.get("Type") == Name("ObjStm"):
                    streams.append((value, start))
                pos = start + int(length)
            else:  # an indirect /Length: find the end of the stream by its keyword
                if value.get("Type") == Name("ObjStm"):
                    streams.append((value, start))
                pos = data.index(b"endstream", start)
    for header, start in streams:
        length = header["Length"]
        size = int(length) if isinstance(length, str) else int(str(objects[_ref(length)]))
        body = zlib.decompress(data[start : start + size])
        first = int(str(header["First"]))
        numbers = [int(n) for n in body[:first].split()]
        for number, offset in zip(numbers[::2], numbers[1::2], strict=True):
            objects[number] = _Parser(body, first + offset).value()
    return objects


def _ref(value: PdfValue) -> int:
    assert isinstance(value, Ref), f"expected an indirect reference, found {value!r}"
    return value.number


def _walk(value: PdfValue) -> list[dict[str, PdfValue]]:
    """Every dictionary in ``value``, nested ones included."""
    found: list[dict[str, PdfValue]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@dataclass(frozen=True)
class FontCheck:
    """The fonts a PDF holds (their /BaseFont names) and what is wrong with them."""

    fonts: list[str]
    problems: list[str]


def font_problems(data: bytes) -> FontCheck:
    """Check every font dictionary of the PDF ``data`` for an embedded font program."""
    objects = pdf_objects(data)

    def resolve(value: PdfValue) -> PdfValue:
        return objects.get(value.number) if isinstance(value, Ref) else value

    fonts: list[str] = []
    problems: list[str] = []
    font_dicts = [d for v in objects.values() for d in _walk(v) if d.get("Type") == Name("Font")]

    def descendant(font: dict[str, PdfValue]) -> dict[str, PdfValue]:
        kids = resolve(font.get("DescendantFonts"))
        first = resolve(kids[0]) if isinstance(kids, list) and kids else None
        return first if isinstance(first, dict) else {}

    type0 = [f for f in font_dicts if f.get("Subtype") == Name("Type0")]
    checked_by_parent = {id(descendant(f)) for f in type0}
    for font in font_dicts:
        if id(font) in checked_by_parent:
            continue
        base = font.get("BaseFont")
        name = base.value if isinstance(base, Name) else repr(base)
        fonts.append(name)
        if font.get("Subtype") == Name("Type3"):
            continue  # glyphs drawn by content streams in the file
        if STANDARD_14.match(name.split("+")[-1]):
            problems.append(f"{name}: a standard font, never embedded by reportlab")
        program = descendant(font) if font in type0 else font
        descriptor = resolve(program.get("FontDescriptor"))
        if not isinstance(descriptor, dict):
            problems.append(f"{name}: no /FontDescriptor, so no embedded font program")
        elif not any(key in descriptor for key in FONT_FILES):
            problems.append(f"{name}: its /FontDescriptor has no /FontFile, /FontFile2, /FontFile3")
    return FontCheck(fonts, problems)


def assert_fonts_embedded(data: bytes, *, at_least: int = 1) -> list[str]:
    """Fail unless the PDF has ``at_least`` fonts and every one is embedded; the names."""
    assert data[:5] == b"%PDF-"
    check = font_problems(data)
    assert len(check.fonts) >= at_least, f"expected {at_least}+ fonts, found {check.fonts}"
    assert not check.problems, "fonts not embedded:\n" + "\n".join(check.problems)
    return check.fonts


def pdffonts_rows(path: Path) -> list[dict[str, str]]:
    """``pdffonts path`` as rows (name, type, emb); skips when poppler is not installed."""
    tool = shutil.which("pdffonts")
    if tool is None:
        pytest.skip("pdffonts (poppler-utils) is not installed: only the pure-Python check ran")
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["name", "type", "encoding", "emb"], result.stdout
    rows = []
    for line in lines[2:]:
        # name type… encoding emb sub uni object generation: the type may hold a space
        words = line.split()
        rows.append({"name": words[0], "type": " ".join(words[1:-6]), "emb": words[-5]})
    return rows


def assert_pdffonts_all_embedded(path: Path, *, at_least: int = 1) -> list[str]:
    """Fail unless ``pdffonts`` lists ``at_least`` fonts, every one ``emb yes``."""
    rows = pdffonts_rows(path)
    assert len(rows) >= at_least, f"pdffonts found {len(rows)} fonts in {path.name}"
    bad = [f"{r['name']} ({r['type']})" for r in rows if r["emb"] != "yes"]
    assert not bad, f"pdffonts: not embedded in {path.name}: {bad}"
    return [r["name"] for r in rows]
