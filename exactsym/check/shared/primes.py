r"""The bound prime of an ``fdim>=r`` certificate (``proofs/modular-lemma.md``).

The prime is derived from a hash of the claim, so the producer cannot pick
it; producer and checker derive it with this one function. Standard
library only.
"""

from __future__ import annotations

import hashlib
import json

from .exact import CheckFailure, is_prime

__all__ = ["PRIME_RANGE", "bound_prime"]

PRIME_RANGE = (2 ** 20, 2 ** 21)


def bound_prime(cert, denominators) -> int:
    """The prime an ``fdim>=r`` certificate must carry (see the module docstring).

    ``denominators``: the denominators of the network entries and points.
    """
    ev = cert["evidence"]
    body = {"claim": cert.get("claim"), "r": cert.get("r"), "network_sha256": cert.get("network_sha256"),
            "domain": cert.get("domain"), "points": ev.get("points"), "labels": ev.get("labels"),
            "rows": ev.get("rows"), "columns": ev.get("columns")}
    h = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).digest()
    lo, hi = PRIME_RANGE
    dens = [d for d in set(denominators) if d > 1]
    for t in range(1 << 20):
        u = int.from_bytes(hashlib.sha256(h + t.to_bytes(8, "big")).digest()[:8], "big")
        c = (lo + u % (hi - lo)) | 1
        if is_prime(c) and all(d % c for d in dens):
            return c
    raise CheckFailure("no bound prime found")  # pragma: no cover
