"""The reconnect backoff policy and the retry decision."""

from __future__ import annotations

import itertools

import pytest

from agent.realtime.connection import (
    AuthenticationFailed,
    Backoff,
    ConnectionDropped,
    ConnectionRejected,
    is_retryable,
)


def test_doubles_up_to_the_cap_without_jitter() -> None:
    backoff = Backoff(initial=0.5, factor=2, max=15, jitter=0)
    assert [backoff.next_delay() for _ in range(8)] == [0.5, 1, 2, 4, 8, 15, 15, 15]
    assert backoff.attempts == 8
    backoff.reset()
    assert backoff.attempts == 0
    assert backoff.next_delay() == 0.5


def test_jitter_only_shortens_delays() -> None:
    values = itertools.cycle([0.0, 0.5, 0.999])
    backoff = Backoff(initial=1, factor=2, max=15, jitter=0.2, rng=lambda: next(values))
    assert backoff.next_delay() == pytest.approx(1.0)
    assert backoff.next_delay() == pytest.approx(2 * 0.9)
    assert backoff.next_delay() == pytest.approx(4 * (1 - 0.2 * 0.999))
    random_backoff = Backoff()
    for attempt in range(1, 50):
        delay = random_backoff.next_delay()
        assert 0.8 * random_backoff.base_delay(attempt) <= delay <= random_backoff.base_delay(attempt) <= 15


def test_huge_attempt_numbers_stay_at_the_cap() -> None:
    assert Backoff(factor=10).base_delay(10_000) == 15


@pytest.mark.asyncio
async def test_sleep_waits_the_delay() -> None:
    backoff = Backoff(initial=0.01, jitter=0)
    assert await backoff.sleep() == 0.01
    assert await backoff.sleep() == 0.02


@pytest.mark.parametrize(
    "kwargs", [{"initial": 0}, {"factor": 0.5}, {"initial": 2, "max": 1}, {"jitter": 1.5}, {"jitter": -0.1}]
)
def test_invalid_policies_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)


def test_what_is_retryable() -> None:
    assert is_retryable(ConnectionDropped("gone", close_code=1001))
    assert is_retryable(ConnectionDropped("gone", close_code=1006))
    assert is_retryable(ConnectionDropped("unreachable", close_code=None))
    assert not is_retryable(ConnectionDropped("policy", close_code=1008))
    assert not is_retryable(AuthenticationFailed("bad key", status=401, setting="OPENAI_API_KEY"))
    assert not is_retryable(ConnectionRejected("no such deployment", status=404))
    assert not is_retryable(RuntimeError("other"))
