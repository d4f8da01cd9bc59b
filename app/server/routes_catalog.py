"""The catalog routes: search, one product, its picture and photos, the categories."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from app.catalog.schema import PRODUCT_ID_PATTERN
from app.catalog.store import SearchFilters
from app.server import models
from app.server.context import Context
from app.server.errors import ApiProblem, error_responses
from app.tools.toolbox import ToolFailure

PRODUCT_ID = PRODUCT_ID_PATTERN  # the importer refuses ids this cannot serve
ProductId = Annotated[str, PathParam(pattern=PRODUCT_ID, description="A product id, e.g. TNT-1001")]
router = APIRouter()



def _image_url(product_id: str) -> str:
    return f"/api/products/{product_id}/image"


def _product(summary: dict[str, Any]) -> dict[str, Any]:
    return {**summary, "image_url": _image_url(summary["id"])}


# -- catalog ---------------------------------------------------------------------------------------------------
@router.get("/api/products", response_model=models.ProductList, tags=["catalog"],
         responses=error_responses(401, 404, 422))
async def search_products(
    ctx: Context,
    q: Annotated[str, Query(max_length=200, description="Words to search for; empty lists by price")] = "",
    category: Annotated[str | None, Query(max_length=60, description="Category slug or name")] = None,
    max_price: Annotated[float | None, Query(ge=0, le=1_000_000)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> dict[str, Any]:
    """Search the catalog, best matches first. An unknown category answers 404 with the known ones."""
    shopping = ctx.runtime.tools.tools

    def run() -> list[dict[str, Any]]:
        slug = shopping.resolve_category(category) if category else None
        found = ctx.runtime.catalog.search(q, SearchFilters(category=slug, max_price=max_price), limit)
        return [_product(p.summary()) for p in found]

    try:
        products = await ctx.blocking(run)
    except ToolFailure as exc:
        error = exc.result["error"]
        known = ", ".join(error.get("categories", []))
        raise ApiProblem(404, "unknown_category", f"{error['message']} Categories: {known}.") from exc
    return {"count": len(products), "products": products}

@router.get("/api/products/{product_id}", response_model=models.ProductDetail, tags=["catalog"],
         responses=error_responses(401, 404, 422))
async def get_product(ctx: Context, product_id: ProductId) -> dict[str, Any]:
    """One product with its description, specs and tags."""
    catalog = ctx.runtime.catalog
    product = await ctx.blocking(catalog.get, product_id)
    if product is None:
        raise ApiProblem(404, "unknown_product", f"There is no product with id '{product_id}'.")
    photos = (await ctx.blocking(catalog.photo_counts, [product_id])).get(product_id, 0)
    return {**_product(product.details()),
            "photo_urls": [f"/api/products/{product_id}/photos/{i}" for i in range(photos)]}

@router.get("/api/products/{product_id}/image", tags=["catalog"],
         responses={200: {"content": {"image/svg+xml": {}}, "description": "The product's picture (SVG)"},
                    **error_responses(401, 404, 422)})
async def product_image(ctx: Context, product_id: ProductId) -> Response:
    """The product's picture: the store's first photo (a JPEG thumbnail) when it has one, else drawn (SVG)."""
    photo = await ctx.blocking(ctx.runtime.catalog.photo, product_id)
    if photo is not None:
        return Response(photo, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=300"})
    svg = await ctx.blocking(ctx.runtime.catalog.image_svg, product_id)
    if svg is None:
        raise ApiProblem(404, "unknown_product", f"There is no picture for product '{product_id}'.")
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})

@router.get("/api/products/{product_id}/photos/{position}", tags=["catalog"],
         responses={200: {"content": {"image/jpeg": {}}, "description": "One of the store's photos (JPEG)"},
                    **error_responses(401, 404, 422)})
async def product_photo(ctx: Context, product_id: ProductId, position: Annotated[int, PathParam(ge=0, le=100)],
                        size: Annotated[Literal["large", "thumb"], Query()] = "large") -> Response:
    """One of the store's photos of a product: `large` (up to 1024×768) or `thumb` (up to 400×300)."""
    photo = await ctx.blocking(ctx.runtime.catalog.photo, product_id, position, size == "large")
    if photo is None:
        raise ApiProblem(404, "unknown_photo", f"Product '{product_id}' has no photo number {position}.")
    return Response(photo, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=300"})

@router.get("/api/categories", response_model=list[models.Category], tags=["catalog"], responses=error_responses(401))
async def categories(ctx: Context) -> list[dict[str, str]]:
    """The store's categories."""
    found = await ctx.blocking(ctx.runtime.catalog.categories)
    return [{"slug": c.slug, "name": c.name} for c in found]

