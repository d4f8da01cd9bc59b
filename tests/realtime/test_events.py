"""The parse table (GA and beta names into the same types) and the client event builders of both dialects."""

from __future__ import annotations

import base64
import json

import pytest

from agent.realtime import events as ev
from agent.realtime.events import Dialect, SessionConfig

AUDIO = base64.b64encode(b"\x01\x00\x02\x00").decode()


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("response.audio.delta", ev.AudioDelta),
        ("response.output_audio.delta", ev.AudioDelta),
        ("response.audio.done", ev.AudioDone),
        ("response.output_audio.done", ev.AudioDone),
        ("response.audio_transcript.delta", ev.TranscriptDelta),
        ("response.output_audio_transcript.delta", ev.TranscriptDelta),
        ("response.audio_transcript.done", ev.TranscriptDone),
        ("response.output_audio_transcript.done", ev.TranscriptDone),
        ("response.text.delta", ev.TextDelta),
        ("response.output_text.delta", ev.TextDelta),
        ("response.text.done", ev.TextDone),
        ("response.output_text.done", ev.TextDone),
        ("conversation.item.created", ev.ItemAdded),
        ("conversation.item.added", ev.ItemAdded),
    ],
)
def test_beta_and_ga_names_parse_to_the_same_type(wire: str, expected: type[ev.ServerEvent]) -> None:
    event = ev.parse_server_event({"type": wire, "delta": AUDIO, "item_id": "item_1", "item": {"id": "item_1"}})
    assert type(event) is expected
    assert ev.normalise_type(wire) == expected.TYPE


def test_every_beta_rename_of_the_guide_is_in_the_table() -> None:
    assert ev.BETA_TO_GA == {
        "response.audio.delta": "response.output_audio.delta",
        "response.audio.done": "response.output_audio.done",
        "response.audio_transcript.delta": "response.output_audio_transcript.delta",
        "response.audio_transcript.done": "response.output_audio_transcript.done",
        "response.text.delta": "response.output_text.delta",
        "response.text.done": "response.output_text.done",
        "conversation.item.created": "conversation.item.added",
    }
    assert ev.normalise_type("session.created") == "session.created"
    assert ev.normalise_type("something.new") == "something.new"


def test_audio_delta_is_decoded_pcm() -> None:
    event = ev.parse_server_event(
        json.dumps(
            {
                "type": "response.output_audio.delta",
                "response_id": "resp_1",
                "item_id": "item_1",
                "output_index": 0,
                "content_index": 0,
                "delta": AUDIO,
            }
        )
    )
    assert isinstance(event, ev.AudioDelta)
    assert event.pcm == b"\x01\x00\x02\x00"
    assert event.samples == 2
    assert (event.response_id, event.item_id, event.content_index) == ("resp_1", "item_1", 0)
    assert "pcm" not in repr(event)


def test_response_done_lists_every_function_call() -> None:
    event = ev.parse_server_event(
        {
            "type": "response.done",
            "response": {
                "id": "resp_1",
                "status": "completed",
                "output": [
                    {"id": "i1", "type": "function_call", "call_id": "c1", "name": "search", "arguments": "{}"},
                    {"id": "i2", "type": "message", "role": "assistant", "content": [{"transcript": "ok"}]},
                    {"id": "i3", "type": "function_call", "call_id": "c2", "name": "add", "arguments": '{"n":2}'},
                ],
                "usage": {
                    "total_tokens": 30,
                    "input_tokens": 20,
                    "output_tokens": 10,
                    "input_token_details": {"text_tokens": 15, "audio_tokens": 5, "cached_tokens": 8},
                    "output_token_details": {"text_tokens": 4, "audio_tokens": 6},
                },
            },
        }
    )
    assert isinstance(event, ev.ResponseDone)
    assert [call.call_id for call in event.function_calls] == ["c1", "c2"]
    assert event.function_calls[1] == ev.FunctionCall(item_id="i3", call_id="c2", name="add", arguments='{"n":2}')
    assert event.output[1].text == "ok"
    assert event.usage == ev.Usage(30, 20, 10, 15, 5, 8, 4, 6)


