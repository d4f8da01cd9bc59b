"""The real `openai` SDK against the fake realtime server, through `RealtimeConnection`.

Covers the GA exchange, several function calls in one response, the three routes (OpenAI, Azure v1, Azure
deployment/preview in the beta dialect over both beta transports), and failure classification: 401 is final, 1001
and a dropped socket are retryable, and the SDK never reconnects on its own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from agent.realtime import events as ev
from agent.realtime.connection import (
    AuthenticationFailed,
    ConnectionDropped,
    ConnectionRejected,
    RealtimeConnection,
    classify_failure,
)
from agent.realtime.endpoints import (
    EntraTokenProvider,
    RealtimeEndpoint,
    azure_preview_endpoint,
    azure_v1_endpoint,
    openai_endpoint,
)
from agent.realtime.truncation import cut_off_event
from tests.fakes.realtime_server import (
    AudioReply,
    Close,
    Drop,
    Error,
    FakeRealtimeServer,
    FunctionCalls,
    RejectHandshake,
    Send,
    Sleep,
    WaitFor,
    sine_pcm16,
)

CONFIG = ev.SessionConfig(
    instructions="You are a shop assistant.",
    tools=[{"name": "search_products", "description": "Search", "parameters": {"type": "object", "properties": {}}}],
)


async def events_until(
    conn: RealtimeConnection, last: type[ev.ServerEvent], *, within: float = 5.0
) -> list[ev.ServerEvent]:
    """Every event up to and including the first of type `last`."""
    seen: list[ev.ServerEvent] = []
    async with asyncio.timeout(within):
        async for event in conn:
            seen.append(event)
            if isinstance(event, last):
                return seen
    raise AssertionError(f"the connection ended before a {last.__name__}: {seen}")


def openai_to(server: FakeRealtimeServer, key: str = "sk-test") -> RealtimeEndpoint:
    return openai_endpoint(key, "gpt-realtime", websocket_base_url=server.url("/v1"))


@pytest.mark.asyncio
async def test_ga_exchange_with_the_sdk(server: FakeRealtimeServer) -> None:
    async with RealtimeConnection(openai_to(server)) as conn:
        assert conn.transport == "ga_client"
        assert conn.is_open
        first = await conn.recv()
        assert isinstance(first, ev.SessionCreated)
        assert first.session["model"] == "gpt-realtime"

        await conn.send(ev.session_update(CONFIG, conn.dialect))
        updated = await conn.recv()
        assert isinstance(updated, ev.SessionUpdated)
        assert updated.session["instructions"] == "You are a shop assistant."
        assert updated.session["tools"][0]["name"] == "search_products"

        for n in range(5):  # 5 x 40 ms of microphone audio, then a manual commit
            await conn.send(ev.input_audio_append(sine_pcm16(960, 220.0, start=n * 960)))
        assert len(await server.wait_for("input_audio_buffer.append", count=5)) == 5
        await conn.send(ev.input_audio_commit())
        heard = await events_until(conn, ev.InputTranscriptCompleted)
        committed = next(e for e in heard if isinstance(e, ev.InputAudioCommitted))
        assert heard[-1] == ev.InputTranscriptCompleted(
            item_id=committed.item_id, content_index=0, transcript="two bananas please"
        )

        await conn.send(ev.user_text_item("and some milk"))
        await conn.send(ev.response_create())
        reply = await events_until(conn, ev.ResponseDone)

    types = [type(e) for e in reply]
    assert types[:2] == [ev.ItemAdded, ev.ItemDone]
    assert reply[0].item.text == "and some milk"
    for expected in (ev.ResponseCreated, ev.OutputItemAdded, ev.AudioDone, ev.TranscriptDone, ev.OutputItemDone):
        assert expected in types
    audio = [e for e in reply if isinstance(e, ev.AudioDelta)]
    assert len(audio) == 5
    assert b"".join(a.pcm for a in audio) == sine_pcm16(5 * 960, 440.0)
    transcript = "".join(e.delta for e in reply if isinstance(e, ev.TranscriptDelta))
    done = reply[-1]
    assert isinstance(done, ev.ResponseDone)
    assert transcript == "Hello from the fake realtime server."
    assert done.status == "completed"
    assert done.output[0].text == transcript
    assert done.usage is not None and done.usage.output_audio_tokens > 0
    assert done.function_calls == ()

    session = server.sessions[0]
    assert session.path == "/v1/realtime?model=gpt-realtime"
    assert session.headers["authorization"] == "Bearer sk-test"
    assert "openai-beta" not in session.headers
    assert session.types() == ["session.update"] + ["input_audio_buffer.append"] * 5 + [
        "input_audio_buffer.commit",
        "conversation.item.create",
        "response.create",
    ]
    assert all(m.data["event_id"].startswith("aisle_") for m in session.received)
    assert session.received[0].at <= session.received[-1].at
    assert conn.close_code == 1000


@pytest.mark.asyncio
async def test_several_function_calls_in_one_response_are_all_parsed(server: FakeRealtimeServer) -> None:
    server.script(
        WaitFor("response.create"),
        FunctionCalls([("search_products", {"query": "bananas"}), ("add_to_cart", {"sku": "B1", "qty": 2})]),
        WaitFor("response.create"),
        AudioReply("Added two bananas.", chunks=2),
    )
    async with RealtimeConnection(openai_to(server)) as conn:
        await conn.send(ev.user_text_item("find bananas and add two"))
        await conn.send(ev.response_create())
        events = await events_until(conn, ev.ResponseDone)
        done = events[-1]
        assert isinstance(done, ev.ResponseDone)
        calls = done.function_calls
        assert [(c.name, json.loads(c.arguments)) for c in calls] == [
            ("search_products", {"query": "bananas"}),
            ("add_to_cart", {"sku": "B1", "qty": 2}),
        ]
        streamed = [e.call for e in events if isinstance(e, ev.FunctionCallArgumentsDone)]
        assert streamed == list(calls)
        deltas = "".join(
            e.delta for e in events if isinstance(e, ev.FunctionCallArgumentsDelta) and e.call_id == calls[0].call_id
        )
        assert deltas == calls[0].arguments
        assert len({c.call_id for c in calls}) == 2

        for call in calls:
            await conn.send(ev.function_call_output(call.call_id, {"ok": True}))
        await conn.send(ev.response_create())
        final = await events_until(conn, ev.ResponseDone)
        assert final[-1].output[0].text == "Added two bananas."

    outputs = [m["item"] for m in server.sessions[0].of_type("conversation.item.create")][1:]
    assert [o["call_id"] for o in outputs] == [c.call_id for c in calls]


@pytest.mark.asyncio
async def test_401_is_authentication_failed_and_not_retried(server: FakeRealtimeServer) -> None:
    server.script(RejectHandshake(401, "Incorrect API key provided: sk-bad."))
    with pytest.raises(AuthenticationFailed) as failure:
        await RealtimeConnection(openai_to(server, "sk-bad")).open()
    error = failure.value
    assert error.status == 401
    assert error.setting == "OPENAI_API_KEY"
    assert not error.retryable
    assert str(error).startswith("OPENAI_API_KEY was rejected by the server (401): Incorrect API key provided")
    await asyncio.sleep(0.3)
    assert len(server.sessions) == 1  # one attempt: neither we nor the SDK tried again
    assert server.sessions[0].status == 401


@pytest.mark.asyncio
async def test_wrong_key_and_403_name_the_setting() -> None:
    async with FakeRealtimeServer(api_key="the-key") as server:
        with pytest.raises(AuthenticationFailed, match="OPENAI_API_KEY was rejected"):
            await RealtimeConnection(openai_to(server, "another-key")).open()
        server.script(RejectHandshake(403, "Principal does not have access.", "PermissionDenied"))
        endpoint = azure_v1_endpoint("x", "dep", api_key="the-key", websocket_base_url=server.url("/openai/v1"))
        with pytest.raises(AuthenticationFailed, match=r"AZURE_OPENAI_API_KEY was refused access .*\(403\)"):
            await RealtimeConnection(endpoint).open()


@pytest.mark.asyncio
async def test_close_1001_is_a_retryable_drop_and_the_sdk_does_not_reconnect(server: FakeRealtimeServer) -> None:
    server.script(Sleep(0.05), Close(1001, "session expired"))
    conn = await RealtimeConnection(openai_to(server)).open()
    with pytest.raises(ConnectionDropped) as failure:
        async for _ in conn:
            pass
    assert failure.value.close_code == 1001
    assert failure.value.reason == "session expired"
    assert failure.value.retryable
    assert conn.close_code == 1001
    assert not conn.is_open
    with pytest.raises(ConnectionDropped):
        await conn.send(ev.input_audio_commit())
    await asyncio.sleep(0.5)
    assert len(server.sessions) == 1
    await conn.close()


@pytest.mark.asyncio
async def test_a_vanished_peer_is_1006(server: FakeRealtimeServer) -> None:
    server.script(WaitFor("input_audio_buffer.append"), Drop())
    conn = await RealtimeConnection(openai_to(server)).open()
    await conn.send(ev.input_audio_append(b"\x00\x00" * 480))
    with pytest.raises(ConnectionDropped) as failure:
        await events_until(conn, ev.ResponseDone)
    assert failure.value.close_code == 1006
    assert failure.value.retryable


@pytest.mark.asyncio
async def test_closing_ourselves_ends_iteration_quietly(server: FakeRealtimeServer) -> None:
    conn = await RealtimeConnection(openai_to(server)).open()
    seen: list[ev.ServerEvent] = []

    async def read() -> None:
        async for event in conn:
            seen.append(event)

    reader = asyncio.create_task(read())
    await server.wait_for_session(0)
    await asyncio.sleep(0.05)
    await conn.close()
    await asyncio.wait_for(reader, 2)
    assert isinstance(seen[0], ev.SessionCreated)
    assert conn.close_code == 1000
    await conn.close()  # idempotent


@pytest.mark.asyncio
async def test_errors_do_not_close_the_socket(server: FakeRealtimeServer) -> None:
    server.script(
        WaitFor("input_audio_buffer.commit"),
        Sleep(0.05),
        Error("rate_limit_exceeded", "Slow down.", type="rate_limit_error"),
        Send({"type": "unheard.of", "detail": 1}),
    )
    async with RealtimeConnection(openai_to(server)) as conn:
        await conn.send(ev.input_audio_commit())  # nothing buffered: the service refuses
        commit_error = (await events_until(conn, ev.ErrorEvent))[-1]
        assert isinstance(commit_error, ev.ErrorEvent)
        assert commit_error.code == "input_audio_buffer_commit_empty"
        assert commit_error.event_id == server.sessions[0].of_type("input_audio_buffer.commit")[0]["event_id"]
        scripted = (await events_until(conn, ev.ErrorEvent))[-1]
        assert scripted == ev.ErrorEvent(
            type="rate_limit_error", code="rate_limit_exceeded", message="Slow down.", param="", event_id=""
        )
        unknown = (await events_until(conn, ev.Unknown))[-1]
        assert isinstance(unknown, ev.Unknown)
        assert (unknown.type, unknown.payload["detail"]) == ("unheard.of", 1)
        await conn.send(ev.response_create())
        assert (await events_until(conn, ev.ResponseDone))[-1].status == "completed"


@pytest.mark.asyncio
async def test_truncation_after_barge_in_is_accepted_and_overshoot_is_refused(server: FakeRealtimeServer) -> None:
    server.script(WaitFor("response.create"), AudioReply("A long answer about bananas.", chunks=10, chunk_ms=100))
    async with RealtimeConnection(openai_to(server)) as conn:
        await conn.send(ev.response_create())
        events = await events_until(conn, ev.ResponseDone)
        audio = [e for e in events if isinstance(e, ev.AudioDelta)]
        item_id = audio[0].item_id
        received = sum(len(a.pcm) for a in audio)  # 1 s

        await conn.send(cut_off_event(item_id, 0, played_samples=18_000, received_bytes=received))
        truncated = (await events_until(conn, ev.ItemTruncated))[-1]
        assert truncated == ev.ItemTruncated(item_id=item_id, content_index=0, audio_end_ms=750)

        await conn.send(cut_off_event(item_id, 0, played_samples=10 * 24_000, received_bytes=received))
        assert (await events_until(conn, ev.ItemTruncated))[-1].audio_end_ms == 1000

        await conn.send(ev.item_truncate(item_id, 0, 1500))  # what a wall-clock estimate would send
        refused = (await events_until(conn, ev.ErrorEvent))[-1]
        assert refused.param == "audio_end_ms"

        await conn.send(cut_off_event(item_id, 0, played_samples=0, received_bytes=received))
        assert (await events_until(conn, ev.ItemDeleted))[-1] == ev.ItemDeleted(item_id=item_id)


@pytest.mark.asyncio
async def test_response_cancel_ends_the_response_cancelled(server: FakeRealtimeServer) -> None:
    server.script(WaitFor("response.create"), AudioReply(chunks=50, spacing=0.02))
    async with RealtimeConnection(openai_to(server)) as conn:
        await conn.send(ev.response_create())
        await events_until(conn, ev.AudioDelta)
        await conn.send(ev.response_cancel())
        done = (await events_until(conn, ev.ResponseDone))[-1]
        assert isinstance(done, ev.ResponseDone)
        assert done.status == "cancelled"
        assert done.output[0].status == "incomplete"


@pytest.mark.asyncio
async def test_azure_v1_route(server: FakeRealtimeServer) -> None:
    endpoint = azure_v1_endpoint(
        "https://shop.openai.azure.com",
        "gpt-realtime-dep",
        api_key="azure-key",
        websocket_base_url=server.url("/openai/v1"),
    )
    async with RealtimeConnection(endpoint) as conn:
        await conn.send(ev.session_update(CONFIG, conn.dialect))
        events = await events_until(conn, ev.SessionUpdated)
    session = server.sessions[0]
    assert session.path == "/openai/v1/realtime?model=gpt-realtime-dep"
    assert session.route == "azure_v1"
    assert session.headers["authorization"] == "Bearer azure-key"  # the SDK sends the key as a bearer token
    assert isinstance(events[-1], ev.SessionUpdated)


@pytest.mark.asyncio
async def test_azure_v1_route_with_entra_id(server: FakeRealtimeServer) -> None:
    class Credential:
        def get_token(self, *scopes: str) -> object:
            return type("AccessToken", (), {"token": "entra-token", "expires_on": 4_102_444_800})()

    endpoint = azure_v1_endpoint(
        "shop", "dep", token_provider=EntraTokenProvider(Credential()), websocket_base_url=server.url("/openai/v1")
    )
    async with RealtimeConnection(endpoint):
        pass
    assert server.sessions[0].headers["authorization"] == "Bearer entra-token"


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", ["beta_client", "ga_client"])
async def test_azure_preview_route_speaks_beta_parsed_to_the_same_types(
    server: FakeRealtimeServer, transport: str
) -> None:
    server.script(
        WaitFor("session.update"),
        Sleep(0.05),
        WaitFor("response.create"),
        FunctionCalls([("search_products", {"query": "milk"}), ("get_recommendations", {})]),
        WaitFor("response.create"),
        AudioReply("Here is the milk.", chunks=3),
    )
    endpoint = azure_preview_endpoint(
        server.http_url,
        "gpt-4o-realtime-preview",
        "2024-10-01-preview",
        api_key="azure-key",
        beta_transport=transport,
    )
    async with RealtimeConnection(endpoint) as conn:
        assert conn.dialect is ev.Dialect.BETA
        assert conn.transport == transport
        await conn.send(ev.session_update(CONFIG, conn.dialect))
        updated = (await events_until(conn, ev.SessionUpdated))[-1]
        assert updated.session["modalities"] == ["audio", "text"]
        await conn.send(ev.user_text_item("milk please"))
        await conn.send(ev.response_create())
        calls = (await events_until(conn, ev.ResponseDone))[-1].function_calls
        assert [c.name for c in calls] == ["search_products", "get_recommendations"]
        for call in calls:
            await conn.send(ev.function_call_output(call.call_id, {"ok": True}))
        await conn.send(ev.response_create())
        events = await events_until(conn, ev.ResponseDone)

    session = server.sessions[0]
    assert session.path == "/openai/realtime?api-version=2024-10-01-preview&deployment=gpt-4o-realtime-preview"
    assert session.headers["api-key"] == "azure-key"
    assert session.headers["openai-beta"] == "realtime=v1"
    assert session.dialect == "beta"
    wire = session.sent_types()
    assert "response.audio.delta" in wire and "response.output_audio.delta" not in wire
    assert "conversation.item.created" in wire and "conversation.item.added" not in wire
    assert [type(e) for e in events].count(ev.AudioDelta) == 3
    assert "".join(e.delta for e in events if isinstance(e, ev.TranscriptDelta)) == "Here is the milk."
    assert any(isinstance(e, ev.ItemAdded) for e in events)
    assert not any(isinstance(e, ev.Unknown) and e.type.startswith("response.audio") for e in events)


@pytest.mark.asyncio
async def test_ga_shaped_session_update_is_refused_on_a_beta_route(server: FakeRealtimeServer) -> None:
    endpoint = azure_preview_endpoint(server.http_url, "dep", "2024-10-01-preview", api_key="k")
    async with RealtimeConnection(endpoint) as conn:
        await conn.send(ev.session_update(CONFIG, ev.Dialect.GA))  # the wrong dialect
        error = (await events_until(conn, ev.ErrorEvent))[-1]
        assert error.code == "unknown_parameter"


@pytest.mark.asyncio
async def test_azure_preview_route_with_entra_id_sends_a_bearer_token(server: FakeRealtimeServer) -> None:
    class Credential:
        def get_token(self, *scopes: str) -> object:
            return type("AccessToken", (), {"token": "entra-token", "expires_on": 4_102_444_800})()

    endpoint = azure_preview_endpoint(
        server.http_url, "dep", "2025-04-01-preview", token_provider=EntraTokenProvider(Credential())
    )
    async with RealtimeConnection(endpoint) as conn:
        assert conn.transport == "beta_client"  # "auto" uses the SDK's beta client while it exists
    headers = server.sessions[0].headers
    assert headers["authorization"] == "Bearer entra-token"
    assert "api-key" not in headers


@pytest.mark.asyncio
async def test_without_a_beta_client_beta_goes_over_the_ga_client(server: FakeRealtimeServer) -> None:
    class WithoutBeta:
        """An SDK client as a future SDK without `client.beta.realtime` would look."""

        def __init__(self, client: object) -> None:
            self._client = client

        def __getattr__(self, name: str) -> object:
            if name == "beta":
                raise AttributeError(name)
            return getattr(self._client, name)

    preview = azure_preview_endpoint(server.http_url, "dep", "2024-10-01-preview", api_key="k")
    endpoint = dataclasses.replace(preview, client_factory=lambda: WithoutBeta(preview.make_client()))
    async with RealtimeConnection(endpoint) as conn:
        assert conn.transport == "ga_client"
        await conn.send(ev.session_update(CONFIG, conn.dialect))
        assert isinstance((await events_until(conn, ev.SessionUpdated))[-1], ev.SessionUpdated)
    assert server.sessions[0].headers["openai-beta"] == "realtime=v1"


@pytest.mark.asyncio
async def test_handshake_refusals_are_classified(server: FakeRealtimeServer) -> None:
    server.script(RejectHandshake(404, "The API deployment for this resource does not exist.", "DeploymentNotFound"))
    with pytest.raises(ConnectionRejected, match="404") as rejected:
        await RealtimeConnection(openai_to(server)).open()
    assert not rejected.value.retryable
    server.script(RejectHandshake(503, "Service unavailable.", "overloaded"))
    with pytest.raises(ConnectionDropped) as dropped:
        await RealtimeConnection(openai_to(server)).open()
    assert dropped.value.status == 503
    assert dropped.value.retryable


@pytest.mark.asyncio
async def test_an_unreachable_server_is_a_retryable_drop() -> None:
    async with FakeRealtimeServer() as server:
        url = server.url("/v1")
    endpoint = openai_endpoint("sk", "gpt-realtime", websocket_base_url=url)
    with pytest.raises(ConnectionDropped) as failure:
        await RealtimeConnection(endpoint, open_timeout=2).open()
    assert failure.value.close_code is None
    assert failure.value.retryable


def test_classification_of_odd_failures() -> None:
    endpoint = openai_endpoint("sk", "gpt-realtime")

    class ClientAuthenticationError(Exception):
        pass

    class CredentialUnavailableError(ClientAuthenticationError):
        pass

    entra = classify_failure(CredentialUnavailableError("no az login"), endpoint)
    assert isinstance(entra, AuthenticationFailed)
    assert entra.status is None
    assert isinstance(classify_failure(TimeoutError(), endpoint), ConnectionDropped)
    assert isinstance(classify_failure(ValueError("?"), endpoint), ConnectionDropped)
