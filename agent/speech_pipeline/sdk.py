"""What the Azure Speech recogniser and synthesiser share: configuration, our own timeouts, and error mapping.

**Never wait on the SDK without a bound.** A Speech server that accepts the connection and then says nothing makes
the SDK wait ~70-80 s before it reports anything, and a few SDK operations (stopping a recogniser that is still
connecting, destroying one) block for ~10 s. So:

- Every blocking SDK call (`future.get()`, `stop_...().get()`) runs in `call_in_thread`: a *daemon* thread whose
  result comes back to the loop through `call_soon_threadsafe`, awaited with our timeout. Daemon, not the loop's
  default executor: a call the SDK never returns from must not keep `asyncio.run()` (which joins the default
  executor on exit) or the interpreter from ending.
- SDK objects are released in such a thread too (`release_in_thread`): the last reference to a recogniser that is
  still connecting must not be dropped on the loop's thread, where its destructor would freeze the kiosk. Callbacks
  we connect to SDK events never hold SDK objects, so no reference cycle leaves the destructor to the garbage
  collector on an arbitrary thread.

Errors come out as `app.brain.BrainUnavailable`: `permanent` for a rejected key (401/403) or a request the service
will never accept (a bad voice or language), with a message that names the setting to fix; not permanent for
everything a later attempt may cure (refused or silent server, service errors, throttling).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from app.brain import BrainUnavailable

log = logging.getLogger("aisle.agent.speech_pipeline")

T = TypeVar("T")

KEY_SETTING = "AZURE_SPEECH_KEY"
WHERE_SETTINGS = "azure_speech_region / azure_speech_endpoint"
DEFAULT_VOICE = "en-US-AvaMultilingualNeural"  # multilingual: speaks the shopper's language from the text alone


def sdk() -> Any:
    """The Azure Speech SDK module (imported on first use: ~140 ms, and a native library)."""
    import azure.cognitiveservices.speech as speechsdk

    return speechsdk


@dataclass(frozen=True)
class AzureSpeechConfig:
    """Where and how to reach Azure Speech. `endpoint` wins over `region`.

    `endpoint` may be a full service URL (`wss://westeurope.stt.speech.microsoft.com/speech/recognition/...`), a
    resource endpoint (`https://NAME.cognitiveservices.azure.com/`), or a bare `ws://host:port` / `wss://host`
    (used as the SDK's *host*: the SDK adds the standard path for recognition and for synthesis, so one local
    server can play both).
    """

    key: str = field(repr=False)
    region: str = ""
    endpoint: str = ""
    languages: tuple[str, ...] = ("en-US",)  # recognition; several: the service detects which one is spoken

    @property
    def where(self) -> str:
        if self.endpoint:
            return self.endpoint
        return f"region '{self.region}'" if self.region else "(no region or endpoint)"

    def speech_config(self) -> Any:
        """A fresh `SpeechConfig` (the SDK copies it into each recogniser/synthesiser)."""
        speechsdk = sdk()
        if not self.key:
            raise BrainUnavailable(f"Azure Speech needs a key: set {KEY_SETTING}.", permanent=True)
        endpoint = self.endpoint.strip()
        if endpoint:
            parts = urlsplit(endpoint)
            if not parts.scheme or not parts.netloc:
                raise BrainUnavailable(
                    f"azure_speech_endpoint {endpoint!r} is not a URL (e.g. https://NAME.cognitiveservices.azure.com/).",
                    permanent=True,
                )
            if parts.scheme in ("ws", "wss") and parts.path in ("", "/") and not parts.query:
                config = speechsdk.SpeechConfig(host=endpoint.rstrip("/"), subscription=self.key)
            else:
                config = speechsdk.SpeechConfig(endpoint=endpoint, subscription=self.key)
        elif self.region.strip():
            config = speechsdk.SpeechConfig(subscription=self.key, region=self.region.strip())
        else:
            raise BrainUnavailable(
                f"Azure Speech needs a region or an endpoint: set {WHERE_SETTINGS}.", permanent=True
            )
        if len(self.languages) == 1:
            config.speech_recognition_language = self.languages[0]
        return config


def _deliver(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def _post(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: Any) -> None:
    """`call_soon_threadsafe` that tolerates a loop already closed (an SDK call outliving the app)."""
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(fn, *args)


async def call_in_thread(fn: Callable[[], T], timeout_s: float, name: str = "call") -> T:
    """Run blocking `fn` in a daemon thread; raise `TimeoutError` after `timeout_s` (the thread is left to finish)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            value: Any = fn()
        except BaseException as exc:
            _post(loop, _deliver, future, False, exc)
        else:
            _post(loop, _deliver, future, True, value)

    threading.Thread(target=run, name=f"aisle-speech-{name}", daemon=True).start()
    return await asyncio.wait_for(future, timeout_s)


def release_in_thread(fn: Callable[[], None], name: str = "release") -> None:
    """Fire and forget `fn` (which stops/drops SDK objects) in a daemon thread; its failures are only logged."""

    def run() -> None:
        try:
            fn()
        except Exception:
            log.debug("releasing Azure Speech objects failed", exc_info=True)

    threading.Thread(target=run, name=f"aisle-speech-{name}", daemon=True).start()


def short_details(details: str, limit: int = 240) -> str:
    """The SDK's error details without the connection ids and URLs of its later lines."""
    first = (details or "").strip().splitlines()[0] if (details or "").strip() else ""
    for marker in (" SessionId:", " X-ConnectionId:", " USP state:"):
        first = first.split(marker)[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def map_cancellation(code_name: str, details: str, where: str, what: str) -> BrainUnavailable:
    """A `CancellationErrorCode` (by name) as our error. `what` is 'recognition' or 'synthesis'."""
    detail = short_details(details)
    if code_name in ("AuthenticationFailure", "Forbidden"):
        return BrainUnavailable(
            f"Azure Speech refused {KEY_SETTING} ({detail or code_name}). Check {KEY_SETTING} and that it belongs "
            f"to the resource at {where} ({WHERE_SETTINGS}).",
            permanent=True,
        )
    if code_name == "BadRequest":
        setting = "the voice name (setting tts_voice)" if what == "synthesis" else "the recognition language"
        return BrainUnavailable(f"Azure Speech rejected the {what} request ({detail}). Check {setting}.",
                                permanent=True)
    if code_name == "ConnectionFailure":
        return BrainUnavailable(
            f"Cannot reach Azure Speech at {where} ({detail or 'connection failed'}). Check {WHERE_SETTINGS} and "
            "the network."
        )
    if code_name == "ServiceTimeout":
        return BrainUnavailable(f"Azure Speech at {where} timed out during {what} ({detail}). Check the network.")
    if code_name == "TooManyRequests":
        return BrainUnavailable(f"Azure Speech is throttling {what} requests ({detail}); try again shortly.")
    return BrainUnavailable(f"Azure Speech {what} failed at {where}: {code_name} ({detail}).")


def silent_server(where: str, timeout_s: float, what: str) -> BrainUnavailable:
    return BrainUnavailable(
        f"Azure Speech at {where} did not answer within {timeout_s:g} s ({what}). Check {WHERE_SETTINGS} and the "
        "network."
    )