def test_error_event_fields() -> None:
    event = ev.parse_server_event(
        {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "code": "invalid_value",
                "message": "bad",
                "param": "audio_end_ms",
                "event_id": "aisle_x_1",
            },
        }
    )
    assert event == ev.ErrorEvent(
        type="invalid_request_error", code="invalid_value", message="bad", param="audio_end_ms", event_id="aisle_x_1"
    )


def test_small_events_parse() -> None:
    assert ev.parse_server_event(
        {"type": "input_audio_buffer.speech_started", "item_id": "i", "audio_start_ms": 80}
    ) == (ev.SpeechStarted(item_id="i", audio_start_ms=80))
    assert ev.parse_server_event({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": 900}) == (
        ev.SpeechStopped(item_id="", audio_end_ms=900)
    )
    failed = ev.parse_server_event(
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": "i",
            "content_index": 0,
            "error": {"code": "audio_unintelligible", "message": "no"},
        }
    )
    assert failed == ev.InputTranscriptFailed(item_id="i", content_index=0, code="audio_unintelligible", message="no")
    assert ev.parse_server_event({"type": "conversation.item.deleted", "item_id": "i"}) == ev.ItemDeleted(item_id="i")
    truncated = ev.parse_server_event(
        {"type": "conversation.item.truncated", "item_id": "i", "content_index": 0, "audio_end_ms": 1500}
    )
    assert truncated == ev.ItemTruncated(item_id="i", content_index=0, audio_end_ms=1500)
    limits = ev.parse_server_event(
        {
            "type": "rate_limits.updated",
            "rate_limits": [{"name": "tokens", "limit": 10, "remaining": 4, "reset_seconds": 1.5}],
        }
    )
    assert limits == ev.RateLimitsUpdated(limits=(ev.RateLimit("tokens", 10, 4, 1.5),))


def test_unknown_and_malformed_messages() -> None:
    unknown = ev.parse_server_event({"type": "response.content_part.added", "part": {}})
    assert isinstance(unknown, ev.Unknown)
    assert unknown.type == "response.content_part.added"
    with pytest.raises(ev.MalformedEvent):
        ev.parse_server_event("not json")
    with pytest.raises(ev.MalformedEvent):
        ev.parse_server_event("[1, 2]")
    with pytest.raises(ev.MalformedEvent):
        ev.parse_server_event({"type": "response.output_audio.delta", "delta": "***"})


def test_missing_and_null_fields_are_tolerated() -> None:
    event = ev.parse_server_event({"type": "response.done", "response": {"id": "r", "output": None, "usage": None}})
    assert event == ev.ResponseDone(response_id="r", status="", status_details={}, output=(), usage=None)


TOOL = {
    "type": "function",
    "function": {"name": "search_products", "description": "Find", "parameters": {"type": "object"}},
}


def test_session_update_ga_shape() -> None:
    config = SessionConfig(
        instructions="Be brief.",
        voice="marin",
        speed=1.1,
        tools=[TOOL],
        turn_detection="server_vad",
        threshold=0.6,
        silence_ms=450,
        prefix_padding_ms=250,
        transcription_model="gpt-4o-transcribe",
        transcription_language="en",
        noise_reduction="far_field",
    )
    message = ev.session_update(config, Dialect.GA).to_dict()
    session = message["session"]
    assert message["type"] == "session.update"
    assert message["event_id"].startswith("aisle_")
    assert session["type"] == "realtime"
    assert session["output_modalities"] == ["audio"]
    assert session["instructions"] == "Be brief."
    assert session["audio"]["input"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
        "noise_reduction": {"type": "far_field"},
        "turn_detection": {
            "type": "server_vad",
            "threshold": 0.6,
            "prefix_padding_ms": 250,
            "silence_duration_ms": 450,
            "create_response": True,
            "interrupt_response": True,
        },
    }
    assert session["audio"]["output"] == {
        "format": {"type": "audio/pcm", "rate": 24000},
        "voice": "marin",
        "speed": 1.1,
    }
    assert session["tools"] == [
        {"type": "function", "name": "search_products", "description": "Find", "parameters": {"type": "object"}}
    ]
    assert session["tool_choice"] == "auto"
    assert not {"modalities", "voice", "input_audio_format", "turn_detection"} & set(session)


