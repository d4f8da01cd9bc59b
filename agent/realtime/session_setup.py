"""What a realtime session starts with: the assistant's instructions, the options, and the state carried over when a
conversation moves to a new connection (a reconnect or the rotation before the service's session cap)."""

from __future__ import annotations

from dataclasses import dataclass

from agent.realtime import events as rt
from app.session import ShopperSession
from app.tools.schemas import TOOL_SCHEMAS

INSTRUCTIONS = """You are Aisle, the voice shopping assistant on a touchscreen kiosk in an outdoor-gear store.
Be brief and warm: one or two short sentences per reply, spoken naturally. Answer in the shopper's language.
Find products only with the tools, and recommend only products the tools returned; never invent products, prices
or stock. The screen shows what the tools return, so refer to items as "the first one", by name, or "on the screen".
Use product ids exactly as the tools gave them. Before calling checkout, read the order back with view_cart, say the
total and ask the shopper to confirm; call checkout only after they say yes. If a tool returns an error, explain it
simply and offer the suggestions it carries."""


@dataclass(frozen=True)
class RealtimeOptions:
    voice: str = "marin"
    speed: float = 1.0
    turn_detection: str = "server_vad"  # server_vad | semantic_vad | manual
    silence_ms: int = 500
    transcription_model: str | None = "gpt-4o-mini-transcribe"
    token_budget: int = 200_000
    rotate_after_s: float = 25 * 60
    quiet_before_rotate_s: float = 3.0
    turn_timeout_s: float = 45.0
    reconnect_for_s: float = 20.0
    hold_text_for_transcript_s: float = 1.5


def carried_state(session: ShopperSession) -> str:
    """What a new realtime session must know to continue this shopper's conversation."""
    if not session.turns and not session.cart.lines:
        return ""
    lines = ["Continue this conversation; it moved to a new connection. The shopper must not notice."]
    recent = session.turns[-10:]
    if recent:
        lines.append("Recent turns:")
        lines += [f"- {'Shopper' if t.role == 'shopper' else 'You'}: {t.text}" for t in recent]
    shown = list(session.context.products.values())[:10]
    if shown:
        lines.append("Products on the screen (id, name, price): " + "; ".join(
            f"{p['id']} {p.get('brand', '')} {p['name']} ${p['price']}" for p in shown))
    cart = session.cart.to_dict()
    if cart["items"]:
        items = "; ".join(f"{i['quantity']} x {i['product_id']} {i['name']}" for i in cart["items"])
        lines.append(f"Cart: {items}; total ${cart['total']}")
    return "\n".join(lines)


def state_to_carry(session: ShopperSession, exclude_last_turn: bool = False) -> str:
    """`carried_state`, leaving out the last turn when it is the shopper's and is about to be sent again (a typed turn
    retried on the new connection)."""
    turns = session.turns
    if not (exclude_last_turn and turns and turns[-1].role == "shopper"):
        return carried_state(session)
    last = turns.pop()
    try:
        return carried_state(session)
    finally:
        turns.append(last)


def session_config(options: RealtimeOptions, instructions: str, speaks: bool, carried: str = "") -> rt.SessionConfig:
    """What a realtime session is asked to be: the instructions (with the carried state), the voice, the tools and
    turn detection; replies are spoken when a speaker is attached (`speaks`), text otherwise."""
    return rt.SessionConfig(
        instructions=instructions + (f"\n\n{carried}" if carried else ""),
        voice=options.voice,
        speed=options.speed,
        tools=TOOL_SCHEMAS,
        turn_detection=options.turn_detection,  # type: ignore[arg-type]
        silence_ms=options.silence_ms,
        transcription_model=options.transcription_model,
        output_modalities=("audio",) if speaks else ("text",),
    )
