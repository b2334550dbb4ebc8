r"""An independent fast certificate checker (``exactsym check --engine flint``).

Trusted base: python-flint (exact ``fmpz_mat`` products for the labels,
``nmod_mat`` rank for the minor), numpy integer arithmetic modulo a prime
below 2^21 (products below 2^42, sums of at most 2^21 of them, so int64 is
exact), and the standard-library checker itself for everything else. None of exactsym's own kernels (C elimination, Jacobian
mod p, region engine) is used.

Every certificate goes through the standard-library checker
(:func:`exactsym.check.check_certificate`), which does all syntax, structure and
prime binding itself; for ``fdim>=r`` it hands only the exact labels of the
points and the minor mod P to :class:`.fdim.FlintAccel`. So the fast engine
rejects everything the minimal one rejects for syntax or structure, and the two
differ only in how those two exact quantities are computed.
"""

from __future__ import annotations

__all__ = ["check_certificate_fast"]


def check_certificate_fast(cert, progress=None):
    """Verify ``cert`` with the stdlib checker, its heavy ``fdim>=r`` steps done by FLINT."""
    from ..check import check_certificate
    from .fdim import FlintAccel
    return check_certificate(cert, accel=FlintAccel(progress))
