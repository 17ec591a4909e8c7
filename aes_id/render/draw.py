"""Draw one face of a card template onto a reportlab canvas.

Template coordinates are millimetres from the card's top-left corner, y downwards;
the canvas is PDF points from the page's bottom-left, y upwards. A face is drawn at
an origin (the card's bottom-left corner in points), so the same code draws a card
page and a card on an A4 sheet.

Elements that do not depend on the card (backgrounds, flag, emblem, labels) are
grouped, in drawing order, into PDF Form XObjects: drawn once per document and
reused by every card of the same template on the page or in the file.
"""

from __future__ import annotations

import hashlib
import io
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageOps
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from aes_id.domain import Country
from aes_id.errors import InputError
from aes_id.render import elements as el
from aes_id.render import emblem, fonts, qr
from aes_id.render.templates import CARD_PLACEHOLDERS, CardTemplate

MM = 72.0 / 25.4
"""PDF points per millimetre."""
ELLIPSIS = "…"
_LIFT = [min(255, round(v * 255 / 200)) for v in range(256)]
MIN_HORIZONTAL_SCALE = 0.75


class RenderError(InputError):
    """Card data that the template cannot print (a glyph the font lacks, a QR too large)."""


@dataclass(frozen=True)
class FaceData:
    """What varies from card to card: placeholder values, portrait, MRZ, QR text."""

    values: Mapping[str, str]
    photo: Image.Image
    mrz: tuple[str, str, str]
    qr_text: str
    _photos: dict[tuple[int, int, bool], ImageReader] = field(default_factory=dict)

    def photo_reader(self, width_px: int, height_px: int, greyscale: bool) -> ImageReader:
        """The portrait cropped to the box's proportions, resampled and JPEG-encoded once."""
        key = (width_px, height_px, greyscale)
        if key not in self._photos:
            self._photos[key] = _prepare_photo(self.photo, width_px, height_px, greyscale)
        return self._photos[key]


def _prepare_photo(photo: Image.Image, width: int, height: int, greyscale: bool) -> ImageReader:
    """Crop to the box's proportions (keeping the head: centred a little high), resample.

    Bicubic: portraits are usually enlarged to 300 dpi, where it is as sharp as Lanczos
    at half the cost; a ghost image is small, pale and greyscale: bilinear is enough.
    """
    method = Image.Resampling.BILINEAR if greyscale else Image.Resampling.BICUBIC
    image = ImageOps.fit(photo.convert("RGB"), (width, height), method, 0.0, (0.5, 0.4))
    if greyscale:  # a ghost image: light backdrop lifted to white so that no box shows
        image = ImageOps.autocontrast(image.convert("L"), cutoff=1).point(_LIFT)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, optimize=False)
    buffer.seek(0)
    return ImageReader(buffer)


@lru_cache(maxsize=256)
def to_color(hex_colour: str) -> Color:
    """A reportlab colour for ``#RRGGBB`` (parsed once)."""
    return HexColor(hex_colour)


