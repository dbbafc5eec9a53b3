"""The seed contract: every random draw of a run is seeded from the run seed and its place in the run.

Block ``b`` of a run seeded with ``s`` draws its round ``r`` with
``derive_seed(s, b, r)``. The seed depends on nothing else (not the executor,
the number of workers, the order blocks finish in or how they are grouped
into tasks), so the same seed gives the same samples, byte for byte,
in-process, on a process pool and on a Dask cluster.
"""

from __future__ import annotations

import numpy as np


def derive_seed(seed: int, *keys: int) -> int:
    """A 32-bit seed for sub-task ``keys`` of a run seeded with ``seed``.

    Independent of how many sub-tasks exist or in which order they run, so the
    same run seed always gives the same samples.
    """
    ss = np.random.SeedSequence(entropy=seed, spawn_key=tuple(int(k) for k in keys))
    return int(ss.generate_state(1, dtype=np.uint32)[0])
