"""Reading and writing networks and point sets.

Formats (SPEC section 8):

* ``exactsym-net/1`` JSON (the native format);
* ``.npz`` archives holding ``W0, b0, W1, b1, ...``, read by :mod:`.npzfile`
  (sizes checked against ``MAX_NPZ_BYTES`` before anything is inflated, no
  object arrays); float arrays convert to their exact binary values;
* PyTorch (zip) files: an ``nn.Sequential`` of ``Linear``/``ReLU`` or a
  ``state_dict``, read by :mod:`.torchfile` *without torch*, through an
  unpickler that admits only an allowlist of globals, so no arbitrary object
  is ever unpickled; a state_dict keeps its own key order;
* ``exactsym-points/1`` JSON or CSV point sets.

Every failure raises :class:`InputError`, whose message names the file and
the problem in one line. Writers write to a temporary file and rename, so a
failed run leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

from .model import Network, NetworkError
from .numbers import EntryError, float_unsafe, fmt, parse_entry, round_to_denominator

__all__ = ["InputError", "load_network", "save_network", "load_points", "save_points",
           "load_json", "write_json_atomic", "atomic_write", "network_from_arrays", "round_network",
           "check_float_safe", "MAX_POINTS"]

MAX_FILE_BYTES = 2 * 1024**3
#: A point set may hold at most this many points (each one costs exact work downstream).
MAX_POINTS = 100_000
MAX_POINTS_FILE_BYTES = 64 * 1024**2
POINTS_FORMAT = "exactsym-points/1"


class InputError(Exception):
    """Bad input: the message is one line naming the file and the problem."""

    def __init__(self, path, problem: str):
        # one line, whatever a file name or a forged member name holds
        self.path = _one_line(str(path))
        self.problem = _one_line(str(problem))
        super().__init__(f"{self.path}: {self.problem}")


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _read_bytes(path, limit: int = MAX_FILE_BYTES) -> bytes:
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(path, "is a directory, not a file")
        size = p.stat().st_size
        if size > limit:
            raise InputError(path, f"file is absurdly large ({size} bytes, the limit is {limit})")
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None


def _sniff(data: bytes) -> str:
    if data[:2] == b"PK":
        return "zip"
    if data[:1] == b"\x80":
        return "pickle"
    if data[:6] == b"\x93NUMPY":
        return "npy"
    return "text"


#: a .json.gz file may inflate to at most this many bytes
GUNZIP_CAP = 4 << 30


def _gunzip(path, data: bytes) -> bytes:
    import gzip
    import io
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as g:
            out = g.read(GUNZIP_CAP + 1)
    except (OSError, EOFError) as e:
        raise InputError(path, f"is not valid gzip data ({e})") from None
    if len(out) > GUNZIP_CAP:
        raise InputError(path, f"inflates past the cap of {GUNZIP_CAP} bytes")
    return out


def load_json(path) -> object:
    """Parse a JSON file (or gzip-compressed JSON), refusing binary data with a clear message."""
    data = _read_bytes(path)
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(path, data)
    kind = _sniff(data)
    if kind == "pickle":
        raise InputError(path, "is a pickle, not JSON (exactsym never unpickles data)")
    if kind != "text":
        raise InputError(path, "is a binary file, not JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "is a binary file, not JSON (not valid UTF-8)") from None
    if not text.strip():
        raise InputError(path, "is empty")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise InputError(path, f"malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except ValueError as e:  # NaN/Infinity, or an integer too long for int()
        raise InputError(path, f"malformed JSON: {e}") from None
    except RecursionError:
        raise InputError(path, "malformed JSON: nested too deeply") from None


def _reject_constant(name):
    raise ValueError(f"{name} is not a finite number")


def load_network(path, denominator: int | None = None) -> Network:
    """Load a network from JSON, ``.npz`` or a PyTorch (zip) file.

    With ``denominator`` every entry is rounded to the nearest multiple of
    ``1/denominator`` (the caller should say so; certificates record it).
    """
    kind = _sniff(_read_head(path))
    suffix = Path(path).suffix.lower()
    try:
        if kind == "text":
            if suffix in (".npz", ".pt", ".pth"):
                raise InputError(path, f"has suffix {suffix} but holds text")
            net = Network.from_dict(load_json(path))
        elif kind == "zip" and (suffix == ".npz" or (suffix not in (".pt", ".pth") and _is_npz(path))):
            net = _load_npz(path)
        elif kind == "zip":
            net = _load_torch(path)
        elif kind == "pickle":
            raise InputError(path, "is a bare pickle (or a legacy pre-1.6 PyTorch file); exactsym never "
                                   "unpickles data: re-save it with torch.save (zip format)")
        else:
            raise InputError(path, "is a binary file that is neither JSON, .npz nor a PyTorch file")
    except NetworkError as e:
        raise InputError(path, str(e)) from None
    if denominator is not None:
        net = round_network(net, denominator)
    return net


def _read_head(path, n: int = 8) -> bytes:
    """The first ``n`` bytes (to tell the format), with the same errors as :func:`_read_bytes`."""
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(path, "is a directory, not a file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(path, f"file is absurdly large ({size} bytes)")
        with open(p, "rb") as f:
            return f.read(n)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None


def check_float_safe(net: Network, path) -> None:
    """Refuse (one line) a network whose entries the float proposals cannot convert.

    Subcommands that propose with floats (certify, fdim, regions, equiv) convert
    entries, and each layer's integer form ``(A, c, q)`` (``W = A/q``), to float64;
    past :data:`~.numbers.FLOAT_SAFE_BITS` bits that overflows. The exact subcommands
    (info, canon) never call this.
    """
    from .numbers import FLOAT_SAFE_BITS
    for l, (A, c, q) in enumerate(net.integer_layers(), start=1):
        big = max([abs(v).bit_length() for row in A for v in row] + [abs(v).bit_length() for v in c]
                  + [q.bit_length()])
        if big > FLOAT_SAFE_BITS:
            raise InputError(path, f"layer {l}: entries too large for the float proposals (a numerator or "
                                   f"common denominator has {big} bits, more than {FLOAT_SAFE_BITS}, about "
                                   "6.7e299); info and canon handle them exactly")


def round_network(net: Network, denominator: int) -> Network:
    """Round every entry to the nearest multiple of ``1/denominator``."""
    if denominator < 1:
        raise ValueError("denominator must be a positive integer")
    return Network.from_flat(net.architecture,
                             [round_to_denominator(v, denominator) for v in net.flat()])


def _is_npz(path) -> bool:
    import zipfile
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith(".npy") for n in z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return False


def network_from_arrays(arrays: list) -> Network:
    """Build a network from float/int arrays ``[W1, b1, W2, b2, ...]`` (exact conversion)."""
    import numpy as np
    if len(arrays) % 2 or not arrays:
        raise NetworkError("need pairs of W and b arrays")
    layers, arch = [], None
    for k in range(0, len(arrays), 2):
        W = np.asarray(arrays[k])
        b = np.asarray(arrays[k + 1])
        l = k // 2 + 1
        if W.ndim != 2 or b.ndim != 1:
            raise NetworkError(f"layer {l}: W must be 2-D and b 1-D, got shapes {W.shape} and {b.shape}")
        if W.dtype.kind not in "fiu" or b.dtype.kind not in "fiu":
            raise NetworkError(f"layer {l}: arrays must be numeric, got {W.dtype} and {b.dtype}")
        if W.shape[0] == 0 or W.shape[1] == 0:
            raise NetworkError(f"layer {l}: empty weight matrix")
        if arch is None:
            arch = [W.shape[1]]
        elif W.shape[1] != arch[-1]:
            raise NetworkError(f"layer {l}: W has {W.shape[1]} columns, previous layer has {arch[-1]} neurons")
        if b.shape[0] != W.shape[0]:
            raise NetworkError(f"layer {l}: b has {b.shape[0]} entries, W has {W.shape[0]} rows")
        if W.dtype.kind == "f" and not np.all(np.isfinite(W)) or \
           b.dtype.kind == "f" and not np.all(np.isfinite(b)):
            raise NetworkError(f"layer {l}: NaN or infinite entry")
        arch.append(W.shape[0])
        layers.append((W.tolist(), b.tolist()))
    return Network(arch, layers)


def _load_npz(path) -> Network:
    """``W0, b0, W1, b1, ...`` from an .npz, read by :mod:`.npzfile` (sizes checked before allocating)."""
    from .npzfile import read_npz_arrays

    def fail(problem):
        raise InputError(path, problem)
    arrays = read_npz_arrays(path, fail)
    names = set(arrays)
    layers, k = [], 0
    while f"W{k}" in names:
        if f"b{k}" not in names:
            raise InputError(path, f"has W{k} but no b{k}")
        layers += [arrays[f"W{k}"], arrays[f"b{k}"]]
        k += 1
    if not layers:
        raise InputError(path, "holds no arrays named W0, b0, W1, b1, ...")
    extra = names - {f"{c}{i}" for i in range(k) for c in "Wb"}
    if extra:
        raise InputError(path, f"holds unexpected arrays {sorted(extra)[:5]}")
    return network_from_arrays(layers)


def _load_torch(path) -> Network:
    """A state_dict or Linear/ReLU ``nn.Sequential`` through :mod:`.torchfile` (no torch needed)."""
    from .torchfile import TorchFileError, read_torch_arrays
    try:
        arrays = read_torch_arrays(path)
    except TorchFileError as e:
        raise InputError(path, str(e)) from None
    return network_from_arrays(arrays)


def _ordinary_mode(path) -> int:
    """Permission bits for a file we create at ``path``: those of the file it replaces, else
    0666 less the umask (what ``open()`` would give; ``mkstemp`` alone gives 0600)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextmanager
