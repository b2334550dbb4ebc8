r"""Jacobians, exact ranks and the functional dimension.

:mod:`.modular` computes ranks mod p on BLAS-sized blocks (C kernel in
``csrc/rank``, bound in :mod:`._modp`); :mod:`.fdim` turns batch Jacobians
into exact ranks with ``fdim>=r`` certificates; :mod:`.decisive` computes
dim_fun from a complete region enumeration (``fdim=r``).
"""

from .decisive import functional_dimension_decisive
from .fdim import FdimResult, float_rank, functional_dimension
from .modular import rank_mod_p

__all__ = ["functional_dimension", "functional_dimension_decisive", "FdimResult", "float_rank",
           "rank_mod_p"]
