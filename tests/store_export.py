"""A realistic store export, made on the spot: a JSON file with string prices and image lists written as strings,
a CSV with multi-line fields, large PNG/JPEG photos, Markdown and PDF manuals with spec tables, no stock column.

`make_export(folder)` writes it all and returns the paths; `pdf_with_text(lines)` is a small, real PDF writer (text
layer in Helvetica) so the PDF manual goes through the same reader as a store's.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

TENT_MANUAL_MD = """# Basecamp 4 Family Tent: owner's manual

Thank you for choosing the Basecamp 4.

## Specifications

| Spec | Value |
|------|-------|
| Capacity | 4 persons |
| Shell fabric | 75D polyester taffeta, 3000 mm PU coating |
| Floor | 150D Oxford polyester, 5000 mm |
| Poles | 8.5 mm aluminium (DAC) |
| Packed weight | 6.2 kg |
| Seasons | 3-season (spring, summer, autumn) |

## Setting up

1. Lay the inner tent flat with the door facing away from the wind.
2. Clip the two long poles into the corner grommets and cross them at the top.
3. Hook the inner tent to the poles, then throw the flysheet over and buckle its corners.
Setting up takes about 12 minutes with two people.

## Use in winter

The Basecamp 4 is a three-season tent. It is not designed for snow loads or winter storms; in January use a
four-season tent.

## Care and storage

Dry the tent completely before storing it. Never machine-wash the flysheet.

## Warranty

The Basecamp 4 has a 5-year warranty against manufacturing defects. Keep your receipt.
"""

STOVE_MANUAL_LINES = [
    "PowerBurner Camping Stove - Product Sheet",
    "",
    "TECHNICAL DATA",
    "Output: 3000 W",
    "Fuel: butane/propane cartridge (EN417)",
    "Boil time: 3.5 minutes for 1 litre",
    "Weight: 310 g",
    "Material: stainless steel burner, aluminium pot supports",
    "",
    "LIGHTING THE STOVE",
    "Screw the stove onto the cartridge until hand tight. Open the valve half a turn and press the piezo igniter.",
    "",
    "SAFETY",
    "Never use the stove inside a tent or any closed space: carbon monoxide can kill.",
    "",
    "WARRANTY",
    "The PowerBurner is covered by a 2-year warranty.",
]


def pdf_with_text(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds `lines` (ASCII), written object by object with a correct xref."""
    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 11 Tf 14 TL 50 800 Td " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        "/Contents 4 0 R >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("latin-1")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("latin-1")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("latin-1")
    return bytes(out)


def photo(path: Path, size: tuple[int, int], colour: tuple[int, int, int], seed: int = 1) -> Path:
    """A large photo-like picture: a colour field with noise (so PNGs are megabytes, as real photos are)."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, colour)
    noise = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    image = Image.blend(image, noise, 0.25)
    draw = ImageDraw.Draw(image)
    draw.ellipse((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill=colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, quality=90) if path.suffix.lower() in (".jpg", ".jpeg") else image.save(path)
    return path


@dataclass
class Export:
    folder: Path
    json_file: Path
    csv_file: Path
    tent_colour: tuple[int, int, int] = (200, 30, 40)


def make_export(folder: Path, with_pdf: bool = True) -> Export:
    folder.mkdir(parents=True, exist_ok=True)
    export = Export(folder, folder / "products.json", folder / "products.csv")
    photo(folder / "photos" / "basecamp-front.png", (1600, 1200), export.tent_colour, 1)
    photo(folder / "photos" / "basecamp-side.jpg", (2400, 1800), (30, 90, 200), 2)
    photo(folder / "photos" / "stove.jpg", (1800, 1800), (240, 160, 20), 3)
    (folder / "manuals").mkdir(exist_ok=True)
    (folder / "manuals" / "basecamp-4.md").write_text(TENT_MANUAL_MD, encoding="utf-8")
    if with_pdf:
        (folder / "manuals" / "powerburner.pdf").write_bytes(pdf_with_text(STOVE_MANUAL_LINES))
    products = [
        {"id": "RS-TENT-4", "name": "Basecamp 4 Family Tent", "brand": "Wildway", "category": "Tent",
         "price": "$349.00", "description": "A roomy family tent with two doors and a large porch.\n"
                                            "Colour-coded poles make pitching quick.",
         "images": '["photos/basecamp-front.png", "/photos/basecamp-side.jpg"]', "manual": "manuals/basecamp-4.md"},
        {"id": "RS-STOVE-1", "name": "PowerBurner Camping Stove", "brand": "PowerBurner", "category": "Camp stove",
         "price": "59,95", "short_description": "", "description": "A powerful single-burner gas stove.",
         "image": "/photos/stove.jpg", "manual_url": "manuals/powerburner.pdf" if with_pdf else ""},
        {"id": "RS-MAT-2", "name": "Cloud Sleeping Mat", "brand": "Wildway", "category": "Sleeping mats",
         "price": "89", "description": "A self-inflating mat, 5 cm thick. R-value 4.2, for three seasons.",
         "images": "[]"},
    ]
    export.json_file.write_text(json.dumps({"products": products}, indent=2), encoding="utf-8")
    export.csv_file.write_text(
        "id,name,brand,category,price,description,image\n"
        'RS-BAG-1,Nordic Down Bag,Wildway,Sleeping bag,"$279.50","Roomy\nwarm bag\n\nfor winter",photos/stove.jpg\n'
        'RS-BAG-2,Summer Quilt,Wildway,sleeping-bags,99,"Light, airy quilt",\n',
        encoding="utf-8")
    return export
