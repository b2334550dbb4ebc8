"""The trivial group G: action, canonical form, same_orbit, scaling generators (issue 2)."""
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from exactsym import Network, act, canonical_form, random_network, same_orbit, scaling_generators
from exactsym.check.shared.exact import jacobian_rows
from conftest import flip_network


def random_group_element(draw, arch):
    perms, scales = {}, {}
    for l in range(1, len(arch) - 1):
        perms[l] = draw(st.permutations(range(arch[l])))
        scales[l] = [Fraction(draw(st.integers(1, 9)), draw(st.integers(1, 9))) for _ in range(arch[l])]
    return perms, scales


@st.composite
def net_and_g(draw):
    arch = draw(st.sampled_from([[1, 2, 1], [2, 3, 1], [2, 3, 2, 1], [3, 2, 4, 2], [1, 4, 4, 4, 1]]))
    seed = draw(st.integers(0, 10**6))
    init = draw(st.sampled_from(["kaiming", "int:3"]))
    net = random_network(arch, seed=seed, init=init)
    return net, random_group_element(draw, arch)


@settings(max_examples=60, deadline=None)
@given(net_and_g())
def test_canonical_form_invariant(data):
    net, (perms, scales) = data
    moved = act(net, perms=perms, scales=scales)
    ca, cb = canonical_form(net), canonical_form(moved)
    if ca.exact and cb.exact:
        assert ca.network == cb.network
    assert same_orbit(net, moved)
    # the canonical form is itself in the orbit and computes the same function
    for x in ([Fraction(1, 3)] * net.n0, [Fraction(-2)] * net.n0, [Fraction(k, 7) for k in range(net.n0)]):
        assert ca.network.forward(x) == net.forward(x) == moved.forward(x)


def test_flip_example_not_same_orbit():
    a, b = flip_network()
    assert not same_orbit(a, b)
    moved = act(a, perms={1: [1, 0]}, scales={1: [3, Fraction(1, 5)]})
    assert same_orbit(a, moved) and same_orbit(moved, a)
    assert moved != a


def test_canonical_form_values():
    a, _ = flip_network()
    cf = canonical_form(a)
    assert cf.exact
    # rows (1,0) and (2,1) normalised to l1 norm 1: (1,0) and (2/3,1/3); sorted ascending
    assert cf.network.layers[0] == (((Fraction(2, 3),), (Fraction(1),)), (Fraction(1, 3), Fraction(0)))
    assert cf.network.layers[1][0] == ((Fraction(-3), Fraction(2)),)


def test_ties_handled_exactly():
    # two neurons with identical incoming rows but different outgoing weights: not an orbit move
    n1 = Network([1, 2, 2, 1], [([[1], [1]], [0, 0]), ([[1, 2], [3, 5]], [0, 0]), ([[1, 1]], [0])])
    swapped = act(n1, perms={1: [1, 0]})
    assert same_orbit(n1, swapped)
    other = Network([1, 2, 2, 1], [([[1], [1]], [0, 0]), ([[2, 1], [3, 5]], [0, 0]), ([[1, 1]], [0])])
    # other = n1 with the layer-1 tie swapped only in row 0 of W2: different orbit
    assert not same_orbit(n1, other)
    assert canonical_form(n1).network == canonical_form(swapped).network


def test_orbit_respects_architecture():
    a = random_network([2, 3, 1], seed=1)
    b = random_network([2, 3, 1, 1], seed=1)
    assert not same_orbit(a, b)
    assert not same_orbit(a, random_network([2, 3, 1], seed=2))


@pytest.mark.parametrize("arch,seed", [([2, 3, 1], 0), ([3, 4, 3, 2], 1), ([1, 3, 3, 3, 1], 2)])
def test_scaling_generators_in_kernel(arch, seed):
    net = random_network(arch, seed=seed)
    gens = scaling_generators(net)
    assert len(gens) == net.H and all(len(g) == net.D for g in gens)
    pts = [[Fraction(k * 7 + i, 5) - 3 for i in range(net.n0)] for k in range(6)]
    for x in pts:
        if not net.is_smooth(x):
            continue
        for row in jacobian_rows(net, x):
            for g in gens:
                assert sum(r * v for r, v in zip(row, g)) == 0


def test_orbit_with_dead_neurons():
    # (1,1,2,1) with a zero first-layer row: scaling a layer-2 neuron stays in the orbit
    t = Network([1, 1, 2, 1], [([[0]], [0]), ([[1], [1]], [1, 1]), ([[1, 1]], [0])])
    assert same_orbit(t, act(t, scales={2: [1, 2]}))
    assert same_orbit(t, act(t, scales={1: [5], 2: [3, Fraction(1, 2)]}, perms={2: [1, 0]}))
    # changing the dead neuron's outgoing weights relative to the live bias is not an orbit move
    t3 = Network([1, 1, 2, 1], [([[0]], [0]), ([[1], [2]], [1, 1]), ([[1, 1]], [0])])
    assert not same_orbit(t, t3)


def test_dead_chain_is_normalised_from_the_output_side():
    # (1,0) -> (2,0) -> (3,0) -> output is a chain of dead neurons: pinned down from the output
    t = Network([1, 1, 2, 2, 1], [([[0]], [0]), ([[1], [0]], [0, 1]), ([[1, 0], [0, 1]], [0, 1]),
                                 ([[1, 1]], [0])])
    assert canonical_form(t).exact
    moved = act(t, scales={1: [7], 2: [3, 2], 3: [Fraction(1, 5), 4]}, perms={2: [1, 0], 3: [1, 0]})
    assert same_orbit(t, moved)
    assert canonical_form(t).network == canonical_form(moved).network
    other = Network([1, 1, 2, 2, 1], [([[0]], [0]), ([[1], [0]], [0, 1]), ([[1, 0], [0, 1]], [0, 1]),
                                     ([[2, 1]], [0])])
    assert same_orbit(t, other)        # the dead chain absorbs the factor 2
    other = Network([1, 1, 2, 2, 1], [([[0]], [0]), ([[1], [0]], [0, 1]), ([[1, 0], [0, 1]], [0, 1]),
                                     ([[1, 2]], [0])])
    assert not same_orbit(t, other)    # a live neuron's outgoing weight changed


def test_orbit_undecided_for_free_dead_neuron():
    from exactsym.check.shared.orbit import OrbitUndecided
    # dead neurons (1,0) and (2,0) feed each other only; (2,0) has a zero outgoing column
    t = Network([1, 1, 2, 1], [([[0]], [0]), ([[1], [0]], [0, 1]), ([[0, 1]], [0])])
    other = Network([1, 1, 2, 1], [([[0]], [0]), ([[2], [0]], [0, 1]), ([[0, 1]], [0])])
    assert same_orbit(t, act(t, perms={2: [0, 1]}))
    with pytest.raises(OrbitUndecided):
        same_orbit(t, other)
