r"""Exact canonical forms and the orbit test under the trivial group G (SPEC section 1).

Shared by the fast path and the trusted checker: standard library and the
network parser only.

G acts on hidden neurons only: permutations inside each hidden layer, and
positive scalings — multiply row ``j`` of :math:`[W_l \mid b_l]` by
:math:`c > 0` and column ``j`` of :math:`W_{l+1}` by :math:`1/c`. Both leave
:math:`F_\theta` unchanged because :math:`\mathrm{relu}(cu) = c\,\mathrm{relu}(u)`.

Canonical form. Layer by layer (``l = 1..d-1``):

1. scale each hidden neuron so that its incoming row :math:`(w_j, b_j)` has
   :math:`\ell_1` norm 1 (a neuron whose incoming row is zero is scaled so
   that its outgoing column has :math:`\ell_1` norm 1); the :math:`\ell_1`
   norm is invariant under the permutation of the previous layer, so the
   normalised row depends only on the orbit;
2. sort the neurons by their normalised rows (lexicographic order on
   tuples of rationals). Neurons with *equal* normalised rows (a tie group)
   are ordered by their outgoing columns once the next layer is sorted; the
   next layer's sort key reads each tie group's entries as a sorted tuple,
   which the group's order cannot change.

The result is invariant under G except when a tie group with distinct
outgoing columns feeds a layer that itself has a tie group; the
:class:`CanonicalForm` then says ``exact=False``. :func:`same_orbit` is exact
in every case: it matches normalised networks by backtracking over ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import permutations

from ...network.model import Network

__all__ = ["canonical_form", "CanonicalForm", "same_orbit", "normalise", "OrbitUndecided", "dead_sets"]


def _mutable(net: Network):
    return [[list(map(list, W)), list(b)] for W, b in net.layers]


def _freeze(arch, L) -> Network:
    return Network(arch, [(W, b) for W, b in L])


def _l1(v) -> Fraction:
    return sum((abs(x) for x in v), Fraction(0))


class OrbitUndecided(RuntimeError):
    """The orbit test cannot decide (a dead neuron whose scale no fixed entry pins down)."""


def _scale_neuron(L, l, j, s) -> None:
    """Divide neuron (l, j)'s incoming row by s > 0 and multiply its outgoing column by s."""
    W, b = L[l - 1]
    W[j] = [v / s for v in W[j]]
    b[j] = b[j] / s
    for row in L[l][0]:
        row[j] = row[j] * s


def dead_sets(L, arch) -> list[set]:
    """``D_l`` for each hidden layer: neurons whose incoming row vanishes outside the
    columns of ``D_{l-1}`` (bias included). Such a neuron is identically 0 (its
    live inputs have zero weight and its dead inputs are 0); the sets are
    G-equivariant because G preserves zero patterns."""
    dead = [set()]
    for l in range(1, len(arch) - 1):
        W, b = L[l - 1]
        dead.append({j for j in range(arch[l])
                     if b[j] == 0 and all(W[j][k] == 0 for k in range(arch[l - 1]) if k not in dead[l - 1])})
    return dead


def _normalise_all(L, arch) -> int:
    """Normalise every hidden neuron's scale in place; returns the number of *free* neurons.

    Pass 1 (layers in order): a live neuron is divided by the l1 norm of its
    incoming row restricted to live columns and the bias. Pass 2 (layers in
    rounds): a dead neuron is scaled so that its outgoing entries into
    neurons fixed at the start of the round (live ones, outputs, dead ones
    fixed earlier) have l1 norm 1; failing that, its incoming entries from
    fixed dead neurons; a dead neuron never reached is *free*. Each normalising norm is, in any
    G-image of theta, the neuron's own scale times the same number (the
    entries it reads were fixed earlier), so the result depends only on
    the orbit up to permutations (``proofs/mechanisms.md``, Lemma O2').
    """
    d = len(arch) - 1
    dead = dead_sets(L, arch)
    for l in range(1, d):
        W, b = L[l - 1]
        for j in range(arch[l]):
            if j in dead[l]:
                continue
            s = _l1(W[j][k] for k in range(arch[l - 1]) if k not in dead[l - 1]) + abs(b[j])
            if s != 1:
                _scale_neuron(L, l, j, s)
    # pass 2 in synchronous rounds, so that which entries normalise a neuron
    # depends only on the zero pattern, never on the order of the neurons
    fixed = [set(range(arch[l])) - dead[l] for l in range(d)] + [set(range(arch[d]))]
    pending = {(l, j) for l in range(1, d) for j in dead[l]}
    while pending:
        plan = []
        for l, j in sorted(pending):
            W, b = L[l - 1]
            Wn = L[l][0]
            t = _l1(Wn[i][j] for i in fixed[l + 1])          # entries scale as 1/c_j
            if t:
                plan.append((l, j, 1 / t))
                continue
            t = _l1(W[j][k] for k in fixed[l - 1] if l > 1 and k in dead[l - 1])   # scale as c_j
            if t:
                plan.append((l, j, t))
        if not plan:
            break
        for l, j, sc in plan:
            _scale_neuron(L, l, j, sc)
            fixed[l].add(j)
            pending.discard((l, j))
    free = 0
    for l, j in pending:
        W, b = L[l - 1]
        if any(W[j]) or any(row[j] for row in L[l][0]):
            free += 1          # its scale changes entries that nothing fixed pins down
    return free


