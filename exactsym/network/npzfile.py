"""A bounded reader of ``.npz`` archives of ``W0, b0, W1, b1, ...``.

``numpy.load`` trusts the archive: a 1 MB file whose members inflate to
1 GiB is inflated, and a forged ``.npy`` header shape is believed until the
read fails. This reader checks everything it can *before* it allocates:

* the zip directory: only members ``NAME.npy``, at most :data:`MAX_MEMBERS`
  of them, each member's declared (uncompressed) size and their sum at most
  :data:`MAX_NPZ_BYTES`. :mod:`zipfile` never yields more bytes than a
  member declares (and checks its CRC), so the declared size bounds the
  memory;
* each ``.npy`` header (read on its own, a few hundred bytes): a numeric
  little- or big-endian dtype (no object arrays, hence no pickles), one or
  two dimensions, and ``prod(shape) * itemsize`` equal to the bytes that
  follow the header. A forged shape is refused by that equation.

Only then are the array bytes read and viewed with :func:`numpy.frombuffer`.
Every failure raises ``InputError`` through the ``fail`` callback (one line).
"""

from __future__ import annotations

import io
import zipfile
import zlib

__all__ = ["MAX_NPZ_BYTES", "MAX_MEMBERS", "read_npz_arrays"]

#: Total uncompressed array data an .npz may declare: 64 MiB, i.e. 8 Mi float64 entries
#: (far beyond what exact computation handles; an exact Network of that size is absurd).
MAX_NPZ_BYTES = 64 * 1024**2
#: At most this many arrays (2 per layer).
MAX_MEMBERS = 2 * 10_000
_HEADER_BYTES = 65536


def read_npz_arrays(path, fail) -> dict:
    """``{name: ndarray}`` of every member of the archive, after the checks above.

    ``fail(problem)`` must raise; it is called with a one-line description.
    """
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as e:
        fail(f"is not a readable .npz archive ({e})")
    with z:
        infos = _check_directory(z.infolist(), fail)
        out = {}
        for info in infos:
            try:
                out[info.filename[:-4]] = _read_member(z, info, fail)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError,
                    RuntimeError) as e:
                fail(f"member {info.filename}: unreadable ({str(e).splitlines()[0] if str(e) else type(e).__name__})")
    return out


def _check_directory(infos, fail):
    if len(infos) > MAX_MEMBERS:
        fail(f"holds {len(infos)} members, more than the limit {MAX_MEMBERS}")
    total = 0
    for info in infos:
        if not info.filename.endswith(".npy") or "/" in info.filename:
            fail(f"member {info.filename!r} is not a top-level .npy array")
        total += info.file_size
        if total > MAX_NPZ_BYTES:
            fail(f"declares {total} or more bytes of array data once inflated, more than the limit "
                 f"{MAX_NPZ_BYTES} (MAX_NPZ_BYTES)")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        fail("holds two members with the same name")
    return infos


def _read_member(z, info, fail):
    import numpy as np
    from numpy.lib import format as npf
    name = info.filename
    with z.open(info) as f:
        head = f.read(min(info.file_size, _HEADER_BYTES))
        h = io.BytesIO(head)
        try:
            version = npf.read_magic(h)
            reader = npf.read_array_header_1_0 if version == (1, 0) else npf.read_array_header_2_0
            shape, fortran, dtype = reader(h, max_header_size=_HEADER_BYTES)
        except (ValueError, SyntaxError, TypeError) as e:
            fail(f"member {name}: bad .npy header ({str(e).splitlines()[0][:120]})")
        header_len = h.tell()
        if dtype.hasobject or dtype.kind not in "fiu" or dtype.fields is not None or dtype.subdtype is not None:
            fail(f"member {name}: dtype {dtype} is not a plain numeric type")
        if len(shape) not in (1, 2) or any(not isinstance(n, int) or n < 0 for n in shape):
            fail(f"member {name}: shape {shape} is not a vector or a matrix")
        count = 1
        for n in shape:
            count *= n
        need = count * dtype.itemsize
        have = info.file_size - header_len
        if need != have:
            fail(f"member {name}: header says shape {shape} of {dtype} ({need} bytes) but {have} bytes follow")
        data = head[header_len:] + f.read(have - (len(head) - header_len))
    if len(data) != need:
        fail(f"member {name}: truncated ({len(data)} of {need} bytes)")
    arr = np.frombuffer(data, dtype=dtype, count=count)
    return arr.reshape(shape, order="F" if fortran else "C")
