"""Counter-based random streams.

Every random number in peersim is a pure function of the key
``(seed, run, week, stream, member[, other])``. There is no generator state to advance, so:

- run ``k`` is the same whether it is simulated alone, in a chunk of 10,000, on any worker, in the
  batch engine or in the Mesa model (batch invariance);
- the same people meet the same draws under another context (common random numbers);
- switching a mechanism off, or adding one, does not shift any other mechanism's draws, because
  each decision has its own named stream.

The mix is SplitMix64's finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators", OOPSLA), applied to the key fields one after another: ``h = mix(h + GOLDEN*(x+1))``.
SplitMix64 itself is exactly ``mix(state + GOLDEN*i)`` and passes BigCrush, so the last step (over
members) is that generator with a key-derived state. Arithmetic is numpy uint64 (wrapping).
Uniforms take the top 53 bits and sit at the centre of their bin, so they lie strictly in (0, 1).
"""

from __future__ import annotations

import zlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_ONE = np.uint64(1)
_TO_UNIT = 2.0**-53

#: Largest seed or run index: past it the uint64 arithmetic of the streams would wrap around.
MAX_SEED = 2**63 - 1


def valid_seed(seed) -> bool:
    """The one seed rule: a whole number (not a bool), 0 to ``MAX_SEED``."""
    return not isinstance(seed, bool) and isinstance(seed, int | np.integer) and 0 <= seed <= MAX_SEED


#: Member index used for draws that belong to the whole group (e.g. a mishandled moment).
GROUP = 2**31
#: Facilitators' member indices start here, so the group size never shifts their draws.
FACILITATOR_BASE = 2**30


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, in place on a uint64 array (returns it); one scratch array."""
    t = z >> _S30
    z ^= t
    z *= _M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


def _combine(h: np.ndarray, x) -> np.ndarray:
    """Fold one key field into the hash: mix(h + GOLDEN*(x+1)); new array."""
    # atleast_1d: numpy warns on scalar uint64 overflow but wraps arrays silently, as we want
    return _mix(h + _GOLDEN * (np.atleast_1d(np.asarray(x, dtype=np.uint64)) + _ONE))


def stream_id(name: str) -> int:
    """Stable 32-bit id of a stream name (the same in every Python process and version)."""
    return zlib.crc32(name.encode("utf-8"))


def _to_unit(z: np.ndarray) -> np.ndarray:
    """Top 53 bits to (0, 1), at the centre of their bin; consumes z."""
    z >>= _S11
    u = z.astype(np.float64)
    u += 0.5
    u *= _TO_UNIT
    return u


class Streams:
    """Uniform draws for a block of runs of one seed.

    ``Streams(seed, runs)`` holds the per-run keys; ``uniform(stream, week, members)`` returns an
    array of shape ``(len(runs), len(members))``. Draw only what a decision needs: the cost is one
    hash per number.
    """

    def __init__(self, seed: int, runs: np.ndarray) -> None:
        if not valid_seed(seed):
            shown = seed if isinstance(seed, int | np.integer) and abs(seed) < 2**100 else type(seed).__name__
            raise ValueError(f"seed = {shown} must be a whole number, 0 to 2**63 - 1")
        runs = np.asarray(runs)
        if runs.size and (runs.dtype.kind not in "iu" or runs.min() < 0 or runs.max() > MAX_SEED):
            raise ValueError("run indices must be whole numbers, 0 to 2**63 - 1")
        self.seed = int(seed)
        self.runs = np.asarray(runs, dtype=np.int64)
        seed_key = _combine(np.zeros(1, dtype=np.uint64), self.seed % 2**64)
        self._run_keys = _combine(seed_key, self.runs.astype(np.uint64))
        self._week: tuple[int | None, np.ndarray] = (None, self._run_keys)

    def _key(self, stream: str, week: int) -> np.ndarray:
        if self._week[0] != week:  # many streams draw in the same week: fold the week in once
            self._week = (week, _combine(self._run_keys, week))
        return _combine(self._week[1], stream_id(stream))

    def uniform(self, stream: str, week: int, members: np.ndarray) -> np.ndarray:
        """Draws of shape (runs, members) for one decision in one week."""
        h = self._key(stream, week)
        m = _GOLDEN * (np.atleast_1d(np.asarray(members, dtype=np.uint64)) + _ONE)
        return _to_unit(_mix(h[:, None] + m[None, :]))

    def uniform_pairs(self, stream: str, week: int, members: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Draws of shape (runs, members, others), keyed by (member, other)."""
        # a stream key of its own, so pair draws never coincide with the stream's single draws
        return _to_unit(self.uniform_pairs_bits(stream, week, members, others))

    def uniform16(self, stream: str, week: int, members: np.ndarray, k: int, dtype=np.float64) -> np.ndarray:
        """k draws per member, (runs, members, k), with 16-bit resolution: each 64-bit hash yields
        four. For noise that is rounded afterwards (questionnaire items) this resolution is ample
        and it costs a quarter of the hashes."""
        words = self.uniform_pairs_bits(stream, week, members, np.arange(-(-k // 4)))
        # little-endian 16-bit view: the four quarters of each word, lowest first, on any machine
        quarters = words.astype("<u8", copy=False).view("<u2")[:, :, :k]
        # (q + 1/2) / 2^16 has 17 significant bits: exact in float32 as in float64
        return (quarters.astype(dtype) + dtype(0.5)) * dtype(1.0 / 65536.0)

    def uniform_pairs_bits(self, stream, week, members, others) -> np.ndarray:
        h = self._key(stream + "/pairs", week)
        m = _GOLDEN * (np.atleast_1d(np.asarray(members, dtype=np.uint64)) + _ONE)
        inner = _mix(h[:, None] + m[None, :])
        o = _GOLDEN * (np.asarray(others, dtype=np.uint64) + _ONE)
        return _mix(inner[:, :, None] + o[None, None, :])

    def group(self, stream: str, week: int) -> np.ndarray:
        """One draw per run, for a decision that belongs to the whole group."""
        return self.uniform(stream, week, np.array([GROUP]))[:, 0]
