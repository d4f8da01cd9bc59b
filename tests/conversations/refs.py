"""What a dialogue's references mean ("second", "cheapest", "lightest of first and third", "@tent", words of a
name), and how a reply may name a product or state its price."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from app.catalog.schema import Product
from tests.conversations.product_facts import figure, spec_quantities
from tests.conversations.quantities import in_base_unit

if TYPE_CHECKING:
    from tests.conversations.runner import DialogueRun

ORDINALS = {w: i for i, w in enumerate(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"])}
ORDINALS.update({f"{i + 1}{'st' if i == 0 else 'nd' if i == 1 else 'rd' if i == 2 else 'th'}": i for i in range(10)})
ORDINALS["last"] = -1
KIND_WORDS = {"weight": "mass", "brightness": "light", "lumens": "light", "volume": "volume", "capacity": "volume",
              "people": "persons", "warmth": "temp", "temperature": "temp", "width": "length", "runtime": "time",
              "range": "distance", "pressure": "pressure", "length": "length"}


class RefError(AssertionError):
    """A reference the dialogue makes cannot be resolved (a mistake in the dialogue, or nothing was shown)."""


def quantities_of(product: Product, kind: str) -> list[float]:
    values = []
    for q in spec_quantities(product, include_copy=False):
        value, k = in_base_unit(q)
        if k == kind:
            values.append(value)
    return values


SUPERLATIVES = {"cheapest": ("price", min), "priciest": ("price", max), "lightest": ("mass", min),
                "heaviest": ("mass", max), "brightest": ("light", max), "warmest": ("temp", min),
                "biggest": ("volume", max), "roomiest": ("persons", max)}
def resolve_refs(ref: str, run: DialogueRun, listing: list[str]) -> list[str]:
    """The product ids a dialogue's reference may mean: one, or several tied for a superlative (first: canonical)."""
    text = ref.strip()
    products = run.store.products
    if text.startswith("@"):
        if text[1:] not in run.remembered:
            raise RefError(f"nothing was remembered as {text}")
        return [run.remembered[text[1:]]]
    words = text.lower().removesuffix(" shown").removesuffix(" one").strip()
    among = re.fullmatch(rf"({'|'.join(SUPERLATIVES)}) of (.+)", words)
    if among:  # "lightest of first and third": the winner among named refs
        picks = [resolve_ref(r, run, listing) for r in re.split(r"\s*(?:,|\band\b)\s*", among.group(2)) if r]
        return resolve_refs(among.group(1), run, picks)
    if words in ORDINALS or words in SUPERLATIVES:
        if not listing:
            raise RefError(f"'{ref}' refers to a list, but none was shown")
        if words in ORDINALS:
            index = ORDINALS[words]
            if index >= len(listing):
                raise RefError(f"'{ref}': the list has only {len(listing)} products")
            return [listing[index]]
        kind, pick = SUPERLATIVES[words]
        scored = [(figure(products[p], kind), p) for p in listing]
        known = [(v, p) for v, p in scored if v is not None]
        if not known:
            raise RefError(f"'{ref}': no product on the list has a {kind} figure")
        best = pick(v for v, _ in known)
        return [p for v, p in known if abs(v - best) < 1e-9]
    matches = [pid for pid, p in products.items() if words in p.display_name.lower() or words == pid.lower()]
    if not matches:
        raise RefError(f"no product of the {run.store.name} catalog is called '{ref}'")
    in_list = [pid for pid in matches if pid in listing]
    return [(in_list or sorted(matches))[0]]


def resolve_ref(ref: str, run: DialogueRun, listing: list[str]) -> str:
    """The product id a dialogue's reference means."""
    return resolve_refs(ref, run, listing)[0]


def label(product: Product) -> str:
    """The product's name as a person would say it (the brand once, even when the name begins with it)."""
    if product.brand and product.name.lower().startswith(product.brand.lower() + " "):
        return product.name
    return product.display_name


def names_of(product: Product) -> list[str]:
    """How a reply may name a product: in full, without the brand, or by its first two name words."""
    bare = product.name
    if product.brand and bare.lower().startswith(product.brand.lower() + " "):
        bare = bare[len(product.brand) + 1:]
    words = bare.split()
    names = [product.display_name, product.name, bare]
    if len(words) >= 3:
        names.append(" ".join(words[:2]))
    return [n.lower() for n in names]


def named(reply: str, product: Product) -> bool:
    text = reply.lower()
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text) for n in names_of(product))


def price_text(price: float) -> list[str]:
    texts = [f"${price:,.2f}"]
    if price == int(price):
        texts.append(f"${int(price):,}")
    return texts