def is_dynamic(element: el.Element) -> bool:
    """Does the element change from card to card?"""
    if isinstance(element, el.Photo | el.Qr | el.Mrz):
        return True
    texts: list[str] = []
    if isinstance(element, el.Text):
        texts = [element.text]
    elif isinstance(element, el.Field):
        texts = [element.label, element.value]
    return any(_placeholders(t) & CARD_PLACEHOLDERS for t in texts)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class FaceDrawer:
    """Draws faces of one template on one canvas, defining each static form once."""

    def __init__(self, canvas: Canvas, template: CardTemplate) -> None:
        self.c = canvas
        self.t = template
        self.width = template.page.width * MM
        self.height = template.page.height * MM
        self._forms: set[str] = set()
        digest = hashlib.sha256(str(template.source).encode()).hexdigest()[:8]
        self._tag = f"{template.state.value}{digest}"  # stable across runs: reproducible PDFs

    def draw(self, face: str, data: FaceData, ox: float = 0.0, oy: float = 0.0) -> None:
        """Draw ``face`` ("front" or "back") with the card's bottom-left at (ox, oy) pt."""
        elements = self.t.front if face == "front" else self.t.back
        c = self.c
        c.saveState()
        c.translate(ox, oy)
        radius = self.t.page.corner_radius * MM
        clip = c.beginPath()
        clip.roundRect(0, 0, self.width, self.height, radius)
        c.clipPath(clip, stroke=0, fill=0)
        for group in _groups(elements):
            if isinstance(group, tuple):
                c.doForm(self._form(face, group))
            else:
                self._element(group, data)
        c.restoreState()
        if self.t.page.outline:
            c.saveState()
            c.setStrokeColor(to_color(self.t.page.outline))
            c.setLineWidth(self.t.page.outline_width * MM)
            c.roundRect(ox, oy, self.width, self.height, radius, stroke=1, fill=0)
            c.restoreState()

    def _form(self, face: str, group: tuple[el.Element, ...]) -> str:
        name = f"{self._tag}_{face}_{group[0].id}"
        if name not in self._forms:
            self.c.beginForm(name, 0, 0, self.width, self.height)
            for element in group:
                self._element(element, None)
            self.c.endForm()
            self._forms.add(name)
        return name

    # -- coordinates ---------------------------------------------------------------
    def px(self, x_mm: float) -> float:
        return x_mm * MM

    def py(self, y_mm: float) -> float:
        return self.height - y_mm * MM

    # -- elements ------------------------------------------------------------------
    def _element(self, element: el.Element, data: FaceData | None) -> None:
        c = self.c
        c.saveState()
        match element:
            case el.Rect():
                self._rect(element)
            case el.Line():
                self._line(element)
            case el.Bands():
                self._bands(element)
            case el.Text():
                self._text(element, data)
            case el.Photo():
                self._photo(element, _need(data))
            case el.Qr():
                self._qr(element, _need(data))
            case el.Mrz():
                self._mrz(element, _need(data))
            case el.Flag():
                state = Country.parse(element.state) if element.state else self.t.state
                self._flag(element, state)
            case el.Emblem():
                size = element.size * MM
                emblem.draw_emblem(
                    c,
                    self.px(element.x),
                    self.py(element.y) - size,
                    size,
                    ring_text=self._fill(element.ring_text, None),
                    ring_font=element.ring_font,
                    opacity=element.opacity,
                    fade=element.fade,
                    fade_to=element.fade_to,
                )
            case el.Guilloche():
                self._guilloche(element)
        c.restoreState()

    def _rect(self, r: el.Rect) -> None:
        c = self.c
        if r.opacity < 1:
            c.setFillAlpha(r.opacity)
            c.setStrokeAlpha(r.opacity)
        if r.fill:
            c.setFillColor(to_color(r.fill))
        if r.stroke:
            c.setStrokeColor(to_color(r.stroke))
            c.setLineWidth(r.stroke_width * MM)
        x, y, w, h = self.px(r.x), self.py(r.y + r.h), r.w * MM, r.h * MM
        stroke, fill = int(bool(r.stroke)), int(bool(r.fill))
        if r.radius:
            c.roundRect(x, y, w, h, r.radius * MM, stroke=stroke, fill=fill)
        else:
            c.rect(x, y, w, h, stroke=stroke, fill=fill)

    def _line(self, line: el.Line) -> None:
        c = self.c
        c.setStrokeColor(to_color(line.colour))
        c.setLineWidth(line.width * MM)
        if line.opacity < 1:
            c.setStrokeAlpha(line.opacity)
        if line.dash:
            c.setDash([d * MM for d in line.dash])
        c.line(self.px(line.x1), self.py(line.y1), self.px(line.x2), self.py(line.y2))

    def _bands(self, bands: el.Bands) -> None:
        n = len(bands.colours)
        for i, colour in enumerate(bands.colours):
            self.c.setFillColor(to_color(colour))
            overlap = 0.02 if i < n - 1 else 0.0  # no hairline gap between bands
            if bands.direction == "vertical":
                x, w = bands.x + i * bands.w / n, bands.w / n + overlap
                self.c.rect(self.px(x), self.py(bands.y + bands.h), w * MM, bands.h * MM, 0, 1)
            else:
                y, h = bands.y + i * bands.h / n, bands.h / n + overlap
                self.c.rect(self.px(bands.x), self.py(y + h), bands.w * MM, h * MM, 0, 1)

    def _flag(self, flag: el.Flag, state: Country) -> None:
        x, y, w, h = self.px(flag.x), self.py(flag.y + flag.h), flag.w * MM, flag.h * MM
        emblem.draw_flag(self.c, state, x, y, w, h)
        if flag.border:
            self.c.setStrokeColor(to_color(flag.border))
            self.c.setLineWidth(flag.border_width * MM)
            self.c.rect(x, y, w, h, stroke=1, fill=0)

    def _fill(self, text: str, data: FaceData | None) -> str:
        values: dict[str, str] = dict(self.t.values)
        if data is not None:
            values.update(data.values)
        return text.format_map(values)

    def _text(self, t: el.Text, data: FaceData | None) -> None:
        text = self._fill(t.text, data)
        if t.uppercase:
            text = text.upper()
        if t.opacity < 1:
            self.c.setFillAlpha(t.opacity)
        self._string(
            text, t.font, t.size, t.colour, t.x, t.y, t.align, t.max_width, t.min_size, t.tracking
        )

    def _string(
        self,
        text: str,
        font: str,
        size: float,
        colour: str,
        x: float,
        y: float,
        align: str,
        max_width: float,
        min_size: float,
        tracking: float,
    ) -> None:
        missing = fonts.missing_glyphs(font, text)
        if missing:
            raise RenderError(f"cannot print {text!r}: the card font has no glyph for {missing!r}")
        size, scale, text = fit_text(text, font, size, max_width * MM, min_size, tracking)
        width = (stringWidth(text, font, size) + tracking * max(len(text) - 1, 0)) * scale
        start = {"left": 0.0, "centre": width / 2, "right": width}[align]
        obj = self.c.beginText(self.px(x) - start, self.py(y))
        obj.setFont(font, size)
        obj.setFillColor(to_color(colour))
        if tracking:
            obj.setCharSpace(tracking)
        if scale < 1:
            obj.setHorizScale(scale * 100)
        obj.textOut(text)
        self.c.drawText(obj)

    def _photo(self, p: el.Photo, data: FaceData) -> None:
        width_px = round(p.w / 25.4 * p.dpi)
        height_px = round(p.h / 25.4 * p.dpi)
        reader = data.photo_reader(width_px, height_px, p.greyscale)
        if p.opacity < 1:
            self.c.setFillAlpha(p.opacity)
        x, y, w, h = self.px(p.x), self.py(p.y + p.h), p.w * MM, p.h * MM
        self.c.drawImage(reader, x, y, w, h)
        if p.border:
            self.c.setFillAlpha(1)
            self.c.setStrokeColor(to_color(p.border))
            self.c.setLineWidth(p.border_width * MM)
            self.c.rect(x, y, w, h, stroke=1, fill=0)

    def _qr(self, q: el.Qr, data: FaceData) -> None:
        symbol = qr.encode(data.qr_text, ec_level=q.ec_level, max_version=q.max_version)
        module = q.size / (symbol.size + 2 * q.quiet_zone)
        if module < q.min_module - 1e-9:
            raise RenderError(
                f"QR version {symbol.version} in {q.size} mm gives {module:.3f} mm modules; "
                f"the template wants at least {q.min_module} mm"
            )
        self.c.setFillColor(to_color(q.light))
        self.c.rect(self.px(q.x), self.py(q.y + q.size), q.size * MM, q.size * MM, 0, 1)
        qz = q.quiet_zone * module
        qr.draw(self.c, symbol, self.px(q.x + qz), self.py(q.y + qz), module * MM, q.dark)

    def _mrz(self, m: el.Mrz, data: FaceData) -> None:
        size = m.pitch * MM / fonts.advance_em(m.font, "<")
        for i, line in enumerate(data.mrz):
            obj = self.c.beginText(self.px(m.x), self.py(m.y + i * m.line_pitch))
            obj.setFont(m.font, size)
            obj.setFillColor(to_color(m.colour))
            obj.textOut(line)
            self.c.drawText(obj)

    def _guilloche(self, g: el.Guilloche) -> None:
        c = self.c
        box = c.beginPath()
        box.rect(self.px(g.x), self.py(g.y + g.h), g.w * MM, g.h * MM)
        c.clipPath(box, stroke=0, fill=0)
        c.translate(self.px(g.x), self.py(g.y + g.h))
        c.scale(MM, MM)
        c.setStrokeColor(to_color(g.colour))
        c.setLineWidth(g.line_width)
        if g.opacity < 1:
            c.setStrokeAlpha(g.opacity)
        c.addLiteral(emblem.guilloche_ops(g.pattern, g.w, g.h, g.count, g.amplitude, g.wavelength))


