"""Deterministic SVG illustrations for catalog products and category tiles.

Every image is a 320x240 SVG built from plain strings: a soft vertical gradient derived from the product colour, a
simple drawn glyph for the product's category and, for products, the brand's initials in the top-left corner. The
same input always produces byte-identical output, so images can be cached or compared safely, and the result stays
well under 3 KB.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = ["DEFAULT_COLOR", "brand_initials", "render_category_svg", "render_product_svg"]

DEFAULT_COLOR = "#4F7942"
WIDTH = 320
HEIGHT = 240

_HEX_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_ID_SAFE_RE = re.compile(r"[^A-Za-z0-9_-]+")

RGB = tuple[int, int, int]


class _Palette:
    """Colours derived from one base colour: background stops and glyph inks."""

    def __init__(self, color: str) -> None:
        base = _parse_hex(color)
        self.top = _to_hex(_mix(base, (255, 255, 255), 0.72))
        self.bottom = _to_hex(_mix(base, (255, 255, 255), 0.38))
        self.main = _to_hex(_mix(base, (0, 0, 0), 0.35))
        self.deep = _to_hex(_mix(base, (0, 0, 0), 0.6))
        self.accent = _to_hex(_mix(base, (255, 255, 255), 0.85))


def _parse_hex(color: str) -> RGB:
    match = _HEX_RE.match(color.strip()) if isinstance(color, str) else None
    digits = match.group(1) if match else DEFAULT_COLOR[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return r, g, bl


def _to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


# --- category glyphs -------------------------------------------------------------------------------------------
# Each glyph draws inside roughly x 70..250, y 36..206 of the 320x240 canvas.


def _tent(p: _Palette) -> str:
    return (
        f'<path d="M160 64L146 50M70 196L52 202M250 196L268 202" stroke="{p.deep}" stroke-width="3"/>'
        f'<path d="M70 196L160 64L250 196Z" fill="{p.main}"/>'
        f'<path d="M160 104L134 196H186Z" fill="{p.accent}"/>'
        f'<path d="M160 64V104" stroke="{p.deep}" stroke-width="3"/>'
    )


def _sleeping_bag(p: _Palette) -> str:
    return (
        f'<path d="M160 52C194 52 206 80 201 112L190 192Q188 204 160 204Q132 204 130 192L119 112'
        f'C114 80 126 52 160 52Z" fill="{p.main}"/>'
        f'<ellipse cx="160" cy="86" rx="19" ry="15" fill="{p.accent}"/>'
        f'<path d="M124 132H196M127 158H193M130 182H190" stroke="{p.deep}" stroke-width="2"/>'
        f'<path d="M178 108L171 196" stroke="{p.accent}" stroke-width="3" stroke-dasharray="6 5"/>'
    )


def _backpack(p: _Palette) -> str:
    return (
        f'<path d="M138 72V58Q160 42 182 58V72" fill="none" stroke="{p.deep}" stroke-width="8"/>'
        f'<rect x="112" y="70" width="96" height="132" rx="26" fill="{p.main}"/>'
        f'<path d="M112 98Q112 70 138 70H182Q208 70 208 98V112H112Z" fill="{p.deep}"/>'
        f'<path d="M140 112V140M180 112V140" stroke="{p.accent}" stroke-width="5"/>'
        f'<rect x="130" y="140" width="60" height="46" rx="10" fill="{p.accent}"/>'
    )


def _boot(p: _Palette) -> str:
    return (
        f'<path d="M116 62H168L172 138Q214 144 236 160Q248 170 246 186H112Z" fill="{p.main}"/>'
        f'<rect x="110" y="54" width="62" height="14" rx="7" fill="{p.deep}"/>'
        f'<rect x="104" y="184" width="150" height="16" rx="7" fill="{p.deep}"/>'
        f'<path d="M150 82L170 88M150 100L170 106M150 118L172 124M152 136L178 142" stroke="{p.accent}" '
        'stroke-width="4" stroke-linecap="round"/>'
    )


def _jacket(p: _Palette) -> str:
    return (
        f'<path d="M134 62L110 74L84 120L72 178L98 184L112 132V202H208V132L222 184L248 178L236 120L210 74L186 62'
        f'Q160 84 134 62Z" fill="{p.main}"/>'
        f'<path d="M134 62Q140 38 160 36Q180 38 186 62Q160 84 134 62Z" fill="{p.deep}"/>'
        f'<path d="M160 76V202" stroke="{p.accent}" stroke-width="3"/>'
        f'<path d="M126 156H146M174 156H194" stroke="{p.accent}" stroke-width="4" stroke-linecap="round"/>'
    )


def _stove(p: _Palette) -> str:
    return (
        '<path d="M160 56C184 86 186 106 172 122Q160 130 148 122C134 106 140 84 160 56Z" fill="#f08a24"/>'
        '<path d="M160 84C172 100 172 110 165 118Q160 122 155 118C148 110 150 98 160 84Z" fill="#ffd34d"/>'
        f'<path d="M116 128H204" stroke="{p.deep}" stroke-width="6" stroke-linecap="round"/>'
        f'<rect x="144" y="130" width="32" height="22" rx="4" fill="{p.deep}"/>'
        f'<rect x="128" y="150" width="64" height="52" rx="14" fill="{p.main}"/>'
        f'<rect x="128" y="166" width="64" height="14" fill="{p.accent}"/>'
    )


def _headlamp(p: _Palette) -> str:
    return (
        '<path d="M198 116L300 70V190L198 144Z" fill="#fff6c8" fill-opacity=".8"/>'
        f'<ellipse cx="128" cy="130" rx="58" ry="40" fill="none" stroke="{p.deep}" stroke-width="12"/>'
        f'<rect x="158" y="104" width="46" height="52" rx="12" fill="{p.main}"/>'
        f'<circle cx="198" cy="130" r="14" fill="#fff6c8" stroke="{p.accent}" stroke-width="3"/>'
    )


def _bottle(p: _Palette) -> str:
    return (
        f'<path d="M176 52Q198 58 176 68" fill="none" stroke="{p.deep}" stroke-width="5"/>'
        f'<rect x="142" y="46" width="36" height="24" rx="5" fill="{p.deep}"/>'
        f'<path d="M146 68H174V80Q196 88 196 110V192Q196 204 184 204H136Q124 204 124 192V110Q124 88 146 80Z" '
        f'fill="{p.main}"/>'
        f'<rect x="124" y="128" width="72" height="40" fill="{p.accent}"/>'
        '<path d="M136 112V186" stroke="#fff" stroke-opacity=".35" stroke-width="6" stroke-linecap="round"/>'
    )


def _chair(p: _Palette) -> str:
    return (
        f'<path d="M118 156L202 206M202 156L118 206" stroke="{p.deep}" stroke-width="7" stroke-linecap="round"/>'
        f'<rect x="116" y="62" width="88" height="72" rx="8" fill="{p.main}"/>'
        f'<path d="M116 86H204" stroke="{p.accent}" stroke-width="6"/>'
        f'<path d="M106 132H214L204 156H116Z" fill="{p.deep}"/>'
        f'<path d="M98 118H124M196 118H222" stroke="{p.deep}" stroke-width="7" stroke-linecap="round"/>'
    )


def _poles(p: _Palette) -> str:
    return (
        f'<path d="M140 66L124 206M180 66L196 206" stroke="{p.deep}" stroke-width="6" stroke-linecap="round"/>'
        f'<path d="M142 48L138 88M178 48L182 88" stroke="{p.main}" stroke-width="14" stroke-linecap="round"/>'
        f'<path d="M142 46Q124 60 139 74M178 46Q196 60 181 74" fill="none" stroke="{p.accent}" stroke-width="4"/>'
        f'<ellipse cx="126" cy="190" rx="13" ry="4" fill="{p.main}"/>'
        f'<ellipse cx="194" cy="190" rx="13" ry="4" fill="{p.main}"/>'
    )


def _generic(p: _Palette) -> str:
    return (
        f'<path d="M104 96L150 58H216V124L170 170Z" fill="{p.main}"/><circle cx="196" cy="80" r="9" fill="{p.accent}"/>'
    )


_GLYPHS: dict[str, Callable[[_Palette], str]] = {
    "tents": _tent,
    "sleeping-bags": _sleeping_bag,
    "backpacks": _backpack,
    "hiking-boots": _boot,
    "rain-jackets": _jacket,
    "camp-stoves": _stove,
    "headlamps": _headlamp,
    "water-bottles-filters": _bottle,
    "camp-chairs": _chair,
    "trekking-poles": _poles,
}

# --- public API ------------------------------------------------------------------------------------------------


def brand_initials(brand: str) -> str:
    """Return up to two uppercase initials for a brand ("Cedar & Stone" -> "CS", "Northpeak" -> "N")."""
    words = [w for w in re.findall(r"[A-Za-z0-9]+", brand) if w.lower() != "and"]
    return "".join(w[0] for w in words[:2]).upper()


# --- per-product variation -------------------------------------------------------------------------------------
# A category's products share a glyph; a backdrop scene and the glyph's size, place and facing, all chosen from the
# product id, make each one a different drawing rather than the same one recoloured.


def _scene(p: _Palette, kind: int) -> str:
    scenes = (
        f'<path d="M0 206L58 134L104 176L172 104L238 186L278 150L320 178V240H0Z" fill="{p.accent}" '
        f'fill-opacity=".55"/>',
        f'<circle cx="262" cy="58" r="24" fill="{p.accent}"/><circle cx="262" cy="58" r="34" fill="{p.accent}" '
        f'fill-opacity=".35"/>',
        f'<path d="M28 206L48 150L68 206ZM252 206L274 136L296 206Z" fill="{p.accent}"/>',
        f'<path d="M0 214Q80 168 160 204T320 196V240H0Z" fill="{p.accent}" fill-opacity=".6"/>',
        f'<g fill="{p.accent}"><circle cx="46" cy="48" r="5"/><circle cx="88" cy="30" r="3"/>'
        f'<circle cx="270" cy="40" r="4"/><circle cx="236" cy="70" r="3"/></g>',
        f'<path d="M0 92H320M0 124H320" stroke="{p.accent}" stroke-width="10" stroke-opacity=".5"/>',
    )
    return scenes[kind % len(scenes)]


def _variant(key: str) -> tuple[int, str]:
    """(scene, glyph transform) for a product, stable across runs and machines."""
    n = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    scene, n = n % 6, n // 6
    scale, n = (0.8, 0.9, 1.0)[n % 3], n // 3
    shift, n = (-28, -14, 0, 14, 28)[n % 5], n // 5
    facing = -1 if n % 2 else 1
    return scene, (f"translate({160 + shift} 124) scale({facing * scale:g} {scale:g}) translate(-160 -124)")


def _svg(key: str, color: str, glyph: str, label: str, badge: str, vary: bool = False) -> str:
    p = _Palette(color)
    gid = "bg-" + _ID_SAFE_RE.sub("-", key)
    glyph_svg = _GLYPHS.get(glyph, _generic)(p)
    backdrop = ""
    if vary:
        scene, transform = _variant(key)
        backdrop = _scene(p, scene)
        glyph_svg = f'<g transform="{transform}">{glyph_svg}</g>'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={quoteattr(label)}>',
        f"<title>{escape(label)}</title>",
        f'<defs><linearGradient id="{gid}" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{p.top}"/><stop offset="1" stop-color="{p.bottom}"/></linearGradient></defs>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#{gid})"/>',
        backdrop,
        f'<ellipse cx="160" cy="208" rx="112" ry="12" fill="{p.deep}" fill-opacity=".15"/>',
        f'<g fill="none">{glyph_svg}</g>',
    ]
    if badge:
        width = 18 + 13 * len(badge)
        parts.append(
            f'<rect x="12" y="12" width="{width}" height="30" rx="8" fill="{p.deep}" fill-opacity=".85"/>'
            f'<text x="{12 + width / 2:g}" y="33" font-family="sans-serif" font-size="16" font-weight="700" '
            f'text-anchor="middle" fill="#ffffff">{escape(badge)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_product_svg(product: Mapping[str, Any]) -> str:
    """Render a deterministic 320x240 SVG illustration for a catalog product mapping.

    Uses the product's ``category`` for the glyph, ``color`` for the palette, ``brand`` for the corner initials and
    ``name``/``brand`` for the accessible title. Missing or malformed fields fall back to neutral defaults.
    """
    brand = str(product.get("brand") or "")
    name = str(product.get("name") or "")
    label = f"{brand} {name}".strip() or "Product"
    key = str(product.get("id") or name or "product")
    color = str(product.get("color") or DEFAULT_COLOR)
    category = str(product.get("category") or "")
    return _svg(key, color, category, label, brand_initials(brand), vary=True)


def render_category_svg(slug: str, color: str) -> str:
    """Render a deterministic 320x240 SVG tile for a category slug (unknown slugs get a generic tag glyph)."""
    label = slug.replace("-", " ").capitalize() or "Category"
    return _svg("cat-" + slug, color, slug, label, "")
