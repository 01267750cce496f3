from __future__ import annotations

import dataclasses

import pytest

from core.backoff import Backoff


def test_doubles_from_initial_up_to_the_maximum() -> None:
    backoff = Backoff(initial=0.5, maximum=5.0)
    assert [backoff.base(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_a_huge_attempt_number_stays_at_the_maximum() -> None:
    assert Backoff(initial=1.0, maximum=30.0).base(100_000) == 30.0


def test_other_factor() -> None:
    backoff = Backoff(initial=1.0, factor=3.0, maximum=100.0)
    assert [backoff.base(n) for n in range(6)] == [1.0, 3.0, 9.0, 27.0, 81.0, 100.0]


def test_factor_one_is_constant() -> None:
    backoff = Backoff(initial=2.0, factor=1.0, maximum=10.0)
    assert {backoff.base(n) for n in range(10)} == {2.0}


def test_jitter_draws_from_the_upper_part_of_the_wait() -> None:
    backoff = Backoff(initial=4.0, maximum=60.0, jitter=0.5)
    assert backoff.delay(0, rand=lambda: 0.0) == 2.0
    assert backoff.delay(0, rand=lambda: 0.5) == 3.0
    assert backoff.delay(1, rand=lambda: 0.0) == 4.0
    assert backoff.delay(1, rand=lambda: 0.999) == pytest.approx(7.996)


def test_no_jitter_is_the_base() -> None:
    backoff = Backoff(initial=1.5, maximum=60.0, jitter=0.0)
    assert backoff.delay(2, rand=lambda: 0.7) == backoff.base(2) == 6.0


def test_full_jitter_can_reach_zero() -> None:
    assert Backoff(initial=1.0, maximum=60.0, jitter=1.0).delay(3, rand=lambda: 0.0) == 0.0


def test_default_random_source_stays_in_range() -> None:
    backoff = Backoff(initial=1.0, maximum=8.0)
    for n in range(10):
        assert backoff.base(n) / 2 <= backoff.delay(n) <= backoff.base(n)


def test_is_a_frozen_keyword_only_value() -> None:
    backoff = Backoff(initial=1.0, maximum=2.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        backoff.initial = 3.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Backoff(1.0, 2.0)  # type: ignore[call-arg]
    assert backoff == Backoff(initial=1.0, maximum=2.0, factor=2.0, jitter=0.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial": 0.0, "maximum": 1.0}, "initial"),
        ({"initial": 1.0, "maximum": 0.0}, "maximum"),
        ({"initial": 1.0, "maximum": 2.0, "factor": 0.5}, "factor"),
        ({"initial": 1.0, "maximum": 2.0, "jitter": -0.1}, "jitter"),
        ({"initial": 1.0, "maximum": 2.0, "jitter": 1.5}, "jitter"),
    ],
)
def test_rejects_nonsense(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Backoff(**kwargs)


def test_rejects_a_negative_attempt() -> None:
    with pytest.raises(ValueError, match="attempt"):
        Backoff(initial=1.0, maximum=2.0).base(-1)
