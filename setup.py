"""Build the C/Cython kernels.

Each extension is a thin Cython binding beside the Python code it serves,
compiled with the C sources of the ``csrc/`` folder of the same name (plus
``csrc/core``, the word-size modular arithmetic every kernel uses); ``csrc/``
is on the include path, so headers are named ``"rank/es_rank.h"``. Needs only a
C compiler, the Python headers and Cython (a build requirement in
pyproject.toml). ``EXACTSYM_SANITIZE=1`` builds with ASan and UBSan.
"""

import os
import sys
from glob import glob

from setuptools import Extension, setup

# extension -> folders of csrc/ it is compiled with (csrc/core is always added)
EXTENSIONS = {
    "exactsym.rank._core": [],                      # primality, residues
    "exactsym.rank._modp": ["rank"],                # rank mod p of a dense matrix
    "exactsym.arrangement._regions": ["arrangement"],  # region LPs, 128-bit Farkas solves
}


def _extensions():
    from Cython.Build import cythonize
    core = sorted(glob(os.path.join("csrc", "core", "*.c")))
    if os.environ.get("EXACTSYM_SANITIZE"):
        args = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined"]
        link = args
    else:
        args = ["-O3", "-ffp-contract=off"] if sys.platform != "win32" else ["/O2"]
        link = []
    exts = []
    for name, folders in EXTENSIONS.items():
        pyx = name.replace(".", os.sep) + ".pyx"
        sources = [pyx] + [c for d in folders for c in sorted(glob(os.path.join("csrc", d, "*.c")))] + core
        exts.append(Extension(name, sources, include_dirs=["csrc"], extra_compile_args=args,
                              extra_link_args=link))
    return cythonize(exts, language_level=3, quiet=True)


setup(ext_modules=_extensions())
