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
