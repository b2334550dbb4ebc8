"""Soundness sweep of the two-hidden-layer criterion (issue 14, item 5; not collected by pytest).

For each (architecture, init, seed): enumerate regions; if complete, run the producer,
check its certificate, compute the decisive dim_fun and the mechanisms found. A certified
network must have dim_fun = D - H and no mechanism; every planted mechanism (the variants of
tests/test_deep.py) in a certified network must stay uncertified. Prints one line per
architecture and the totals.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=$PWD python3 benchmarks/deep_sweep.py [seeds]
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_deep import PLANTED, _Facts, _plant

from exactsym.arrangement import regions
from exactsym.check import check_certificate
from exactsym.network.generate import centred_network, random_network
from exactsym.rank.decisive import functional_dimension_decisive
from exactsym.verdict.deep import two_hidden_layer_certificate
from exactsym.verdict.mechanisms import detect

ARCHS = [(2, 3, 3, 1), (2, 4, 4, 1), (2, 5, 5, 1), (3, 3, 3, 1), (3, 4, 4, 1), (3, 4, 4, 2), (4, 4, 4, 1)]


def one(net):
    """(complete, locally identifiable, certified, sound) for one network."""
    reg = regions(net, progress=False, max_regions=3000)
    if not reg.complete:
        return False, False, False, True
    dec = functional_dimension_decisive(net, result=reg)
    li = dec.complete and dec.rank == net.D - net.H
    cert = two_hidden_layer_certificate(net, reg)
    if not isinstance(cert, dict):
        return True, li, False, True
    ok = check_certificate(cert).valid and li and not detect(net, None, _Facts(reg))[0]
    for mech in PLANTED:
        planted = _plant(net, mech)
        ok = ok and isinstance(two_hidden_layer_certificate(planted, regions(planted, progress=False)), str)
    return True, li, True, ok


def main(seeds=range(8)):
    totals = [0, 0, 0, 0, 0]
    t0 = time.time()
    for arch in ARCHS:
        row = [0, 0, 0, 0, 0]
        for init in ("centred", "kaiming"):
            for seed in seeds:
                net = (centred_network(arch, seed=seed) if init == "centred"
                       else random_network(arch, seed=seed, init="kaiming"))
                c, li, cert, ok = one(net)
                for i, v in enumerate((1, c, li, cert, not ok)):
                    row[i] += int(v)
        totals = [a + b for a, b in zip(totals, row)]
        print(f"{arch}: tried {row[0]}, complete {row[1]}, locally identifiable {row[2]}, "
              f"certified {row[3]}, unsound {row[4]}", flush=True)
    print(f"total: tried {totals[0]}, complete {totals[1]}, locally identifiable {totals[2]}, "
          f"certified {totals[3]}, unsound {totals[4]} ({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main(range(int(sys.argv[1])) if len(sys.argv) > 1 else range(8))
