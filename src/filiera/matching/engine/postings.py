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
    millions of entries at scale).

    Most features are rare and live in posting lists (a base laid out feature by feature, 6 bytes an entry: a
    32-bit slot and a 16-bit float weight). A few hundred are common (in a fifth of the documents or more): a query
    names many of them and their lists are long, so they would cost a search most of its time; they live in dense
    rows (one float a slot) that a search reads with one matrix product.

    Recent additions wait in a tail, in the order they came, which a search scans with a lookup table. A search
    merges the tail once it is large: loading many documents in a row costs one merge. A merge places each entry
    at its feature's next free position (a counting sort, in chunks), so it needs no more memory than the result;
    the common features are chosen again whenever the index has doubled since they were last chosen."""

    MERGE_AT = 1 << 18  # tail entries (about 1,000 documents): scanning them costs a search ~2 ms
    CHUNK = 1 << 20  # tail entries placed at a time by a merge
    DENSE_SHARE = 0.2  # a feature in at least this share of the slots gets a dense row
    DENSE_FROM = 20_000  # slots: below, lists alone are fast enough and dense rows would be mostly empty

    def __init__(self, features: int) -> None:
        self.features = features
        self._feature_code = "H" if features <= 1 << 16 else "i"
        self._indptr = np.zeros(features + 1, dtype=np.int64)
        self._slots = np.empty(0, dtype=np.int32)
        self._weights = np.empty(0, dtype=np.float16)
        self._dense_row = np.full(features, -1, dtype=np.int32)  # feature -> its dense row, or -1
        self._dense = np.zeros((0, 0), dtype=np.float32)  # rows x slots
        self._chosen_at = 0  # slots when the dense features were last chosen
        self._width = 0  # slots seen by merges (1 + the highest slot)
        self._clear_tail()

    def _clear_tail(self) -> None:
        self._tail_features = array(self._feature_code)
        self._tail_weights = array("H")  # float16 bits
        self._tail_documents = array("i")  # slot and number of entries of each document added, in order
        self._tail_lengths = array("i")

    def __len__(self) -> int:
        return len(self._slots) + len(self._tail_features) + int(np.count_nonzero(self._dense))

    def add(self, slot: int, indices: np.ndarray, values: np.ndarray) -> None:
        dtype = np.uint16 if self._feature_code == "H" else np.int32
        self._tail_features.frombytes(np.asarray(indices, dtype=dtype).tobytes())
        self._tail_weights.frombytes(np.asarray(values, dtype=np.float16).tobytes())
        self._tail_documents.append(slot)
        self._tail_lengths.append(len(indices))

    def _tail(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The tail's features, slots and weights, entry by entry."""
        features = np.frombuffer(self._tail_features, dtype=np.uint16 if self._feature_code == "H" else np.int32)
        slots = np.repeat(np.frombuffer(self._tail_documents, dtype=np.int32),
                          np.frombuffer(self._tail_lengths, dtype=np.int32))
        return features, slots, np.frombuffer(self._tail_weights, dtype=np.float16)

    def merge(self) -> None:
        if not len(self._tail_features):
            return
        features = np.frombuffer(self._tail_features, dtype=np.uint16 if self._feature_code == "H" else np.int32)
        weights = np.frombuffer(self._tail_weights, dtype=np.float16)
        documents = np.frombuffer(self._tail_documents, dtype=np.int32)
        ends = np.cumsum(np.frombuffer(self._tail_lengths, dtype=np.int32))
        self._width = max(self._width, int(documents.max()) + 1)
        if len(self._dense):
            self._widen(self._width)

        def chunks():
            # The tail a chunk at a time (its slots are worked out per chunk, so a merge of millions of entries
            # needs little memory beyond its result). Entries of features with a dense row go there.
            for at in range(0, len(features), self.CHUNK):
                chunk = features[at:at + self.CHUNK]
                slots = documents[np.searchsorted(ends, np.arange(at, at + len(chunk)), side="right")]
                chunk_weights = weights[at:at + self.CHUNK]
                rows = self._dense_row[chunk]
                dense = rows >= 0
                if dense.any():
                    self._dense[rows[dense], slots[dense]] = chunk_weights[dense]
                    chunk, slots, chunk_weights = chunk[~dense], slots[~dense], chunk_weights[~dense]
                yield chunk, slots, chunk_weights

        tail_counts = np.bincount(features, minlength=self.features)
        tail_counts[self._dense_row >= 0] = 0
        self._merge_lists(tail_counts, chunks())
        self._clear_tail()
        if self._width >= self.DENSE_FROM and self._width >= 2 * self._chosen_at:
            self._choose_dense()

    def _merge_lists(self, tail_counts: np.ndarray, chunks) -> None:
        """Adds entries to the lists: `tail_counts` per feature, given as (features, slots, weights) chunks in the
        order they were added."""
        base_counts = np.diff(self._indptr)
        indptr = np.zeros(self.features + 1, dtype=np.int64)
        np.cumsum(base_counts + tail_counts, out=indptr[1:])
        slots = np.empty(int(indptr[-1]), dtype=np.int32)
        weights = np.empty(int(indptr[-1]), dtype=np.float16)
        # Each feature's run: its base entries first, then its tail entries (added later, so higher slots).
        for feature in np.flatnonzero(base_counts):
            start, n, old = int(indptr[feature]), int(base_counts[feature]), int(self._indptr[feature])
            slots[start:start + n] = self._slots[old:old + n]
            weights[start:start + n] = self._weights[old:old + n]
        self._slots = self._weights = None  # the old lists are copied: let them go before the tail is placed
        next_free = indptr[:-1] + base_counts
        for features, chunk_slots, chunk_weights in chunks:
            order = np.argsort(features, kind="stable")  # 16-bit ids sort by radix
            grouped = features[order]
            counts = np.bincount(grouped, minlength=self.features)
            rank = np.arange(len(grouped)) - (np.cumsum(counts) - counts)[grouped]
            positions = next_free[grouped] + rank
            slots[positions] = chunk_slots[order]
            weights[positions] = chunk_weights[order]
            next_free += counts
        self._indptr, self._slots, self._weights = indptr, slots, weights

    def _widen(self, width: int) -> None:
        if self._dense.shape[1] < width:
            wider = np.zeros((self._dense.shape[0], max(width, int(self._dense.shape[1] * 1.25))), dtype=np.float32)
            wider[:, :self._dense.shape[1]] = self._dense
            self._dense = wider

    def _choose_dense(self) -> None:
        """Gives a dense row to every feature in DENSE_SHARE of the slots or more, and back to the lists the
        features that no longer are."""
        features = np.flatnonzero(self._dense_row >= 0)
        if len(features):  # back into the lists first, then choose among all
            rows = self._dense[self._dense_row[features], :self._width]
            row, slots = np.nonzero(rows)
            self._dense_row[:] = -1
            self._dense = np.zeros((0, 0), dtype=np.float32)
            back = features[row].astype(np.int32)
            self._merge_lists(np.bincount(back, minlength=self.features),
                              [(back, slots.astype(np.int32), rows[row, slots].astype(np.float16))])
        counts = np.diff(self._indptr)
        common = np.flatnonzero(counts >= self.DENSE_SHARE * self._width)
        self._chosen_at = self._width
        if not len(common):
            return
        self._dense = np.zeros((len(common), self._width), dtype=np.float32)
        for row, feature in enumerate(common):
            start, end = self._indptr[feature], self._indptr[feature + 1]
            self._dense[row, self._slots[start:end]] = self._weights[start:end]
            self._dense_row[feature] = row
        keep = np.ones(len(self._slots), dtype=bool)
        for feature in common:
            keep[self._indptr[feature]:self._indptr[feature + 1]] = False
        counts[common] = 0
        self._indptr = np.zeros(self.features + 1, dtype=np.int64)
        np.cumsum(counts, out=self._indptr[1:])
        self._slots, self._weights = self._slots[keep], self._weights[keep]

    def scores(self, indices: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
        """sum over the query's features of query weight x document weight, for every slot below `size`."""
        if len(self._tail_features) > self.MERGE_AT:
            self.merge()
        keep = (indices >= 0) & (indices < self.features)
        indices, values = indices[keep], values[keep].astype(np.float32)
        result = np.zeros(size, dtype=np.float64)
        rows = self._dense_row[indices]
        in_rows = rows >= 0
        if in_rows.any():
            width = min(size, self._dense.shape[1])
            result[:width] += values[in_rows] @ self._dense[rows[in_rows], :width]
        listed, listed_values = indices[~in_rows], values[~in_rows]
        starts, ends = self._indptr[listed], self._indptr[listed + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total:
            # The positions of every entry of the query's listed features, gathered at once.
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
            weights = self._weights[offsets].astype(np.float32) * np.repeat(listed_values, lengths)
            result += np.bincount(self._slots[offsets], weights=weights, minlength=size)[:size]
        if len(self._tail_features):
            tail_features, tail_slots, tail_weights = self._tail()
            query = np.zeros(self.features, dtype=np.float32)
            query[indices] = values
            hit = query[tail_features] > 0
            if hit.any():
                weights = tail_weights[hit].astype(np.float32) * query[tail_features[hit]]
                result += np.bincount(tail_slots[hit], weights=weights, minlength=size)[:size]
        return result.astype(np.float32)

    def compact(self, new_slot: np.ndarray) -> None:
        """Renumber slots with `new_slot` (old slot -> new slot, or -1 for a dead one, in order) and drop the
        dead."""
        self.merge()
        slots = new_slot[self._slots]
        keep = slots >= 0
        features = np.repeat(np.arange(self.features, dtype=np.int32), np.diff(self._indptr))
        counts = np.bincount(features[keep], minlength=self.features)
        self._indptr = np.zeros(self.features + 1, dtype=np.int64)
        np.cumsum(counts, out=self._indptr[1:])
        self._slots = slots[keep].astype(np.int32)
        self._weights = self._weights[keep]
        kept = np.flatnonzero(new_slot[:self._width] >= 0)
        self._dense = np.ascontiguousarray(self._dense[:, kept]) if self._dense.size else self._dense
        self._width = len(kept)

    def nbytes(self) -> int:
        return (self._slots.nbytes + self._weights.nbytes + self._indptr.nbytes + self._dense.nbytes
                + 4 * len(self._tail_features) + 8 * len(self._tail_documents))
