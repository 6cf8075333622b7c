"""Fixed-width codes (IBANs, cadastral codes, plates) built as byte matrices, vectorised."""

from __future__ import annotations

import numpy as np


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Rows of ``width`` ASCII digits, zero-padded (values must fit)."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (ord("0") + values[:, None] // powers % 10).astype(np.uint8)


def letters(values: np.ndarray, width: int) -> np.ndarray:
    """Rows of ``width`` capital letters: ``values`` written in base 26 (A = 0)."""
    values = np.asarray(values, dtype=np.int64)
    powers = 26 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (ord("A") + values[:, None] // powers % 26).astype(np.uint8)


def literal(text: str, rows: int) -> np.ndarray:
    return np.broadcast_to(np.frombuffer(text.encode(), dtype=np.uint8), (rows, len(text)))


def join(*columns: np.ndarray) -> np.ndarray:
    """Glue byte matrices side by side into an array of str."""
    matrix = np.ascontiguousarray(np.concatenate(columns, axis=1))
    width = matrix.shape[1]
    return matrix.view(f"S{width}").ravel().astype(f"U{width}")
