r"""Pure exact helpers shared by the fast path and the trusted checker.

This is the only part of :mod:`exactsym.check` that the fast path may
import (see the rule in :mod:`exactsym.check`). Everything here uses the
standard library and the network parser (:mod:`exactsym.network.model`,
:mod:`exactsym.network.numbers`) only, and is part of the trusted base.

* :mod:`.exact`: residues, primality, exact Jacobians and affine forms;
* :mod:`.orbit`: canonical forms and the exact orbit test under G;
* :mod:`.flips`: flip matrices and 0/1 kernel vectors;
* :mod:`.mechanisms`: the witness theta' of each mechanism;
* :mod:`.difference`: the difference network and its reduction;
* :mod:`.primes`: the bound prime of an ``fdim>=r`` certificate.
"""

__all__ = ["exact", "orbit", "flips", "mechanisms", "difference", "primes"]
