r"""Float proposals for the region engine: LPs that suggest points and supports.

Nothing here decides anything. The centre LP and one facet LP per neuron
run in C (``csrc/arrangement/es_lp.c``, bound in :mod:`._regions`); when a
facet LP's dual support does not give an exact Farkas identity, HiGHS
(:func:`fallback_support`) proposes a second support. Every proposal is
checked exactly in :mod:`.witnesses`.
"""

from __future__ import annotations

import math

__all__ = ["float_forms", "region_lps", "fallback_support", "DUAL_TOL", "FLAT_TOL"]

#: a facet LP whose optimum t* is at most this proposes "no facet" (a Farkas support)
FLAT_TOL = 1e-12
#: HiGHS duals smaller than this are outside the proposed support
DUAL_TOL = 1e-11


def float_forms(M, scales_np, n0):
    """Float ``(A, c)`` of the true forms ``z_k = M_k / S_k`` (rows of the integer forms)."""
    import numpy as np
    try:
        Mf = np.array(M, dtype=np.float64)
    except OverflowError:
        Mf = np.array([[float(v) for v in row] for row in M])
    Mf /= scales_np[:, None]
    return Mf[:, :n0], Mf[:, n0]


def region_lps(A, c, s, fbox, todo):
    """All float LPs of one region (see ``csrc/arrangement/es_lp.h``), as Python lists.

    Returns ``(rc, center, radius, tstar, pts, supp, status)``.
    """
    from ._regions import region_lps as _lps
    rc, center, radius, tstar, pts, supp, status = _lps(A, c, s, fbox, todo)
    return rc, center, radius, tstar.tolist(), pts.tolist(), supp.tolist(), status.tolist()


def fallback_support(s, M, h, H, n0, fbox):
    """A second proposal from HiGHS: minimise s_h z_h over the region's other constraints.

    Returns ``(support, None)`` with the ids of the active constraints
    (neurons ``k < H``; box faces ``H + 2 i + side``), or ``(None, why)``.
    """
    try:
        import numpy as np
        from scipy.optimize import linprog
    except ImportError:
        return None, "scipy unavailable for the fallback LP"
    rows, rhs, ids = [], [], []
    for k in range(H):
        if k == h:
            continue
        a = [float(v) for v in M[k][:n0]]
        nrm = math.sqrt(sum(v * v for v in a)) or 1.0
        rows.append([-s[k] * v / nrm for v in a])
        rhs.append(s[k] * float(M[k][n0]) / nrm)
        ids.append(k)
    bounds = [(None, None)] * n0 if fbox is None else [fbox] * n0
    ah = [s[h] * float(v) for v in M[h][:n0]]
    nrm = math.sqrt(sum(v * v for v in ah)) or 1.0
    try:
        res = linprog(np.array(ah) / nrm, A_ub=np.array(rows) if rows else None,
                      b_ub=np.array(rhs) if rows else None, bounds=bounds, method="highs")
    except Exception as e:  # noqa: BLE001 - any solver failure is just "no proposal"
        return None, f"fallback LP failed ({type(e).__name__})"
    if res.status != 0:
        return None, f"fallback LP status {res.status}"
    supp = []
    duals = res.ineqlin.marginals if rows else []
    for k, dv in zip(ids, duals):
        if abs(dv) > DUAL_TOL:
            supp.append(k)
    if fbox is not None:
        lo_m = res.lower.marginals
        hi_m = res.upper.marginals
        for i in range(n0):
            if abs(lo_m[i]) > DUAL_TOL:
                supp.append(H + 2 * i)
            if abs(hi_m[i]) > DUAL_TOL:
                supp.append(H + 2 * i + 1)
    return supp, None