def normalise(net: Network) -> Network:
    """Scalings removed: the representative of Lemma O2' with neurons unsorted."""
    L = _mutable(net)
    if _normalise_all(L, net.architecture):
        raise OrbitUndecided("a dead neuron's scale is not pinned down by any fixed entry")
    return _freeze(net.architecture, L)


@dataclass(frozen=True)
class CanonicalForm:
    """A canonical representative of ``G . theta``.

    ``exact`` is True when the representative provably depends only on the
    orbit (see the module docstring); ``network`` is always in the orbit.
    """
    network: Network
    exact: bool

    def sha256(self) -> str:
        return self.network.sha256()


def _groups(keys):
    """Index groups with equal keys (keys already sorted), only groups of size >= 2."""
    out, i = [], 0
    while i < len(keys):
        k = i
        while k + 1 < len(keys) and keys[k + 1] == keys[i]:
            k += 1
        if k > i:
            out.append(list(range(i, k + 1)))
        i = k + 1
    return out


def canonical_form(net: Network) -> CanonicalForm:
    """Exact canonical form under G (module docstring)."""
    L = _mutable(net)
    d = net.depth
    exact = _normalise_all(L, net.architecture) == 0
    prev_groups: list[list[int]] = []
    for l in range(1, d):
        W, b = L[l - 1]
        members = {i for g in prev_groups for i in g}

        def key(j):
            row = list(W[j])
            for g in prev_groups:
                vals = sorted(row[i] for i in g)
                for i, v in zip(g, vals):
                    row[i] = v
            return tuple(row) + (b[j],)
        keys = [key(j) for j in range(len(W))]
        order = sorted(range(len(W)), key=lambda j: keys[j])
        _apply_perm(L, l, order)
        keys = [keys[j] for j in order]
        _resolve(L, l - 1, prev_groups)
        groups = _groups(keys)
        if groups and prev_groups and members:
            if any(len({tuple(row[i] for row in L[l - 1][0]) for i in g}) > 1 for g in prev_groups):
                exact = False
        prev_groups = groups
    _resolve(L, d - 1, prev_groups)
    return CanonicalForm(_freeze(net.architecture, L), exact)


def _apply_perm(L, l, order) -> None:
    W, b = L[l - 1]
    L[l - 1] = [[W[j] for j in order], [b[j] for j in order]]
    L[l][0] = [[row[j] for j in order] for row in L[l][0]]


def _resolve(L, l, groups) -> None:
    """Order each tie group of hidden layer ``l`` by its outgoing column."""
    if l < 1 or not groups:
        return
    n = len(L[l - 1][0])
    order = list(range(n))
    Wn = L[l][0]
    for g in groups:
        cols = sorted(g, key=lambda j: tuple(row[j] for row in Wn))
        for pos, j in zip(g, cols):
            order[pos] = j
    _apply_perm(L, l, order)


def same_orbit(a: Network, b: Network, max_branches: int = 100_000) -> bool:
    """Decide exactly whether ``b`` lies in ``G . a``.

    Equal canonical forms prove it. Otherwise both networks are normalised
    (scalings removed, :func:`normalise`) and hidden layers are matched one
    at a time by bijections that send rows to equal rows, with backtracking
    over tie groups (``proofs/mechanisms.md``, Lemmas O2 and O2'). Raises
    :class:`OrbitUndecided` when a dead neuron's scale cannot be normalised
    and ``RuntimeError`` past ``max_branches`` (heavily degenerate networks).
    """
    if a.architecture != b.architecture:
        return False
    ca, cb = canonical_form(a), canonical_form(b)
    if ca.network == cb.network:
        return True            # both canonical forms lie in their networks' orbits
    da = dead_sets(_mutable(a), a.architecture)
    db = dead_sets(_mutable(b), b.architecture)
    if [len(x) for x in da] != [len(x) for x in db]:
        return False           # G maps dead neurons to dead neurons
    A, B = _mutable(normalise(a)), _mutable(normalise(b))
    d = a.depth
    budget = [max_branches]

    def rows_of(L, l, perm_prev):
        W, bb = L[l - 1]
        if perm_prev is None:
            return [tuple(W[j]) + (bb[j],) for j in range(len(W))]
        return [tuple(W[j][p] for p in perm_prev) + (bb[j],) for j in range(len(W))]

    def rec(l, perm_prev):
        # perm_prev[i] = index in A of the neuron matched to B's neuron i in layer l-1
        budget[0] -= 1
        if budget[0] < 0:
            raise RuntimeError("same_orbit: too many tie branches")
        ra = rows_of(A, l, perm_prev)
        rb = rows_of(B, l, None)
        if l == d:
            return ra == rb
        if sorted(ra) != sorted(rb):
            return False
        # candidates for each B neuron: A neurons with equal row
        by_row: dict = {}
        for j, r in enumerate(ra):
            by_row.setdefault(r, []).append(j)
        groups = {}
        for i, r in enumerate(rb):
            groups.setdefault(r, []).append(i)
        keys = list(groups)
        choices = [list(permutations(by_row[k])) for k in keys]

        def assign(k, perm):
            if k == len(keys):
                return rec(l + 1, perm)
            for p in choices[k]:
                for i, j in zip(groups[keys[k]], p):
                    perm[i] = j
                if assign(k + 1, perm):
                    return True
            return False
        return assign(0, [0] * len(rb))
    return rec(1, None)
