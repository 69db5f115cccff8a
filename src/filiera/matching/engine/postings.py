"""Append-only posting lists in compact arrays: term -> (slots, values), read as numpy arrays without copying.

Documents live in integer slots. A changed document gets a new slot and its old slot is marked dead by the index
(which then ignores it); `compact` drops dead slots once they pile up.
"""

from __future__ import annotations

from array import array

import numpy as np


def _array(typecode: str, values: np.ndarray) -> array:
    result = array(typecode)
    result.frombytes(values.tobytes())
    return result


class Postings:
    def __init__(self) -> None:
        self._slots: dict[str, array] = {}
        self._values: dict[str, array] = {}

    def add(self, slot: int, items: dict[str, float]) -> None:
        for term, value in items.items():
            slots = self._slots.get(term)
            if slots is None:
                slots = self._slots[term] = array("i")
                self._values[term] = array("f")
            slots.append(slot)
            self._values[term].append(value)

    def get(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        slots = self._slots.get(term)
        if slots is None or not len(slots):
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        return (np.frombuffer(slots, dtype=np.int32), np.frombuffer(self._values[term], dtype=np.float32))

    def __contains__(self, term: str) -> bool:
        return term in self._slots

    def terms(self):
        return self._slots.keys()

    def compact(self, new_slot: np.ndarray) -> None:
        """Renumber slots with `new_slot` (old slot -> new slot, or -1 for a dead one) and drop the dead."""
        for term in list(self._slots):
            slots, values = self.get(term)
            mapped = new_slot[slots]
            keep = mapped >= 0
            if not keep.any():
                del self._slots[term], self._values[term]
                continue
            self._slots[term] = _array("i", mapped[keep].astype(np.int32))
            self._values[term] = _array("f", values[keep].astype(np.float32))

    def nbytes(self) -> int:
        return sum(a.itemsize * len(a) for a in self._slots.values()) * 2


class SparsePostings:
    """feature -> (slots, weights) for sparse vectors (e5 latent terms: about 256 features a document, so tens of
    millions of entries at scale). A base laid out feature by feature, plus an unsorted tail of recent additions
    that a search scans with a lookup table. A search merges the tail into the base once it is large: loading many
    documents in a row costs one sort, and a merge into a large base copies each feature's run once, no sort."""

    MERGE_AT = 1 << 18  # tail entries (about 1,000 documents): scanning them costs a search ~2 ms, a merge ~0.1 s

    def __init__(self, features: int) -> None:
        self.features = features
        self._indptr = np.zeros(features + 1, dtype=np.int64)
        self._slots = np.empty(0, dtype=np.int32)
        self._weights = np.empty(0, dtype=np.float32)
        self._clear_tail()

    def _clear_tail(self) -> None:
        self._tail_features = array("i")
        self._tail_slots = array("i")
        self._tail_weights = array("f")

    def __len__(self) -> int:
        return len(self._slots) + len(self._tail_slots)

    def add(self, slot: int, indices: np.ndarray, values: np.ndarray) -> None:
        self._tail_features.frombytes(np.asarray(indices, dtype=np.int32).tobytes())
        self._tail_weights.frombytes(np.asarray(values, dtype=np.float32).tobytes())
        self._tail_slots.extend(array("i", [slot]) * len(indices))

    def _tail(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (np.frombuffer(self._tail_features, dtype=np.int32), np.frombuffer(self._tail_slots, dtype=np.int32),
                np.frombuffer(self._tail_weights, dtype=np.float32))

    def _sorted(self, features: np.ndarray, slots: np.ndarray, weights: np.ndarray):
        """Entries grouped by feature, each group in the order it was added (a stable sort; 16-bit feature ids
        sort by radix), with the group sizes."""
        key = features.astype(np.uint16) if self.features <= 1 << 16 else features
        order = np.argsort(key, kind="stable")
        return slots[order], weights[order], np.bincount(features, minlength=self.features)

    def merge(self) -> None:
        if not len(self._tail_slots):
            return
        tail_slots, tail_weights, tail_counts = self._sorted(*self._tail())
        base_counts = np.diff(self._indptr)
        indptr = np.zeros(self.features + 1, dtype=np.int64)
        np.cumsum(base_counts + tail_counts, out=indptr[1:])
        slots = np.empty(int(indptr[-1]), dtype=np.int32)
        weights = np.empty(int(indptr[-1]), dtype=np.float32)
        tail_at = 0
        # Each feature's run: its base entries, then its tail entries (added later, so higher slots).
        for feature in np.flatnonzero(base_counts + tail_counts):
            start, n_base, n_tail = int(indptr[feature]), int(base_counts[feature]), int(tail_counts[feature])
            old = int(self._indptr[feature])
            slots[start:start + n_base] = self._slots[old:old + n_base]
            weights[start:start + n_base] = self._weights[old:old + n_base]
            slots[start + n_base:start + n_base + n_tail] = tail_slots[tail_at:tail_at + n_tail]
            weights[start + n_base:start + n_base + n_tail] = tail_weights[tail_at:tail_at + n_tail]
            tail_at += n_tail
        self._indptr, self._slots, self._weights = indptr, slots, weights
        self._clear_tail()

    def scores(self, indices: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
        """sum over the query's features of query weight x document weight, for every slot below `size`."""
        if len(self._tail_slots) > self.MERGE_AT:
            self.merge()
        keep = (indices >= 0) & (indices < self.features)
        indices, values = indices[keep], values[keep]
        starts, ends = self._indptr[indices], self._indptr[indices + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        result = np.zeros(size, dtype=np.float64)
        if total:
            # The positions of every entry of the query's features, gathered at once.
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
            result += np.bincount(self._slots[offsets], weights=self._weights[offsets] * np.repeat(values, lengths),
                                  minlength=size)[:size]
        if len(self._tail_slots):
            tail_features, tail_slots, tail_weights = self._tail()
            query = np.zeros(self.features, dtype=np.float32)
            query[indices] = values
            hit = query[tail_features] > 0
            if hit.any():
                result += np.bincount(tail_slots[hit], weights=tail_weights[hit] * query[tail_features[hit]],
                                      minlength=size)[:size]
        return result.astype(np.float32)

    def compact(self, new_slot: np.ndarray) -> None:
        """Renumber slots with `new_slot` (old slot -> new slot, or -1 for a dead one) and drop the dead."""
        self.merge()
        slots = new_slot[self._slots]
        keep = slots >= 0
        features = np.repeat(np.arange(self.features, dtype=np.int32), np.diff(self._indptr))
        counts = np.bincount(features[keep], minlength=self.features)
        self._indptr = np.zeros(self.features + 1, dtype=np.int64)
        np.cumsum(counts, out=self._indptr[1:])
        self._slots = slots[keep].astype(np.int32)
        self._weights = self._weights[keep]

    def nbytes(self) -> int:
        return self._slots.nbytes + self._weights.nbytes + self._indptr.nbytes + 12 * len(self._tail_slots)
