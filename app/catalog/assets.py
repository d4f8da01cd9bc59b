"""Finds the photos and manuals an export points at: paths under the assets folder, or http(s) URLs fetched once.

A path is looked up under the assets folder with or without a leading `/` (and never outside it); a URL is
downloaded when the network allows. Anything that cannot be found or fetched becomes a warning naming the row, the
column and why, and the import goes on without it (the drawn picture stays the product's image).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx

log = logging.getLogger("aisle.app.catalog")

MAX_ASSET_BYTES = 40 * 1024 * 1024
FETCH_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Asset:
    """One file's bytes and the name it goes by (for messages and to tell PDFs from text)."""

    name: str
    data: bytes


class AssetMissing(Exception):
    """The message says what was not found and why, in words for the import report."""


def is_url(ref: str) -> bool:
    return ref.lower().startswith(("http://", "https://"))


class AssetSource:
    """Resolves references for one import: a folder for paths, one HTTP client for URLs (if fetching is allowed)."""

    def __init__(self, folder: Path, fetch: bool = True) -> None:
        self.folder = folder.resolve()
        self.fetch = fetch
        self._local = threading.local()  # one HTTP client per worker thread
        self._clients: list[httpx.Client] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients.clear()

    def _client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=FETCH_TIMEOUT_S, follow_redirects=True,
                                  headers={"User-Agent": "Aisle catalog import"})
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def get(self, ref: str) -> Asset:
        return self._download(ref) if is_url(ref) else self._read(ref)

    def _read(self, ref: str) -> Asset:
        relative = unquote(ref.strip().replace("\\", "/")).lstrip("/")
        if relative.startswith("./"):
            relative = relative[2:]
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder):
            raise AssetMissing(f"'{ref}' points outside the assets folder {self.folder}")
        if not path.is_file():
            raise AssetMissing(f"'{ref}' was not found in {self.folder}")
        size = path.stat().st_size
        if size > MAX_ASSET_BYTES:
            raise AssetMissing(f"'{ref}' is {size // 1_048_576} MB, over the {MAX_ASSET_BYTES // 1_048_576} MB limit")
        return Asset(path.name, path.read_bytes())

    def _download(self, url: str) -> Asset:
        if not self.fetch:
            raise AssetMissing(f"{url} was not downloaded (downloads are off for this import)")
        try:
            with self._client().stream("GET", url) as response:
                if response.status_code != 200:
                    raise AssetMissing(f"{url} could not be downloaded (the server answered {response.status_code})")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_ASSET_BYTES:
                        raise AssetMissing(f"{url} is over the {MAX_ASSET_BYTES // 1_048_576} MB limit")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            reason = type(exc).__name__.replace("Error", " error").replace("Exception", "").strip().lower()
            raise AssetMissing(f"{url} could not be downloaded ({reason}: is the network available?)") from exc
        name = Path(urlparse(url).path).name or "download"
        return Asset(name, b"".join(chunks))
