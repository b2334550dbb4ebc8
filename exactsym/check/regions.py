r"""Trusted verifiers for ``regions-complete`` and ``fdim=r``. Standard library only.

regions-complete (format in :mod:`exactsym.arrangement.evidence`; the compact
form, key ``pairs``, in :mod:`.regions_compact`; proof in
``proofs/regions-complete.md``): every region's point has
exactly its pattern (labels from the network's own exact evaluator, all
non-zero) and lies strictly inside the box; patterns are distinct; every
(region, hidden neuron) pair is covered exactly once, either

* by a facet witness ``{"point", "neighbor": k}``: the point has
  :math:`z_h = 0`, every other neuron of the region's sign, lies strictly
  inside the box, neuron h's form on the region has a non-zero gradient, and
  region k has the pattern with bit h flipped. The entry covers (r, h) and
  (k, h); or
* by Farkas multipliers: the affine identity
  :math:`s_h z_h = \sum_k \lambda_k s_k z_k + \sum_f \mu_f g_f + \lambda_0`
  holds exactly on the region's forms, with all multipliers > 0 (listed),
  :math:`\lambda_0 \ge 0`, and :math:`\lambda_0 > 0` or some :math:`\mu_f > 0`
  or some listed :math:`z_k` not proportional to :math:`z_h`.

Why this proves completeness: ``proofs/regions-complete.md`` (a generic path
crosses facets only; each facet leads to a listed region).

fdim=r: the regions-complete evidence above, ``n0+1`` points per region, each
in its region, affinely independent (a decisive set, SPEC 2); an r x r minor
of the stacked Jacobian (row ``point_index * n_d + output``) that is non-zero
mod a prime P (so rank >= r by the modular lemma); and D - r linearly
independent rational vectors v with J v = 0 exactly at every decisive point
(so rank <= r). Inside one region a Jacobian row is affine in the point, so
rank J over the decisive set is the rank over all smooth points: dim_fun = r.

Both evidence objects carry ``digest``, the SHA-256 of their other keys'
canonical JSON; it binds numbers whose change would still prove the claim
(an interior point moved inside its region).
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

from .common import (
    CheckFailure,
    det_nonzero_mod_p,
    domain_words,
    in_domain_strict,
    integer,
    is_prime,
    jacobian_rows,
    keys,
    load_network,
    parse_domain,
    progress,
    rational,
    rational_vector,
    residue,
)
from .regions_compact import _entry, _Pairs, verify_pairs

__all__ = ["VERIFIERS", "verify_regions_evidence"]

#: the keys of fdim=r evidence (a new evidence shape adds its keys to FDIM_EQUAL_OPTIONAL;
#: any other key is rejected). Regions evidence has exactly regions, digest and one of
#: facets (full form) / pairs (compact form).
FDIM_EQUAL_KEYS = ("regions", "decisive_points", "rows", "columns", "prime", "kernel", "digest")
FDIM_EQUAL_OPTIONAL = ()


def _digest(ev: dict) -> str:
    body = {k: v for k, v in ev.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _check_digest(ev, where):
    if not isinstance(ev, dict):
        raise CheckFailure(f"{where}: not an object")
    if ev.get("digest") != _digest(ev):
        raise CheckFailure(f"{where}: digest does not match the evidence (altered certificate)")


def _proportional(u, v) -> bool:
    n = len(u)
    return all(u[i] * v[j] == u[j] * v[i] for i in range(n) for j in range(i + 1, n))


class _IntNet:
    r"""The network's exact evaluator in integers (Fractions are ~10x slower).

    With :math:`d_l` the common denominator of :math:`[W_l | b_l]`,
    :math:`\tilde W_l = d_l W_l`, :math:`S_l = d_1 \cdots d_l` and a point
    :math:`x = P/Q`: :math:`S_l Q z_l = \tilde W_l \tilde a_{l-1} + \tilde b_l S_{l-1} Q`
    with :math:`\tilde a_{l-1} = S_{l-1} Q\, \mathrm{relu}(z_{l-1})` and
    :math:`\tilde a_0 = P`; signs are those of :math:`z` since :math:`S_l Q > 0`.
    Forms: the integer row :math:`M_k = S_{l(k)} (a_k, c_k)` of every hidden neuron.
    """

    def __init__(self, net):
        from math import lcm
        self.layers, self.S, self.scale = [], [1], []
        for l, (W, b) in enumerate(net.layers):
            d = 1
            for v in [x for row in W for x in row] + list(b):
                d = lcm(d, v.denominator)
            self.layers.append(([[int(v * d) for v in row] for row in W], [int(v * d) for v in b]))
            self.S.append(self.S[-1] * d)
            if l < net.depth - 1:
                self.scale.extend([self.S[-1]] * len(W))
        self.n0 = net.n0

    def labels(self, x):
        from math import lcm
        Q = 1
        for v in x:
            Q = lcm(Q, v.denominator)
        a = [int(v * Q) for v in x]
        lab = []
        for l, (W, b) in enumerate(self.layers[:-1]):
            sq = self.S[l] * Q
            z = [sum(w * v for w, v in zip(row, a)) + bi * sq for row, bi in zip(W, b)]
            lab.extend((v > 0) - (v < 0) for v in z)
            a = [v if v > 0 else 0 for v in z]
        return tuple(lab)

    def forms(self, pattern):
        """Integer forms of every hidden neuron on ``pattern`` (rows shared between calls: read only).

        Layer l's rows depend only on the labels of the layers before it; they
        are cached per pattern prefix (cleared when the cache is full).
        """
        n0 = self.n0
        prev = [[int(i == j) for j in range(n0)] + [0] for i in range(n0)]   # x itself
        out = []
        h = 0
        if not hasattr(self, "_cache"):
            self._cache = {}
        for l, (W, b) in enumerate(self.layers[:-1]):
            key = (l, tuple(pattern[:h]))
            rows = self._cache.get(key)
            if rows is None:
                rows = []
                for row, bi in zip(W, b):
                    r = [sum(w * p[j] for w, p in zip(row, prev)) for j in range(n0 + 1)]
                    r[n0] += bi * self.S[l]
                    rows.append(r)
                if len(self._cache) >= 8192:
                    self._cache.clear()
                self._cache[key] = rows
            out.extend(rows)
            prev = [r if pattern[h + j] > 0 else [0] * (n0 + 1) for j, r in enumerate(rows)]
            h += len(rows)
        return out


def _parse_regions(regs, inet, box, n0, H, allow_zero):
    """Patterns and interior points: each point strictly inside, with exactly its pattern."""
    if not isinstance(regs, list) or not regs:
        raise CheckFailure("evidence.regions must be a non-empty list")
    signs = (1, -1, 0) if allow_zero else (1, -1)
    patterns, seen = [], {}
    for r, reg in enumerate(regs):
        progress(r + 1, len(regs), "regions (interior points)", every=1000)
        if not isinstance(reg, dict) or set(reg) != {"pattern", "point"}:
            raise CheckFailure(f"regions[{r}] must be an object with 'pattern' and 'point'")
        pat = reg.get("pattern")
        if not isinstance(pat, list) or len(pat) != H:
            raise CheckFailure(f"regions[{r}].pattern must list {H} signs")
        pat = tuple(integer(v, f"regions[{r}].pattern") for v in pat)
        if any(v not in signs for v in pat):
            raise CheckFailure(f"regions[{r}].pattern entries must be in {list(signs)}")
        x = rational_vector(reg.get("point"), n0, f"regions[{r}].point")
        if not in_domain_strict(x, box):
            raise CheckFailure(f"regions[{r}].point is not strictly inside the box")
        if inet.labels(x) != pat:
            raise CheckFailure(f"regions[{r}].point does not have the stated pattern")
        if pat in seen:
            raise CheckFailure(f"regions[{r}] repeats the pattern of regions[{seen[pat]}]")
        seen[pat] = r
        patterns.append(pat)
    return patterns


def _check_farkas(fk, F, s, h, inet, box, where, n0, H):
    r"""Written-out multipliers: the identity (F) exactly, all > 0, and the dimension condition."""
    if not isinstance(fk, dict) or not set(fk) <= {"constant", "neurons", "box"} or "constant" not in fk:
        raise CheckFailure(f"{where}.farkas must have 'constant', 'neurons' and optional 'box'")
    lam0 = rational(fk["constant"], f"{where}.farkas.constant")
    if lam0 < 0:
        raise CheckFailure(f"{where}: Farkas constant is negative")
    coef = [Fraction(0)] * n0
    const = lam0
    nonprop = False
    used = set()
    nl = fk.get("neurons")
    if not isinstance(nl, list):
        raise CheckFailure(f"{where}.farkas.neurons must be a list")
    for i, item in enumerate(nl):
        if not isinstance(item, list) or len(item) != 2:
            raise CheckFailure(f"{where}.farkas.neurons[{i}] must be [neuron, multiplier]")
        k = integer(item[0], f"{where}.farkas.neurons[{i}][0]", 0, H - 1)
        lam = rational(item[1], f"{where}.farkas.neurons[{i}][1]")
        if k == h or k in used:
            raise CheckFailure(f"{where}: Farkas neuron {k} repeated or equal to {h}")
        used.add(k)
        if lam <= 0:
            raise CheckFailure(f"{where}: Farkas multipliers must be positive")
        f = lam * s[k] / inet.scale[k]
        Mk = F[k]
        for j in range(n0):
            if Mk[j]:
                coef[j] += f * Mk[j]
        const += f * Mk[n0]
        if s[k] != 0 and not _proportional(Mk, F[h]):
            nonprop = True
    used_f = _farkas_box(fk.get("box"), box, coef, where, n0)
    const += sum((mu * (box[1] if side else -box[0]) for (_, side), mu in used_f.items()), Fraction(0))
    Mh, Sh = F[h], inet.scale[h]
    if any(Fraction(s[h] * Mh[j], Sh) != coef[j] for j in range(n0)) or Fraction(s[h] * Mh[n0], Sh) != const:
        raise CheckFailure(f"{where}: Farkas identity fails")
    if not (lam0 > 0 or used_f or nonprop):
        raise CheckFailure(f"{where}: Farkas certificate does not bound the dimension "
                           "(only proportional neurons, constant 0)")


def _farkas_box(bl, box, coef, where, n0):
    """Box multipliers: adds their gradients to ``coef``; returns {(i, side): mu}.

    One spelling: no face multipliers is written by omitting ``box`` (the caller
    passes None then), never as an empty list.
    """
    if bl is None:
        return {}
    if box is None:
        raise CheckFailure(f"{where}: box multipliers on an R^n domain")
    if not isinstance(bl, list) or not bl:
        raise CheckFailure(f"{where}.farkas.box must be a non-empty list (omit it when empty)")
    used_f = {}
    for i, item in enumerate(bl):
        if not isinstance(item, list) or len(item) != 3:
            raise CheckFailure(f"{where}.farkas.box[{i}] must be [coordinate, side, multiplier]")
        c_i = integer(item[0], f"{where}.farkas.box[{i}][0]", 0, n0 - 1)
        side = integer(item[1], f"{where}.farkas.box[{i}][1]", 0, 1)
        mu = rational(item[2], f"{where}.farkas.box[{i}][2]")
        if (c_i, side) in used_f or mu <= 0:
            raise CheckFailure(f"{where}: box multipliers must be positive and distinct")
        used_f[(c_i, side)] = mu
        coef[c_i] += mu if side == 0 else -mu      # x_i - lo, or hi - x_i
    return used_f


def _check_facet_point(obj, F, s, h, k, patterns, inet, box, where, n0, H):
    """The original facet witness: a point with only z_h = 0; region k is s with bit h flipped."""
    if 0 in s or 0 in patterns[k]:
        raise CheckFailure(f"{where}: a facet point needs patterns without 0")
    x = rational_vector(obj["point"], n0, f"{where}.point")
    if not in_domain_strict(x, box):
        raise CheckFailure(f"{where}: facet point not strictly inside the box")
    lab = inet.labels(x)
    if lab[h] != 0:
        raise CheckFailure(f"{where}: neuron {h} is not zero at the facet point")
    if any(lab[j] != s[j] for j in range(H) if j != h):
        raise CheckFailure(f"{where}: another neuron does not keep the region's sign at the facet point")
    if not any(F[h][:n0]):
        raise CheckFailure(f"{where}: neuron {h} has zero gradient on the region")
    if patterns[k] != s[:h] + (-s[h],) + s[h + 1:]:
        raise CheckFailure(f"{where}: neighbor {k} does not have the region's pattern with bit {h} flipped")


def _verify_facets(ev, patterns, forms, inet, box, n0, H):
    """The original evidence list ``facets``: each entry covers (r, h), a facet also (k, h)."""
    facets = ev.get("facets")
    if not isinstance(facets, list):
        raise CheckFailure("evidence.facets must be a list")
    R = len(patterns)
    cov = _Pairs(R, H)
    n_facet = n_farkas = 0
    for e, ent in enumerate(facets):
        where = f"facets[{e}]"
        r, h, obj = _entry(ent, where, R, H)
        if not isinstance(obj, dict):
            raise CheckFailure(f"{where}[2] is not an object")
        s = patterns[r]
        if set(obj) == {"point", "neighbor"}:
            k = integer(obj["neighbor"], f"{where}.neighbor", 0, R - 1)
            _check_facet_point(obj, forms(r), s, h, k, patterns, inet, box, where, n0, H)
            cov.cover(r, h, where)
            cov.cover(k, h, where)
            n_facet += 1
        elif set(obj) == {"farkas"}:
            _check_farkas(obj["farkas"], forms(r), s, h, inet, box, where, n0, H)
            cov.cover(r, h, where)
            n_farkas += 1
        else:
            raise CheckFailure(f"{where}[2] must be {{point, neighbor}} or {{farkas}}")
    if cov.count != R * H:
        raise CheckFailure(f"only {cov.count} of {R * H} (region, neuron) pairs are covered")
    return n_facet, n_farkas


def verify_regions_evidence(net, box, ev, zero_labels: bool = False) -> tuple[int, int, int]:
    """Verify regions-complete evidence; returns (regions, facet entries, Farkas entries).

    ``zero_labels``: accept compact evidence whose patterns have 0 entries (a
    neuron identically zero on a region). Only the ``regions-complete`` claim
    itself passes True: ``fdim=r`` needs parameter-smooth points in every
    region, which a region with a label 0 does not have.
    """
    if not isinstance(ev, dict):
        raise CheckFailure("regions evidence is not an object")
    _check_digest(ev, "regions evidence")
    n0, H = net.n0, net.H
    compact = "pairs" in ev
    if set(ev) != ({"regions", "pairs", "digest"} if compact else {"regions", "facets", "digest"}):
        raise CheckFailure("evidence must have 'regions', 'digest' and one of 'facets' / 'pairs'")
    inet = _IntNet(net)
    patterns = _parse_regions(ev.get("regions"), inet, box, n0, H, allow_zero=compact and zero_labels)
    forms = _forms_cache(inet, patterns)
    if compact:
        n_facet, n_farkas = verify_pairs(ev["pairs"], patterns, forms, inet, box, n0, H, _check_farkas)
    else:
        n_facet, n_farkas = _verify_facets(ev, patterns, forms, inet, box, n0, H)
    return len(patterns), n_facet, n_farkas


def _forms_cache(inet, patterns, size=4096):
    """Integer forms of region r, recomputed on demand (a bounded cache keeps memory flat)."""
    from functools import lru_cache

    @lru_cache(maxsize=size)
    def forms(r):
        return inet.forms(patterns[r])
    return forms


def verify_regions_complete(cert) -> str:
    net = load_network(cert)
    box = parse_domain(cert.get("domain"), net.n0)
    ev = cert.get("evidence")
    R, nf, nk = verify_regions_evidence(net, box, ev, zero_labels=True)
    kind = "crossing entries" if "pairs" in ev else "facet witnesses"
    return (f"exactly {R} activation regions on {domain_words(box, net.n0)}: {nf} {kind}, "
            f"{nk} Farkas certificates, every (region, neuron) pair covered once")


def _rank(rows) -> int:
    """Exact rank of a list of Fraction rows (Gaussian elimination)."""
    A = [list(r) for r in rows]
    rank = 0
    ncol = len(A[0]) if A else 0
    for c in range(ncol):
        p = next((i for i in range(rank, len(A)) if A[i][c] != 0), None)
        if p is None:
            continue
        A[rank], A[p] = A[p], A[rank]
        pv = A[rank][c]
        for i in range(rank + 1, len(A)):
            if A[i][c] != 0:
                f = A[i][c] / pv
                A[i] = [a - f * b for a, b in zip(A[i], A[rank])]
        rank += 1
    return rank


def _int_row(row):
    """Clear denominators: an integer row proportional (positive factor) to a Fraction row."""
    from math import lcm
    d = 1
    for v in row:
        d = lcm(d, v.denominator)
    return [v.numerator * (d // v.denominator) for v in row]


def verify_fdim_equal(cert) -> str:
    net = load_network(cert)
    box = parse_domain(cert.get("domain"), net.n0)
    r = integer(cert.get("r"), "r", 0, net.D)
    ev = keys(cert.get("evidence"), "fdim evidence", required=FDIM_EQUAL_KEYS, optional=FDIM_EQUAL_OPTIONAL)
    _check_digest(ev, "fdim evidence")
    R, _, _ = verify_regions_evidence(net, box, ev.get("regions"))
    regs = ev["regions"]["regions"]
    n0, D = net.n0, net.D
    inet = _IntNet(net)
    dp = ev.get("decisive_points")
    if not isinstance(dp, list) or len(dp) != R:
        raise CheckFailure(f"decisive_points must list {R} point sets")
    points = []
    for i, group in enumerate(dp):
        if not isinstance(group, list) or len(group) != n0 + 1:
            raise CheckFailure(f"decisive_points[{i}] must have {n0 + 1} points")
        pat = tuple(regs[i]["pattern"])
        xs = [rational_vector(x, n0, f"decisive_points[{i}][{j}]") for j, x in enumerate(group)]
        for j, x in enumerate(xs):
            if not in_domain_strict(x, box) or inet.labels(x) != pat:
                raise CheckFailure(f"decisive_points[{i}][{j}] is not in region {i}")
        if _rank([[a - b for a, b in zip(x, xs[0])] for x in xs[1:]]) != n0:
            raise CheckFailure(f"decisive_points[{i}] are not affinely independent")
        points.extend(xs)
    J = []
    for x in points:
        J.extend(jacobian_rows(net, x))
    nrows = len(J)
    rows = ev.get("rows")
    cols = ev.get("columns")
    if not isinstance(rows, list) or not isinstance(cols, list) or len(rows) != r or len(cols) != r:
        raise CheckFailure(f"rows and columns must list {r} indices each")
    rows = [integer(v, "rows", 0, nrows - 1) for v in rows]
    cols = [integer(v, "columns", 0, D - 1) for v in cols]
    if len(set(rows)) != r or len(set(cols)) != r:
        raise CheckFailure("rows/columns repeat an index")
    P = integer(ev.get("prime"), "prime", 2)
    if not is_prime(P):
        raise CheckFailure("prime is not prime")
    if r:
        minor = [[residue(J[i][j], P) for j in cols] for i in rows]
        if not det_nonzero_mod_p(minor, P):
            raise CheckFailure(f"the {r}x{r} minor vanishes mod {P}")
    ker = ev.get("kernel")
    if not isinstance(ker, list) or len(ker) != D - r:
        raise CheckFailure(f"kernel must list D - r = {D - r} vectors")
    K = [rational_vector(v, D, f"kernel[{i}]") for i, v in enumerate(ker)]
    if K and _rank(K) != D - r:
        raise CheckFailure("kernel vectors are linearly dependent")
    Ki = [_int_row(v) for v in K]
    for i, row in enumerate(J):
        ri = _int_row(row)
        nz = [(j, v) for j, v in enumerate(ri) if v]
        for t, v in enumerate(Ki):
            if sum(a * v[j] for j, a in nz) != 0:
                raise CheckFailure(f"kernel[{t}] is not in the kernel at Jacobian row {i}")
    return (f"fdim = {r} exactly (of bound D - H = {net.bound}): {R} complete regions, "
            f"{len(points)} decisive points, minor mod {P}, {D - r} kernel vectors")


VERIFIERS = {"regions-complete": verify_regions_complete, "fdim=r": verify_fdim_equal}

#: top-level keys of the claims besides the common ones
TOP_KEYS = {"fdim=r": ("r",)}
