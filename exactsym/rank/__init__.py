r"""Jacobians, exact ranks and the functional dimension.

:mod:`.modular` computes ranks mod p on BLAS-sized blocks (C kernel in
``csrc/rank``, bound in :mod:`._modp`); :mod:`.fdim` turns batch Jacobians
into exact ranks with ``fdim>=r`` certificates (deficits settled by the
multimodular kernel of :mod:`.kernel`); :mod:`.decisive` computes dim_fun
from a complete region enumeration (``fdim=r``); :mod:`.dimfun` decides which
of the two answers dim_fun itself, and labels a batch rank as a lower bound.
"""

from .decisive import functional_dimension_decisive
from .dimfun import DimFunResult, dim_fun
from .fdim import FdimResult, float_rank, functional_dimension
from .modular import rank_mod_p

__all__ = ["functional_dimension", "functional_dimension_decisive", "FdimResult", "float_rank",
           "rank_mod_p", "dim_fun", "DimFunResult"]