def atomic_write(path, mode: str = "w", newline=None):
    """Open a temporary file beside ``path``; on success rename it over ``path``.

    A failed or interrupted write leaves ``path`` as it was and no temporary file.
    """
    p = Path(path)
    d = p.parent if str(p.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".exactsym-", dir=d)
    try:
        os.fchmod(fd, _ordinary_mode(p))
        with os.fdopen(fd, mode, newline=newline) as f:
            yield f
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_json_atomic(path, obj, indent: int | None = 1) -> None:
    """Write JSON to ``path`` via a temporary file and a rename (ordinary permissions)."""
    with atomic_write(path) as f:
        json.dump(obj, f, indent=indent)
        f.write("\n")


def save_network(net: Network, path) -> None:
    """Write ``net`` as ``exactsym-net/1`` JSON, or as ``.npz`` (float64) for that suffix.

    An ``.npz`` holds float64 arrays: a network with an entry that is not exactly a
    float64 (``1/3``) is refused with :class:`InputError` rather than silently rounded.
    """
    if Path(path).suffix.lower() == ".npz":
        import numpy as np
        arrays = {}
        for k, (W, b) in enumerate(net.layers):
            arrays[f"W{k}"] = _exact_floats(W, k, path)
            arrays[f"b{k}"] = _exact_floats([b], k, path)[0]
        with atomic_write(path, "wb") as f:
            np.savez(f, **arrays)
        return
    write_json_atomic(path, net.to_dict())


