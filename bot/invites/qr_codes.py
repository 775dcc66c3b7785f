"""Join links as QR codes: segno encodes, Pillow draws the modules as a black-and-white image."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import segno
from PIL import Image

# segno picks the best of the 8 masks by trying each, in pure Python: 5x the cost of one,
# or minutes for 10,000 letters. Every mask decodes alike (tests decode every page), and a
# random token leaves no long runs for the choice to avoid.
MASK = 4
QUIET_ZONE = 4  # modules of white around the code, as the standard asks

# segno marks a dark module 1; in a grey image dark is 0 and light 255.
_GREY = bytes(255 if value == 0 else 0 for value in range(256))


def qr_modules(link: str) -> tuple[int, bytes]:
    """The QR code of `link`: its side in modules and one grey byte per module."""
    code = segno.make_qr(link, error="m", mask=MASK, boost_error=False)
    return len(code.matrix), b"".join(bytes(row) for row in code.matrix).translate(_GREY)


def qr_image(
    modules: tuple[int, bytes], pixels_per_module: int = 1, quiet_zone: int = 0
) -> Image.Image:
    """Encoded modules as a greyscale image, optionally with a white quiet zone."""
    size, grey = modules
    image = Image.frombytes("L", (size, size), grey)
    if quiet_zone:
        framed = Image.new("L", (size + 2 * quiet_zone,) * 2, 255)
        framed.paste(image, (quiet_zone, quiet_zone))
        image = framed
    if pixels_per_module > 1:
        side = image.size[0] * pixels_per_module
        image = image.resize((side, side), Image.Resampling.NEAREST)
    return image


def write_pngs(
    links: Sequence[str], paths: Sequence[Path], progress: Callable[[int], None] | None = None
) -> None:
    """One PNG per link, 10 pixels a module with a quiet zone, for other mail-merge tools;
    `progress(1)` after each."""
    for link, path in zip(links, paths, strict=True):
        image = qr_image(qr_modules(link), pixels_per_module=10, quiet_zone=QUIET_ZONE)
        image.convert("1").save(path, format="PNG")
        if progress is not None:
            progress(1)
