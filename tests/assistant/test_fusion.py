"""Reciprocal rank fusion."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tenfold.assistant.fusion import reciprocal_rank_fusion


def test_an_item_ranked_by_both_lists_beats_one_ranked_first_by_one_list_only() -> None:
    fused = [item for item, _ in reciprocal_rank_fusion([["a", "b"], ["c", "b"]])]
    assert fused[0] == "b"


def test_weights_scale_an_item_contribution() -> None:
    fused = reciprocal_rank_fusion([["weak"], ["strong"]], weights=[{"weak": 0.1}, None])
    assert [item for item, _ in fused] == ["strong", "weak"]


@given(st.lists(st.lists(st.integers(0, 30), unique=True, max_size=15), max_size=4))
def test_fusion_keeps_every_item_once_and_orders_by_score(rankings: list[list[int]]) -> None:
    fused = reciprocal_rank_fusion(rankings)
    items = [item for item, _ in fused]
    assert sorted(items) == sorted({i for r in rankings for i in r})
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)
