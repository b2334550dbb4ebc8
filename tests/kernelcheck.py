"""Independent check of a settled deficit: the rank against FLINT's rank of the exact Jacobian
(``exactsym.rank.fdim.exact_jacobian``, integer back-propagation), and every local kernel vector
the settlement accepted multiplied out against that Jacobian."""

import flint

from exactsym.rank.fdim import exact_jacobian


def assert_settled_like_flint(net, res):
    """``res`` is exact with FLINT's rank and each of its local vectors is in the exact kernel.
    Returns the exact Jacobian (FLINT matrix) for further checks."""
    M = flint.fmpz_mat(exact_jacobian(net, res.points))
    assert res.exact and res.rank == M.rank()
    for cols, ints in (res.kernel_info or {}).get("local_vectors", []):
        v = [0] * net.D
        for c, x in zip(cols, ints):
            v[c] = x
        assert (M * flint.fmpz_mat([[x] for x in v])).is_zero()
    return M
