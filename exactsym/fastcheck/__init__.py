r"""An independent fast certificate checker (``exactsym check --engine flint``).

Trusted base: python-flint (exact ``fmpz_mat`` products for the labels,
``nmod_mat`` rank for the minor), numpy integer arithmetic modulo a prime
below 2^21 (products below 2^42, sums of at most 2^21 of them, so int64 is
exact), the network parser (:mod:`exactsym.network.model`) and the shared
exact helpers (:mod:`exactsym.check.shared`: strict rationals, primality,
the bound prime). None of exactsym's own kernels (C elimination, Jacobian
mod p, region engine) is used.

Claims accelerated: ``fdim>=r`` (:mod:`.fdim`). Every other certificate
(bundles included) is handed to the standard-library checker
(:func:`exactsym.check.check_certificate`) unchanged, so the fast engine
never accepts what the minimal one rejects for those claims.
"""

from __future__ import annotations

__all__ = ["check_certificate_fast"]


def check_certificate_fast(cert, progress=None):
    """Verify ``cert``; ``fdim>=r`` with FLINT, everything else with the stdlib checker."""
    from ..check import CheckResult, check_certificate
    from ..check.shared.exact import CheckFailure
    if not (isinstance(cert, dict) and cert.get("claim") == "fdim>=r" and "claims" not in cert):
        return check_certificate(cert)
    from .fdim import verify_fdim_ge_fast
    try:
        if cert.get("format") != "exactsym-cert/1":
            raise CheckFailure(f"format is {cert.get('format')!r}, expected 'exactsym-cert/1'")
        return CheckResult(True, "fdim>=r", verify_fdim_ge_fast(cert, progress))
    except CheckFailure as e:
        return CheckResult(False, "fdim>=r", str(e))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError,
            RecursionError, OverflowError) as e:
        return CheckResult(False, "fdim>=r", f"malformed certificate ({type(e).__name__}: {str(e)[:120]})")
