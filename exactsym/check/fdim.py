r"""Trusted verifier for ``fdim>=r`` certificates. Standard library only.

Evidence: smooth rational points Z with their ±1 labels, a row set R and a
column set C of the batch Jacobian :math:`J_Z` (row ``i * n_d + k`` is output
``k`` at point ``i``; columns are flat parameter indices, canonical order),
``|R| = |C| = r``, and a prime p.

Why it is true (modular lemma, SPEC section 2). At a smooth point the
activation pattern is constant nearby, so :math:`F` is polynomial in theta
there and :math:`J_Z` is well defined and rational. If
:math:`\det J_Z[R, C] \not\equiv 0 \pmod p` (p dividing no denominator), the
rational minor is nonzero, so :math:`\operatorname{rank}_{\mathbb Q} J_Z \ge r`
and hence :math:`\dim_{fun}(\theta) \ge r` (on a box domain the points must lie
strictly inside it, so the smooth points of the box's interior give the bound there).

Binding. Any prime with a nonzero minor would prove the claim, so to make
every number in the certificate matter the prime is *derived* from the rest
of it (:func:`bound_prime`): ``h = SHA-256`` of the canonical JSON of
``claim, r, network_sha256, domain, points, labels, rows, columns``; for
``t = 0, 1, ...`` the candidate ``c = (2^20 + u_t mod 2^20) | 1`` with
``u_t`` the first 8 bytes of ``SHA-256(h || t)`` (big endian) is taken when it
is prime and divides no denominator of the network or the points. Changing
any number then changes the required prime (or, for the prime itself,
breaks the equality), except with probability about ``1/73000`` (the number
of primes in ``[2^20, 2^21)``) for a change that keeps the minor nonzero.

Checks, in order: the network and its SHA-256; p prime and bound; r, rows and columns
integers in range, without duplicates, ``r <= min(#rows, D)``; every point
has ``n0`` rational coordinates and its exact labels equal the stated ones
with no zero; the minor, built from exact rational Jacobian rows
(:func:`exactsym.check.common.jacobian_rows`), reduced mod p (failing if p
divides a denominator), has nonzero determinant mod p (:func:`det_nonzero_packed`: the same
elimination as ``common.det_nonzero_mod_p`` with rows packed into big
integers, tested against it).
"""

from __future__ import annotations

from .common import (
    CheckFailure,
    in_domain_strict,
    integer,
    is_prime,
    jacobian_rows,
    keys,
    labels_of,
    load_network,
    parse_domain,
    pre_activations,
    progress,
    rational_vector,
    residue,
)
from .shared.primes import bound_prime

__all__ = ["verify_fdim_ge", "VERIFIERS"]

#: the keys of the evidence object (exactly these)
EVIDENCE_KEYS = ("prime", "points", "labels", "rows", "columns")


