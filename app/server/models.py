"""Request and response shapes of the HTTP API; they are also what the OpenAPI document describes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApiError(BaseModel):
    detail: str = Field(description="What went wrong, in words a person can act on")
    code: str = Field(description="Machine-readable reason, e.g. not_found, invalid_text, rate_limited")


MAX_MESSAGE_CHARS = 1000
# "Contains something that is not whitespace", spelled out so that JSON Schema (ECMA-262), pydantic and Python's
# str.split() — which the conversation uses to collapse whitespace — agree on what blank means.
NOT_BLANK = r"[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


class MessageIn(BaseModel):
    text: str = Field(description="The shopper's message: not blank, at most 1,000 characters",
                      min_length=1, max_length=MAX_MESSAGE_CHARS, pattern=NOT_BLANK,
                      examples=["Show me tents under $300"])


class MessageAccepted(BaseModel):
    session_id: str = Field(description="The session the message went to")
    text: str = Field(description="The message as it was taken (whitespace collapsed)")
    status: str = Field(default="accepted", description="The reply streams on /api/stream/{session_id}")


class SessionSummary(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    started_at: float | None = None
    ended_at: float | None = None
    brain: str | None = None
    end_reason: str | None = None
    order_number: str | None = None
    total: float | None = None
    turn_count: int = 0
    active: bool = False


class SessionList(BaseModel):
    active: str | None = Field(description="The session the kiosk is in now, if any")
    sessions: list[SessionSummary] = Field(description="Recent sessions, newest first")


class Turn(BaseModel):
    role: str
    text: str
    source: str | None = None
    at: float | None = None


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="allow")

    call_id: str | None = None
    name: str
    parameters: Any = None
    result: Any = None
    ok: bool
    duration_ms: float | None = None
    source: str | None = None
    at: float | None = None


class CartLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    product_id: str
    name: str
    brand: str = ""
    unit_price: float
    quantity: int
    line_total: float


class Cart(BaseModel):
    model_config = ConfigDict(extra="allow")

    items: list[CartLine] = Field(default_factory=list)
    total: float = 0.0
    item_count: int = 0
    currency: str = "USD"


class CartOut(BaseModel):
    session_id: str
    active: bool
    cart: Cart


class SessionDetail(SessionSummary):
    turns: list[Turn] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    cart: Cart = Field(default_factory=Cart)
    cart_changes: list[dict[str, Any]] = Field(default_factory=list)
    usage: dict[str, int] = Field(default_factory=dict)


class Product(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    brand: str
    category: str
    price: float
    stock: int | None  # null: the store does not track stock (sellable)
    in_stock: bool
    short_description: str = ""
    image_url: str


class ProductDetail(Product):
    description: str = ""
    specs: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)


class ProductList(BaseModel):
    count: int
    products: list[Product]


class Category(BaseModel):
    slug: str
    name: str


class Health(BaseModel):
    status: str = Field(description="ok, or degraded when a part is not working")
    brain: str
    audio: str
    database: dict[str, str]
    uptime_s: float
    stream_clients: int
