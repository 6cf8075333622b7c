"""The text analyser shared by indexing and querying, for English and Traditional Chinese.

English: NFKC, lower case, words and numbers (thousands separators dropped), stop words out, a
light plural stemmer. Chinese: converted to Simplified with OpenCC *for the index only* (the
stored and shown text stays as written), segmented with rjieba, and also cut into character
bigrams, which need no dictionary and catch what the segmenter misses. Words and bigrams are
separate terms (bigrams carry a prefix), so BM25 weighs them apart."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ANALYSER_VERSION = "1"
BIGRAM = "~"

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|\d+(?:[.,]\d+)*|[a-z][a-z0-9]*")

ENGLISH_STOP_WORDS = frozenset("""
a about above after again all also am an and any are as at be been before being below between both but by
can could d did do does doing don down during each few for from further had has have having he her here hers
him his how i if in into is it its itself just ll m me might more most must my no nor not now of off on once
only or other our ours out over own re s same shall she should so some such t than that the their theirs them
then there these they this those through to too under until up upon us ve very was we were what when where
which while who whom why will with would you your yours yourself get got much many tell know want need please
""".split())

CHINESE_STOP_WORDS = frozenset("""
的 了 是 在 和 与 及 或 之 者 其 于 为 我 你 您 他 她 它 们 吗 呢 吧 啊 呀 么 什么 多少 如何 怎么 怎样 哪些 哪里 哪个
是否 可以 可 请问 请 有 有没有 要 会 能 能否 这 那 这个 那个 个 等 被 把 就 都 也 还 又 而 但 并 如果 若 则
想 知道 一下 怎么办 需要 应该 吗 么 得 地 着 过 到 对 从 向 以 所 该 此
""".split())

_IRREGULAR = {"children": "child", "people": "person", "women": "woman", "men": "man", "parents": "parent"}


def stem(word: str) -> str:
    """A conservative plural stemmer (S-stemmer): payments -> payment, families -> family."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) > 4 and word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def _segment(run: str) -> list[str]:
    import rjieba

    return rjieba.cut(run)


def _chinese_terms(run: str) -> list[str]:
    """Words and bigrams of one run of Han characters (already Simplified)."""
    words = _segment(run)
    terms: list[str] = []
    segment = ""
    for word in words:
        if word in CHINESE_STOP_WORDS:
            terms.extend(_bigrams(segment))
            segment = ""
            continue
        terms.append(word)
        segment += word
    terms.extend(_bigrams(segment))
    return terms


def _bigrams(segment: str) -> list[str]:
    return [BIGRAM + segment[i:i + 2] for i in range(len(segment) - 1)]


class Analyser:
    """Text in, index terms out. The same analyser must serve the index and its queries."""

    version = ANALYSER_VERSION

    def terms(self, text: str) -> list[str]:
        normalised = unicodedata.normalize("NFKC", text).lower()
        if _HAN_RUN.search(normalised):
            normalised = _converter().convert(normalised)
        terms: list[str] = []
        for token in _TOKEN.findall(normalised):
            first = token[0]
            if "\u3400" <= first:
                terms.extend(_chinese_terms(token))
            elif first.isdigit():
                terms.append(token.replace(",", ""))
            elif token not in ENGLISH_STOP_WORDS:
                terms.append(stem(token))
        return terms
