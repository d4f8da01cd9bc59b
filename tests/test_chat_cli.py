"""Conversations through the real `aisle chat --json` process: one shopper message per input line, every bus event
printed as one JSON object per line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def chat(lines: list[str], catalog: Path, data_dir: Path) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["AISLE_NO_KEYRING"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "app.compose.cli", "chat", "--json", "--catalog", str(catalog),
         "--data-dir", str(data_dir)],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120, cwd=REPO, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert events, proc.stderr
    return events


def calls(events: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(e["data"]["name"], e["data"]["parameters"]) for e in events if e["event"] == "function_call"]


def final_cart(events: list[dict[str, Any]]) -> dict[str, int]:
    contexts = [e for e in events if e["event"] == "context"]
    return {i["product_id"]: i["quantity"] for i in contexts[-1]["data"]["cart"]["items"]}


def test_walk_through_prints_every_event_as_json(demo_catalog_path: Path, tmp_path: Path) -> None:
    events = chat([
        "I need a tent for two under 300 dollars",
        "tell me more about the second one",
        "add two of those to my cart",
        "what goes well with it?",
        "what's in my cart?",
    ], demo_catalog_path, tmp_path / "data")
    for event in events:
        assert set(event) >= {"event", "data", "id", "timestamp"}
        assert isinstance(event["id"], int) and isinstance(event["timestamp"], float)
    assert events[0]["event"] == "session_started"
    ids = [e["id"] for e in events if e["event"] != "session_ended"]
    assert ids == sorted(ids)
    assert sum(e["event"] == "completion" for e in events) == 5
    names = [name for name, _ in calls(events)]
    assert names == ["search_products", "show_product_details", "add_to_cart", "get_recommendations", "view_cart"]
    search = calls(events)[0][1]
    assert search["category"] == "tents" and search["max_price"] == 300
    shown = next(e for e in events if e["event"] == "function_call")["data"]["result"]["products"]
    second = shown[1]["id"]
    assert calls(events)[1][1]["product_id"] == second
    assert calls(events)[2][1] == {"product_id": second, "quantity": 2}
    assert final_cart(events) == {second: 2}
    assert events[-1]["event"] == "session_ended" and events[-1]["data"]["reason"] == "shutdown"
    assert (tmp_path / "data" / "history.db").is_file()


def test_checkout_with_confirmation(demo_catalog_path: Path, tmp_path: Path) -> None:
    events = chat(["a spirit alcohol stove", "add two", "check out", "yes"], demo_catalog_path, tmp_path / "d")
    names = [name for name, _ in calls(events)]
    assert names == ["search_products", "add_to_cart", "view_cart", "checkout"]
    checkout = [e for e in events if e["event"] == "function_call"][-1]["data"]["result"]
    assert checkout["ok"] and checkout["total"] == 49.98
    assert final_cart(events) == {}
    completions = [e["data"]["text"] for e in events if e["event"] == "completion"]
    assert "Shall I place the order?" in completions[2]
    assert checkout["order_number"] in completions[3]


def test_start_over_and_bad_lines(demo_catalog_path: Path, tmp_path: Path) -> None:
    long_line = "x" * 1200
    events = chat(["a spirit alcohol stove", "add it", "", long_line, "start over", "what's in my cart?"],
                  demo_catalog_path, tmp_path / "d")
    rejected = [e for e in events if e["event"] == "error"]
    assert len(rejected) == 1 and "too long" in rejected[0]["data"]["message"]
    ended = [e for e in events if e["event"] == "session_ended"]
    assert ended[0]["data"]["reason"] == "shopper_start_over"
    sessions = {e["session_id"] for e in events if "session_id" in e}
    assert len(sessions) == 2
    assert final_cart(events) == {}
    assert [name for name, _ in calls(events)][-1] == "view_cart"