def _need(data: FaceData | None) -> FaceData:
    if data is None:  # a dynamic element never lands in a static form
        raise AssertionError("card data needed outside a static form")
    return data


def _expand(element: el.Element) -> list[el.Element]:
    """A field is its label and its value: two texts (so the label can go in a form)."""
    if not isinstance(element, el.Field):
        return [element]
    label = el.Text(
        id=f"{element.id}.label",
        x=element.x,
        y=element.y,
        text=element.label,
        font=element.label_font,
        size=element.label_size,
        colour=element.label_colour,
        max_width=element.w,
    )
    value = el.Text(
        id=f"{element.id}.value",
        x=element.x,
        y=element.y + element.gap,
        text=element.value,
        font=element.value_font,
        size=element.value_size,
        colour=element.value_colour,
        max_width=element.w,
        min_size=element.min_value_size,
        uppercase=element.uppercase,
    )
    return [label, value]


def _groups(elements: tuple[el.Element, ...]) -> list[tuple[el.Element, ...] | el.Element]:
    """Consecutive static elements as tuples (one form each), dynamic ones alone."""
    groups: list[tuple[el.Element, ...] | el.Element] = []
    run: list[el.Element] = []
    for element in (part for whole in elements for part in _expand(whole)):
        if is_dynamic(element):
            if run:
                groups.append(tuple(run))
                run = []
            groups.append(element)
        else:
            run.append(element)
    if run:
        groups.append(tuple(run))
    return groups


