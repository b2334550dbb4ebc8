"""Reading and writing networks and point sets.

Formats (SPEC section 8):

* ``exactsym-net/1`` JSON (the native format);
* ``.npz`` archives holding ``W0, b0, W1, b1, ...`` (loaded with
  ``allow_pickle=False``); float arrays convert to their exact binary values;
* PyTorch files: an ``nn.Sequential`` of ``Linear``/``ReLU`` or its
  ``state_dict``, loaded with ``torch.load(weights_only=True)`` so that no
  arbitrary object is ever unpickled (torch is optional);
* ``exactsym-points/1`` JSON or CSV point sets.

Every failure raises :class:`InputError`, whose message names the file and
the problem in one line. Writers write to a temporary file and rename, so a
failed run leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from fractions import Fraction
from pathlib import Path

from .model import Network, NetworkError
from .numbers import EntryError, parse_entry, round_to_denominator

__all__ = ["InputError", "load_network", "save_network", "load_points", "save_points",
           "load_json", "write_json_atomic", "network_from_arrays", "round_network"]

MAX_FILE_BYTES = 2 * 1024**3
POINTS_FORMAT = "exactsym-points/1"


class InputError(Exception):
    """Bad input: the message is one line naming the file and the problem."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def _read_bytes(path) -> bytes:
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(path, "is a directory, not a file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(path, f"file is absurdly large ({size} bytes)")
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
    """Load a network from JSON, ``.npz`` or a PyTorch file.

    With ``denominator`` every entry is rounded to the nearest multiple of
    ``1/denominator`` (the caller should say so; certificates record it).
    """
    data = _read_bytes(path)
    kind = _sniff(data)
    suffix = Path(path).suffix.lower()
    try:
        if kind == "text":
            if suffix in (".npz", ".pt", ".pth"):
                raise InputError(path, f"has suffix {suffix} but holds text")
            net = Network.from_dict(load_json(path))
        elif suffix == ".npz" or (kind == "zip" and suffix not in (".pt", ".pth")
                                  and _is_npz(path)):
            net = _load_npz(path)
        elif kind == "zip" and suffix in (".pt", ".pth"):
            net = _load_torch(path)
        elif kind == "pickle":
            if suffix in (".pt", ".pth"):
                net = _load_torch(path)
            else:
                raise InputError(path, "is a pickle; exactsym never unpickles data")
        else:
            raise InputError(path, "is a binary file that is neither JSON, .npz nor a PyTorch file")
    except NetworkError as e:
        raise InputError(path, str(e)) from None
    if denominator is not None:
        net = round_network(net, denominator)
    return net


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
    except zipfile.BadZipFile:
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
    import zipfile

    import numpy as np
    try:
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            arrays, k = [], 0
            while f"W{k}" in names:
                if f"b{k}" not in names:
                    raise InputError(path, f"has W{k} but no b{k}")
                arrays += [z[f"W{k}"], z[f"b{k}"]]
                k += 1
            if not arrays:
                raise InputError(path, "holds no arrays named W0, b0, W1, b1, ...")
            extra = names - {f"{c}{i}" for i in range(k) for c in "Wb"}
            if extra:
                raise InputError(path, f"holds unexpected arrays {sorted(extra)[:5]}")
    except (ValueError, OSError, zipfile.BadZipFile) as e:
        raise InputError(path, f"is not a readable .npz archive ({e})") from None
    return network_from_arrays(arrays)


def _load_torch(path) -> Network:
    try:
        import torch
    except ImportError:
        raise InputError(path, "is a PyTorch file but torch is not installed "
                               "(pip install 'exactsym[torch]')") from None
    import warnings
    # weights_only=True unpickles tensors and containers only; the allowlist adds
    # exactly the module classes of a Linear/ReLU nn.Sequential, nothing else
    allowed = [torch.nn.Sequential, torch.nn.Linear, torch.nn.ReLU]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            safe = getattr(torch.serialization, "safe_globals", None)
            if safe is not None:
                with safe(allowed):
                    obj = torch.load(path, map_location="cpu", weights_only=True)
            else:
                obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # weights_only refuses arbitrary objects
        raise InputError(path, "cannot be loaded safely with weights_only=True: it holds objects other "
                               "than tensors or a Linear/ReLU nn.Sequential (save the state_dict)") from None
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise InputError(path, f"holds a {type(obj).__name__}, not a state_dict or nn.Sequential")
    weights = [(k, v) for k, v in obj.items() if k.endswith("weight")]
    biases = {k[: -len("bias")]: v for k, v in obj.items() if k.endswith("bias")}
    if not weights:
        raise InputError(path, "state_dict holds no '*.weight' tensors")

    def order(key):
        parts = key.split(".")[:-1]
        return [int(p) if p.isdigit() else p for p in parts]
    try:
        weights.sort(key=lambda kv: order(kv[0]))
    except TypeError:
        pass
    arrays = []
    for k, W in weights:
        stem = k[: -len("weight")]
        if stem not in biases:
            raise InputError(path, f"layer {k} has no bias (exactsym needs affine layers)")
        arrays += [W.detach().to(torch.float64).numpy(), biases[stem].detach().to(torch.float64).numpy()]
    return network_from_arrays(arrays)


def write_json_atomic(path, obj, indent: int | None = 1) -> None:
    """Write JSON to ``path`` via a temporary file and a rename."""
    p = Path(path)
    d = p.parent if str(p.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".exactsym-", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=indent)
            f.write("\n")
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def save_network(net: Network, path) -> None:
    """Write ``net`` as ``exactsym-net/1`` JSON (or ``.npz`` for that suffix; floats, may round)."""
    if Path(path).suffix.lower() == ".npz":
        import numpy as np
        arrays = {}
        for k, (W, b) in enumerate(net.layers):
            arrays[f"W{k}"] = np.array([[float(v) for v in row] for row in W])
            arrays[f"b{k}"] = np.array([float(v) for v in b])
        np.savez(path, **arrays)
        return
    write_json_atomic(path, net.to_dict())


def load_points(path, n0: int | None = None) -> list[tuple[Fraction, ...]]:
    """Load ``exactsym-points/1`` JSON or a CSV with one point per line."""
    data = _read_bytes(path)
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
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, list):
            raise InputError(path, f"point {i} is not a list")
        if n0 is not None and len(r) != n0:
            raise InputError(path, f"point {i} has {len(r)} coordinates, network input is {n0}")
        try:
            out.append(tuple(parse_entry(v) for v in r))
        except EntryError as e:
            raise InputError(path, f"point {i}: {e}") from None
    return out


def save_points(points, path) -> None:
    from .numbers import fmt
    write_json_atomic(path, {"format": POINTS_FORMAT,
                             "points": [[fmt(v) for v in p] for p in points]})
