"""Subset DejaVu Sans to the letters an AES card prints, and keep it TrueType.

The card prints French and English labels and names from Mali, Burkina Faso and
Niger (Keïta, Ouédraogo, Maïga, Djôrô, Ségou, …). The subset keeps Basic Latin,
Latin-1 Supplement, Latin Extended-A and the usual typographic punctuation, so any
name a registry accepts in Latin script still prints; it drops Greek, Cyrillic,
Arabic and symbols, which cuts each face from ~700 kB to a few tens of kB.

Usage::

    python tools/subset_dejavu.py [--src-dir /usr/share/fonts/truetype/dejavu] [--out-dir DIR]

The output files keep the DejaVu name with an "AES" suffix (the Bitstream Vera
licence allows modified fonts whose names contain neither "Bitstream" nor "Vera").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

DEFAULT_SRC = Path("/usr/share/fonts/truetype/dejavu")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "card_templates" / "fonts"
FACES = {
    "DejaVuSansCondensed.ttf": "DejaVuSansCondensed-AES.ttf",
    "DejaVuSansCondensed-Bold.ttf": "DejaVuSansCondensed-Bold-AES.ttf",
}
UNICODE_RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A
    (0x0218, 0x021B),  # S/T with comma below
    (0x02BC, 0x02BC),  # modifier letter apostrophe
    (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    (0x2116, 0x2116),  # numero sign
)


def subset_face(src: Path, out: Path) -> None:
    """Write ``out``: ``src`` cut to :data:`UNICODE_RANGES`, unhinted (print needs no hints)."""
    options = subset.Options()
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.layout_features = ["kern", "liga"]
    font = TTFont(src)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[cp for lo, hi in UNICODE_RANGES for cp in range(lo, hi + 1)])
    subsetter.subset(font)
    name = font["name"]
    family = str(name.getDebugName(1))
    name.setName(f"{family} AES", 1, 3, 1, 0x409)
    font.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src-dir", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for src_name, out_name in FACES.items():
        out = args.out_dir / out_name
        subset_face(args.src_dir / src_name, out)
        print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