def det_nonzero_packed(M: list, p: int) -> bool:
    """True when the square matrix M (entries in [0, p)) is invertible mod p.

    Same Gaussian elimination as :func:`exactsym.check.common.det_nonzero_mod_p`,
    but each row is packed into one Python integer with a ``w``-bit slot per
    entry, so a row operation ``r += (p - f) * pivot_row`` is a single big-integer
    multiply-add done by the interpreter's C code. Entries stay nonnegative;
    a slot grows by at most ``(p-1)^2`` per update and is read only modulo p,
    and ``w`` leaves room for ``n`` updates: ``2^w > p + n p^2``. The pivot
    row is unpacked, reduced and normalised to 1 at its pivot (so its earlier
    slots are exactly 0 and it never grows again).
    """
    n = len(M)
    if n == 0:
        return True
    w = 2 * p.bit_length() + n.bit_length() + 2
    w = -(-w // 8) * 8
    nb = w // 8
    mask = (1 << w) - 1

    def pack(vals):
        return int.from_bytes(b"".join(v.to_bytes(nb, "little") for v in vals), "little")

    rows = [pack([v % p for v in r]) for r in M]
    # invariant at step c: rows[c:] hold columns c..n-1 in slots 0..n-1-c
    for c in range(n):
        piv = None
        for r in range(c, n):
            if (rows[r] & mask) % p:
                piv = r
                break
        if piv is None:
            return False
        rows[c], rows[piv] = rows[piv], rows[c]
        x = rows[c]
        vals = [((x >> (w * j)) & mask) % p for j in range(n - c)]
        inv = pow(vals[0], -1, p)
        prow = pack([v * inv % p for v in vals])
        for r in range(c + 1, n):
            f = (rows[r] & mask) % p
            if f:
                rows[r] = (rows[r] + (p - f) * prow) >> w
            else:
                rows[r] >>= w
    return True


def verify_fdim_ge(cert, accel=None) -> str:
    """Verify an ``fdim>=r`` certificate.

    ``accel`` (optional, from :mod:`exactsym.fastcheck`) replaces the two heavy exact
    steps only, the labels of the points and the minor mod P, with methods
    ``labels(net, points)`` and ``minor_nonzero(net, points, labels, rows, cols, P)``;
    every structural and syntactic check, and the binding of the prime, stay here.
    """
    net = load_network(cert)
    box = parse_domain(cert.get("domain"), net.n0)  # R^n0, or a box: every point strictly inside
    ev = keys(cert.get("evidence"), "evidence", required=EVIDENCE_KEYS)
    P = integer(ev.get("prime"), "evidence.prime", lo=2)
    if not is_prime(P):
        raise CheckFailure(f"evidence.prime {P} is not prime")
    pts = ev.get("points")
    labs = ev.get("labels")
    if not isinstance(pts, list) or not isinstance(labs, list):
        raise CheckFailure("evidence.points and evidence.labels must be lists")
    if len(pts) != len(labs):
        raise CheckFailure(f"{len(pts)} points but {len(labs)} labels")
    nd, D = net.n_out, net.D
    n_rows = len(pts) * nd
    r = integer(cert.get("r"), "r", lo=0)
    if r > min(n_rows, D):
        raise CheckFailure(f"r = {r} exceeds min(#rows = {n_rows}, D = {D})")
    if r > net.bound:
        # the H scaling generators lie in ker J_Z; with all incoming rows
        # nonzero they are independent, so rank <= D - H
        if all(any(net.layers[l - 1][0][j]) or net.layers[l - 1][1][j] != 0
               for l, j in net.hidden_neurons()):
            raise CheckFailure(f"r = {r} exceeds the bound D - H = {net.bound}")
    rows, cols = ev.get("rows"), ev.get("columns")
    if not isinstance(rows, list) or not isinstance(cols, list):
        raise CheckFailure("evidence.rows and evidence.columns must be lists")
    if len(rows) != r or len(cols) != r:
        raise CheckFailure(f"need {r} rows and {r} columns, got {len(rows)} and {len(cols)}")
    rows = [integer(v, f"evidence.rows[{i}]", 0, n_rows - 1) for i, v in enumerate(rows)]
    cols = [integer(v, f"evidence.columns[{i}]", 0, D - 1) for i, v in enumerate(cols)]
    if len(set(rows)) != r:
        raise CheckFailure("evidence.rows has duplicates")
    if len(set(cols)) != r:
        raise CheckFailure("evidence.columns has duplicates")
    H = net.H
    points = []
    for i, (x, lab) in enumerate(zip(pts, labs)):
        pt = rational_vector(x, net.n0, f"evidence.points[{i}]")
        if not isinstance(lab, list) or len(lab) != H:
            raise CheckFailure(f"evidence.labels[{i}]: expected {H} entries")
        for j, s in enumerate(lab):
            # integer(): 1.0 == 1 in Python, but a label is a JSON integer
            if integer(s, f"evidence.labels[{i}][{j}]") not in (1, -1):
                raise CheckFailure(f"evidence.labels[{i}][{j}] must be 1 or -1")
        if box is not None and not in_domain_strict(pt, box):
            raise CheckFailure(f"evidence.points[{i}] is not strictly inside the domain box")
        points.append(pt)
    exact_labels = (accel.labels(net, points) if accel is not None
                    else [labels_of(pre_activations(net, pt)) for pt in points])
    for i, (exact, lab) in enumerate(zip(exact_labels, labs)):
        if 0 in exact:
            raise CheckFailure(f"evidence.points[{i}] lies on a bent hyperplane")
        if list(exact) != list(lab):
            raise CheckFailure(f"evidence.labels[{i}] differ from the exact labels")
    dens = [q.denominator for q in net.flat()] + [q.denominator for x in points for q in x]
    if P != bound_prime(cert, dens):
        raise CheckFailure(f"evidence.prime {P} is not the prime bound to this evidence")
    nonzero = (accel.minor_nonzero(net, points, labs, rows, cols, P) if accel is not None
               else _minor_nonzero(net, points, rows, cols, P))
    if not nonzero:
        raise CheckFailure(f"the {r} x {r} minor is singular mod {P}")
    engine = "" if accel is None else f" [engine {getattr(accel, 'name', 'accel')}]"
    return (f"fdim >= {r}: a {r} x {r} minor of the Jacobian at {len(points)} smooth points "
            f"is nonzero mod {P} (bound D - H = {net.bound}){engine}")


def _minor_nonzero(net, points, rows, cols, P) -> bool:
    """The minor J_Z[rows, cols] mod P is invertible, from exact rational Jacobian rows."""
    nd = net.n_out
    need = sorted({q // nd for q in rows})
    jrows = {}
    for n, i in enumerate(need, 1):
        for k, row in enumerate(jacobian_rows(net, points[i])):
            jrows[i * nd + k] = row
        progress(n, len(need), "exact Jacobian rows (points)", every=64)
    M = [[residue(jrows[q][c], P) for c in cols] for q in rows]
    return det_nonzero_packed(M, P)


VERIFIERS = {"fdim>=r": verify_fdim_ge}
#: claims whose heavy exact steps an ``accel`` object may replace (``exactsym check --engine flint``)
ACCELERATED = ("fdim>=r",)
#: top-level keys of the claim besides the common ones
TOP_KEYS = {"fdim>=r": ("r",)}