def fit_text(
    text: str, font: str, size: float, max_width: float, min_size: float, tracking: float = 0.0
) -> tuple[float, float, str]:
    """(font size, horizontal scale, text) that fit ``max_width`` points (0: no limit).

    First a smaller size (not below ``min_size``), then horizontal condensing (not below
    75 %), then the text is cut and ends with an ellipsis.
    """

    def width(s: str, sz: float) -> float:
        return float(stringWidth(s, font, sz)) + tracking * max(len(s) - 1, 0)

    if not max_width or width(text, size) <= max_width:
        return size, 1.0, text
    if min_size and min_size < size:
        size = max(min_size, size * max_width / width(text, size))
    scale = min(1.0, max_width / width(text, size))
    if scale >= MIN_HORIZONTAL_SCALE:
        return size, scale, text
    scale = MIN_HORIZONTAL_SCALE
    while len(text) > 1 and width(text + ELLIPSIS, size) * scale > max_width:
        text = text[:-1]
    return size, scale, text.rstrip() + ELLIPSIS


def describe_groups(template: CardTemplate, face: str) -> list[str]:
    """Debug aid: the face's drawing groups ("form: a, b" / "card: c")."""
    elements = template.front if face == "front" else template.back
    out = []
    for group in _groups(elements):
        if isinstance(group, tuple):
            out.append("form: " + ", ".join(e.id for e in group))
        else:
            out.append(f"card: {group.id}")
    return out