def _exact_floats(rows, k, path):
    import numpy as np
    out = []
    for row in rows:
        vals = []
        for v in row:
            try:
                f = float(v)
            except OverflowError:
                f = None
            if f is None or Fraction(f) != v:
                raise InputError(path, f".npz stores float64 and layer {k + 1} entry {fmt(v)[:40]} is not a "
                                       "float64; write a .json file to keep the network exact")
            vals.append(f)
        out.append(vals)
    return np.array(out, dtype=np.float64)


def load_points(path, n0: int | None = None) -> list[tuple[Fraction, ...]]:
    """Load ``exactsym-points/1`` JSON or a CSV with one point per line.

    At most :data:`MAX_POINTS` points in a file of at most :data:`MAX_POINTS_FILE_BYTES`;
    coordinates must be float safe (:func:`~.numbers.float_unsafe`): points feed float proposals.
    """
    data = _read_bytes(path, MAX_POINTS_FILE_BYTES)
    if _sniff(data) != "text":
        raise InputError(path, "is a binary file, not a point set")
    text = data.decode("utf-8", errors="replace")
    rows: list = []
    if text.lstrip().startswith("{"):
        obj = load_json(path)
        if not isinstance(obj, dict) or obj.get("format") != POINTS_FORMAT:
            raise InputError(path, f"JSON point set must have format {POINTS_FORMAT!r}")
        rows = obj.get("points")
        if not isinstance(rows, list):
            raise InputError(path, "'points' is missing or not a list")
    else:
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                rows.append([c.strip() for c in line.split(",")])
    if not rows:
        raise InputError(path, "holds no points")
    if len(rows) > MAX_POINTS:
        raise InputError(path, f"holds {len(rows)} points, more than the limit {MAX_POINTS} (MAX_POINTS)")
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, list):
            raise InputError(path, f"point {i} is not a list")
        if n0 is not None and len(r) != n0:
            raise InputError(path, f"point {i} has {len(r)} coordinates, network input is {n0}")
        try:
            pt = tuple(parse_entry(v) for v in r)
        except EntryError as e:
            raise InputError(path, f"point {i}: {e}") from None
        if any(float_unsafe(v) for v in pt):
            raise InputError(path, f"point {i}: coordinate too large for the float proposals (numerator or "
                                   "denominator above 2^996, about 6.7e299)")
        out.append(pt)
    return out


def save_points(points, path) -> None:
    from .numbers import fmt
    write_json_atomic(path, {"format": POINTS_FORMAT,
                             "points": [[fmt(v) for v in p] for p in points]})
