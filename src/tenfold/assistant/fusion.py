"""Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): score = sum of w / (k + rank).

A ranking may weigh its items (``weights``): the assistant weighs a BM25 hit by how much of the
question it covers, so a keyword list made of near-misses (a question in the other language
shares only common words with it) cannot outvote the dense list."""

from __future__ import annotations

from typing import Hashable, Mapping, Sequence, TypeVar

K = 60
Item = TypeVar("Item", bound=Hashable)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Item]], k: int = K,
                           weights: Sequence[Mapping[Item, float] | None] | None = None) -> list[tuple[Item, float]]:
    """Merge rankings (best first) into one; ties keep the order of first appearance."""
    scores: dict[Item, float] = {}
    for index, ranking in enumerate(rankings):
        weight = weights[index] if weights is not None and index < len(weights) else None
        for rank, item in enumerate(ranking, start=1):
            w = 1.0 if weight is None else weight.get(item, 1.0)
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    order = {item: position for position, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))
