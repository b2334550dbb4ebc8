"""Build the C/Cython kernels.

Convention: each ``exactsym/_NAME.pyx`` becomes the extension
``exactsym._NAME``, compiled together with every ``csrc/NAME/*.c`` and
``csrc/core/*.c``; ``csrc/`` is on the include path. Needs only a C compiler,
the Python headers and Cython (a build requirement in pyproject.toml).
"""

import os
import sys
from glob import glob

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def _extensions():
    from Cython.Build import cythonize
    exts = []
    core = sorted(glob(os.path.join("csrc", "core", "*.c")))
    for pyx in sorted(glob(os.path.join("exactsym", "_*.pyx"))):
        stem = os.path.basename(pyx)[1:-4]
        sources = [pyx] + sorted(glob(os.path.join("csrc", stem, "*.c")))
        if stem != "core":
            sources += core
        else:
            sources = [pyx] + core
        args = ["-O3"] if sys.platform != "win32" else ["/O2"]
        if os.environ.get("EXACTSYM_SANITIZE"):
            args = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined"]
        exts.append(Extension(f"exactsym._{stem}", sources, include_dirs=["csrc"],
                              extra_compile_args=args,
                              extra_link_args=args if os.environ.get("EXACTSYM_SANITIZE") else []))
    return cythonize(exts, language_level=3, quiet=True)


setup(ext_modules=_extensions())