def test_session_update_beta_shape() -> None:
    config = SessionConfig(turn_detection="semantic_vad", eagerness="low", tools=[TOOL], speed=0.9)
    session = ev.session_update(config, Dialect.BETA).to_dict()["session"]
    assert session["modalities"] == ["audio", "text"]
    assert session["voice"] == "alloy"
    assert session["input_audio_format"] == session["output_audio_format"] == "pcm16"
    assert session["input_audio_transcription"] == {"model": "gpt-4o-mini-transcribe"}
    assert session["turn_detection"] == {
        "type": "semantic_vad",
        "eagerness": "low",
        "create_response": True,
        "interrupt_response": True,
    }
    assert session["speed"] == 0.9
    assert session["tools"][0]["name"] == "search_products"
    assert not {"type", "audio", "output_modalities"} & set(session)


def test_manual_turn_detection_and_text_only() -> None:
    config = SessionConfig(turn_detection="manual", output_modalities=["text"], transcription_model=None)
    ga = ev.session_update(config, Dialect.GA).to_dict()["session"]
    assert ga["audio"]["input"]["turn_detection"] is None
    assert "transcription" not in ga["audio"]["input"]
    assert ga["output_modalities"] == ["text"]
    beta = ev.session_update(config, Dialect.BETA).to_dict()["session"]
    assert beta["turn_detection"] is None
    assert beta["input_audio_transcription"] is None
    assert beta["modalities"] == ["text"]


@pytest.mark.parametrize(
    "bad",
    [
        {"turn_detection": "push_to_talk"},
        {"threshold": 1.5},
        {"speed": 3.0},
        {"output_modalities": []},
        {"tools": [{"type": "function"}]},
    ],
)
def test_session_config_is_validated(bad: dict) -> None:
    with pytest.raises(ValueError):
        SessionConfig(**bad)


def test_client_event_builders() -> None:
    append = ev.input_audio_append(b"\x00\x01" * 3).to_dict()
    assert append["type"] == "input_audio_buffer.append"
    assert base64.b64decode(append["audio"]) == b"\x00\x01" * 3
    with pytest.raises(ValueError):
        ev.input_audio_append(b"\x00")
    assert ev.input_audio_commit().to_dict()["type"] == "input_audio_buffer.commit"
    assert ev.input_audio_clear().to_dict()["type"] == "input_audio_buffer.clear"
    assert ev.user_text_item("two apples").to_dict()["item"] == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "two apples"}],
    }
    output = ev.function_call_output("call_1", {"ok": True}).to_dict()
    assert output["type"] == "conversation.item.create"
    assert output["item"] == {"type": "function_call_output", "call_id": "call_1", "output": '{"ok": true}'}
    assert ev.function_call_output("call_2", '{"ok":false}').to_dict()["item"]["output"] == '{"ok":false}'
    assert ev.response_create().to_dict().keys() == {"type", "event_id"}
    assert ev.response_create(instructions="Greet").to_dict()["response"] == {"instructions": "Greet"}
    assert ev.response_cancel().to_dict().keys() == {"type", "event_id"}
    assert ev.response_cancel("resp_1").to_dict()["response_id"] == "resp_1"
    assert ev.item_truncate("item_1", 0, 1200).to_dict() | {"event_id": ""} == {
        "type": "conversation.item.truncate",
        "event_id": "",
        "item_id": "item_1",
        "content_index": 0,
        "audio_end_ms": 1200,
    }
    with pytest.raises(ValueError):
        ev.item_truncate("item_1", 0, 0)
    assert ev.item_delete("item_1").to_dict()["item_id"] == "item_1"
    first, second = ev.input_audio_commit(), ev.input_audio_commit()
    assert first.event_id != second.event_id
    assert json.loads(first.to_json()) == first.to_dict()
    assert "audio" in repr(ev.input_audio_append(b"\x00\x00"))
