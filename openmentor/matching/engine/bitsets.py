"""Packed uint64 bitsets: availability slots and traits."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray

# The uint8 -> uint64 view below assumes little-endian words; every platform numpy wheels
# target is little-endian, so refuse loudly rather than silently misread slots elsewhere.
assert sys.byteorder == "little", "packed bitsets assume a little-endian machine"


def n_words(n_bits: int) -> int:
    return max(1, (n_bits + 63) // 64)


def pack_bits(rows: Sequence[Iterable[int]], n_bits: int) -> NDArray[np.uint64]:
    """Pack each row's set bit positions into ``n_words(n_bits)`` uint64 words."""
    words = n_words(n_bits)
    dense = np.zeros((len(rows), words * 64), dtype=bool)
    for r, positions in enumerate(rows):
        idx = np.fromiter(positions, dtype=np.int64)
        if idx.size:
            if idx.min() < 0 or idx.max() >= n_bits:
                raise ValueError(f"bit position out of range 0..{n_bits - 1} in row {r}")
            dense[r, idx] = True
    return pack_dense(dense)


def pack_dense(dense: NDArray[np.bool_]) -> NDArray[np.uint64]:
    """Pack a (n, bits) boolean matrix; ``bits`` is padded up to a multiple of 64."""
    n, bits = dense.shape
    padded_bits = n_words(bits) * 64
    if padded_bits != bits:
        dense = np.concatenate([dense, np.zeros((n, padded_bits - bits), dtype=bool)], axis=1)
    packed = np.packbits(dense, axis=1, bitorder="little")
    return np.ascontiguousarray(packed).view(np.uint64).reshape(n, padded_bits // 64)


def unpack(words: NDArray[np.uint64], n_bits: int) -> NDArray[np.bool_]:
    as_bytes = np.ascontiguousarray(words).view(np.uint8).reshape(words.shape[0], -1)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :n_bits].astype(bool)


def popcount_and(left: NDArray[np.uint64], right: NDArray[np.uint64]) -> NDArray[np.int32]:
    """Bits set in both, summed over the last axis; ``left``/``right`` broadcast."""
    shape = np.broadcast_shapes(left.shape, right.shape)[:-1]
    total = np.zeros(shape, dtype=np.int32)
    for w in range(left.shape[-1]):
        total += np.bitwise_count(left[..., w] & right[..., w])
    return total


def intersects(left: NDArray[np.uint64], right: NDArray[np.uint64]) -> NDArray[np.bool_]:
    """Whether any bit is set in both, over the last axis; ``left``/``right`` broadcast."""
    shape = np.broadcast_shapes(left.shape, right.shape)[:-1]
    hit = np.zeros(shape, dtype=bool)
    for w in range(left.shape[-1]):
        hit |= (left[..., w] & right[..., w]) != 0
    return hit


def positions(words: NDArray[np.uint64], n_bits: int) -> list[int]:
    return [int(b) for b in np.flatnonzero(unpack(words.reshape(1, -1), n_bits)[0])]
