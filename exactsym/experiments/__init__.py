r"""Experiments on top of the pipeline: float screening, sweeps, reproduction, constructions.

:mod:`.screen` batches float Jacobian ranks (numpy, torch, CuPy) to propose;
:mod:`.sweep` runs exact functional-dimension sweeps into a CSV;
:mod:`.reproduce` turns a sweep CSV into figures and disagreement tables;
:mod:`.construct` searches certified full-dimension settings over a grid;
:mod:`.examples` rebuilds the worked examples in ``proofs/examples/``.
"""

__all__ = ["screen", "sweep", "reproduce", "construct", "examples"]
