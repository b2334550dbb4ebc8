"""Reading PyTorch ``.pt`` files without torch and without a general unpickler.

``torch.save`` writes a zip archive ``PREFIX/data.pkl`` (a pickle, protocol 2),
``PREFIX/byteorder`` and one member ``PREFIX/data/KEY`` of raw bytes per tensor
storage. The pickle refers to storages by *persistent id*
``("storage", StorageType, KEY, location, numel)`` and rebuilds each tensor by
calling ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``.

:class:`_Restricted` is a :class:`pickle.Unpickler` whose ``find_class``
admits exactly the globals of :data:`ALLOWED` (``collections.OrderedDict``,
``builtins.set``, the tensor and parameter rebuild functions, the numeric
storage types, and stand-ins for ``nn.Sequential``, ``nn.Linear`` and
``nn.ReLU``) and refuses every other global with a one-line error *before*
anything is called: a Tanh, LeakyReLU or custom module, a sparse, quantized or
meta tensor, or any other object. Nothing of torch is imported, nothing but
these stand-ins is constructed, so a verification machine needs no torch.

What is read:

* a ``state_dict`` (an ``OrderedDict``): its keys in their own order, which
  is the modules' registration order (never sorted: ``fc10`` after ``fc9``),
  as ``STEM.weight`` / ``STEM.bias`` pairs of Linear layers, every other key
  refused. A state_dict does not record activations: it is read as Linear
  layers with ReLU between them (save the ``nn.Sequential`` itself to have
  its activations checked);
* a whole ``nn.Sequential`` (possibly nested) of ``Linear`` and ``ReLU``
  modules, alternating and ending with a Linear layer.

Limits: storages may declare at most ``MAX_NPZ_BYTES`` bytes together (the
same cap as ``.npz``), ``data.pkl`` at most :data:`MAX_PICKLE_BYTES`; every
tensor view (offset, size, stride) must lie inside its storage.
"""

from __future__ import annotations

import pickle
import zipfile
from collections import OrderedDict

from .npzfile import MAX_NPZ_BYTES

__all__ = ["read_torch_arrays", "MAX_PICKLE_BYTES", "ALLOWED"]

MAX_PICKLE_BYTES = 16 * 1024**2

#: storage type name -> numpy dtype string (little-endian; '>' swapped in for big-endian files)
STORAGES = {"FloatStorage": "f4", "DoubleStorage": "f8", "HalfStorage": "f2", "BFloat16Storage": "bf16",
            "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
            "ByteStorage": "u1"}

#: globals refused with a specific reason (anything not in ALLOWED is refused too)
_REASONS = {
    ("torch._utils", "_rebuild_sparse_tensor"): "holds a sparse tensor (exactsym reads dense tensors only)",
    ("torch._utils", "_rebuild_sparse_csr_tensor"): "holds a sparse tensor (exactsym reads dense tensors only)",
    ("torch._utils", "_rebuild_meta_tensor_no_storage"): "holds a meta tensor, which has no values",
    ("torch._utils", "_rebuild_qtensor"): "holds a quantized tensor (exactsym reads dense tensors only)",
    ("torch._utils", "_rebuild_wrapper_subclass"): "holds a tensor subclass (exactsym reads dense tensors only)",
}


class TorchFileError(Exception):
    """One-line problem with a .pt file (the caller adds the file name)."""


class _Storage:
    """A storage named by the pickle; its bytes are read only when a tensor uses it."""

    def __init__(self, dtype: str, key: str, location: str, numel: int):
        self.dtype, self.key, self.location, self.numel = dtype, key, location, numel


class _StorageType:
    def __init__(self, name):
        self.name = name


class _Module:
    """Stand-in for a torch module class: NEWOBJ makes one, BUILD hands it its ``__dict__``."""
    kind = "?"

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2:
            state = state[0] or {}
        if not isinstance(state, dict):
            raise TorchFileError(f"{self.kind} module has a malformed state")
        self.state = state


class _Sequential(_Module):
    kind = "Sequential"


class _Linear(_Module):
    kind = "Linear"


class _ReLU(_Module):
    kind = "ReLU"


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    return ("tensor", storage, offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, hooks=None, state=None):
    return data


ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("builtins", "set"): set,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch.nn.modules.container", "Sequential"): _Sequential,
    ("torch.nn.modules.linear", "Linear"): _Linear,
    ("torch.nn.modules.activation", "ReLU"): _ReLU,
}
ALLOWED.update({("torch", n): _StorageType(n) for n in STORAGES})


class _Restricted(pickle.Unpickler):
    """Admits exactly :data:`ALLOWED`; tensor storages come through ``persistent_load``."""

    def find_class(self, module, name):
        import _compat_pickle
        # protocol-2 pickles name Python 3's builtins as Python 2's __builtin__
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        key = (module, name)
        if key in ALLOWED:
            return ALLOWED[key]
        if key in _REASONS:
            raise TorchFileError(_REASONS[key])
        if module.startswith("torch.nn.modules."):
            raise TorchFileError(f"holds a torch.nn.{name} module; exactsym reads only Linear and ReLU "
                                 "networks")
        if module == "torch" and name.endswith("Storage"):
            raise TorchFileError(f"holds a {name[:-len('Storage')] or 'untyped'} tensor; exactsym reads "
                                 "float and integer tensors only")
        raise TorchFileError(f"refers to {module}.{name}, which exactsym does not load (only tensors, "
                             "Sequential, Linear and ReLU; nothing else is unpickled)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and isinstance(pid[3], str) and isinstance(pid[4], int) and pid[4] >= 0):
            raise TorchFileError("has a malformed storage reference")
        if pid[3] == "meta":
            raise TorchFileError("holds a meta tensor, which has no values")
        return _Storage(STORAGES[pid[1].name], pid[2], pid[3], pid[4])


def read_torch_arrays(path) -> list:
    """``[W1, b1, W2, b2, ...]`` as numpy arrays from a zip-format ``.pt`` file.

    Raises :class:`TorchFileError` (one line) for anything else.
    """
    import zlib
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as e:
        raise TorchFileError(f"is not a readable PyTorch zip archive ({e})") from None
    try:
        with z:
            return _read_open(z)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError, RuntimeError) as e:
        raise TorchFileError(f"is a damaged zip archive ({str(e).splitlines()[0][:100] if str(e) else type(e).__name__})") from None


def _read_open(z) -> list:
    prefix, pkl = _find_pickle(z)
    big = _byteorder(z, prefix) == "big"
    data = z.read(pkl)
    _prescan(data)
    try:
        obj = _Restricted(_BytesReader(data)).load()
    except (TorchFileError, zipfile.BadZipFile):
        raise
    except Exception as e:  # only allowlisted callables ran: any other failure is a malformed pickle
        raise TorchFileError(f"has a malformed data.pkl ({type(e).__name__})") from None
    named = _layers_of(obj)
    cache: dict = {}
    return [_materialise(z, prefix, t, big, cache, what) for what, t in named]


#: opcodes refused before unpickling: out-of-band buffers, and bytearrays, which the C
#: unpickler allocates at their declared length before reading (a forged length of 2^62
#: bytes is a MemoryError and a SystemError message on stderr)
_REFUSED_OPS = {"BYTEARRAY8", "NEXT_BUFFER", "READONLY_BUFFER"}


def _prescan(data: bytes) -> None:
    """Walk the opcodes with :mod:`pickletools` (which reads declared lengths against the
    bytes that remain, allocating nothing) before the unpickler runs."""
    import pickletools
    try:
        for op, _, _ in pickletools.genops(data):
            if op.name in _REFUSED_OPS:
                raise TorchFileError(f"data.pkl uses the pickle opcode {op.name}, which torch.save never writes")
    except TorchFileError:
        raise
    except Exception as e:  # truncated data, a length past the end, an unknown opcode
        raise TorchFileError(f"has a malformed data.pkl ({str(e).splitlines()[0][:80] if str(e) else type(e).__name__})") from None


def _BytesReader(data):
    import io
    return io.BytesIO(data)


def _find_pickle(z):
    names = [i for i in z.infolist() if i.filename.endswith("data.pkl")
             and i.filename.count("/") == 1]
    if len(names) != 1:
        raise TorchFileError("is a zip archive but not a torch.save file (no single PREFIX/data.pkl)")
    info = names[0]
    if info.file_size > MAX_PICKLE_BYTES:
        raise TorchFileError(f"data.pkl declares {info.file_size} bytes, more than the limit {MAX_PICKLE_BYTES}")
    total = sum(i.file_size for i in z.infolist() if "/data/" in i.filename)
    if total > MAX_NPZ_BYTES:
        raise TorchFileError(f"storages declare {total} bytes, more than the limit {MAX_NPZ_BYTES} "
                             "(MAX_NPZ_BYTES)")
    return info.filename[:-len("data.pkl")], info.filename


def _byteorder(z, prefix) -> str:
    try:
        order = z.read(prefix + "byteorder").decode("ascii", "replace").strip()
    except KeyError:
        return "little"  # files of torch < 1.10 have no byteorder record: little-endian
    if order not in ("little", "big"):
        raise TorchFileError(f"has an unknown byteorder {order[:20]!r}")
    return order


def _layers_of(obj) -> list:
    """``[(name, tensor), ...]``: W1, b1, W2, b2, ... in the file's own order."""
    if isinstance(obj, _Module):
        return _sequential_layers(obj)
    if isinstance(obj, dict):
        return _state_dict_layers(obj)
    raise TorchFileError(f"holds a {type(obj).__name__}, not a state_dict or an nn.Sequential")


def _is_tensor(v) -> bool:
    return isinstance(v, tuple) and len(v) == 5 and v[0] == "tensor"


def _state_dict_layers(sd) -> list:
    stems: dict = {}
    for key, v in sd.items():
        if not isinstance(key, str):
            raise TorchFileError(f"state_dict key {key!r} is not a string")
        stem, _, leaf = key.rpartition(".")
        if leaf not in ("weight", "bias"):
            raise TorchFileError(f"state_dict key {key!r} is not the weight or bias of a Linear layer")
        if not _is_tensor(v):
            raise TorchFileError(f"state_dict entry {key!r} is not a tensor")
        slot = stems.setdefault(stem, {})
        if leaf in slot:
            raise TorchFileError(f"state_dict key {key!r} appears twice")
        slot[leaf] = v
    if not stems:
        raise TorchFileError("state_dict holds no '*.weight' tensors")
    out = []
    for stem, slot in stems.items():  # dicts keep insertion order: the file's order
        name = f"{stem}." if stem else ""
        if "weight" not in slot:
            raise TorchFileError(f"layer {stem!r} has a bias but no weight")
        if "bias" not in slot:
            raise TorchFileError(f"layer {name}weight has no bias (exactsym needs affine layers)")
        out += [(name + "weight", slot["weight"]), (name + "bias", slot["bias"])]
    return out


def _flatten(mod, out):
    if isinstance(mod, _Sequential):
        children = mod.state.get("_modules", {}) if hasattr(mod, "state") else {}
        if not isinstance(children, dict):
            raise TorchFileError("Sequential module has malformed children")
        for child in children.values():
            if not isinstance(child, _Module):
                raise TorchFileError("Sequential module holds something that is not a module")
            _flatten(child, out)
    else:
        out.append(mod)


def _sequential_layers(root) -> list:
    mods: list = []
    _flatten(root, mods)
    kinds = [m.kind for m in mods]
    if not kinds or kinds[0] != "Linear" or kinds[-1] != "Linear":
        raise TorchFileError(f"module sequence {'-'.join(kinds) or '(empty)'} must start and end with Linear")
    for a, b in zip(kinds, kinds[1:]):
        if a == b:
            raise TorchFileError(f"module sequence {'-'.join(kinds)} has two {a} modules in a row "
                                 "(exactsym reads Linear layers with one ReLU between them)")
    out = []
    for i, m in enumerate(m for m in mods if m.kind == "Linear"):
        params = getattr(m, "state", {}).get("_parameters", {})
        if not isinstance(params, dict):
            raise TorchFileError(f"Linear layer {i + 1} has malformed parameters")
        W, b = params.get("weight"), params.get("bias")
        if not _is_tensor(W):
            raise TorchFileError(f"Linear layer {i + 1} has no weight tensor")
        if not _is_tensor(b):
            raise TorchFileError(f"Linear layer {i + 1} has no bias (exactsym needs affine layers)")
        out += [(f"layer {i + 1} weight", W), (f"layer {i + 1} bias", b)]
    return out


def _storage_array(z, prefix, st: _Storage, big: bool, cache: dict):
    import numpy as np
    if st.key in cache:
        return cache[st.key]
    try:
        info = z.getinfo(f"{prefix}data/{st.key}")
    except KeyError:
        raise TorchFileError(f"storage {st.key!r} is missing from the archive") from None
    item = 2 if st.dtype == "bf16" else int(st.dtype[1:])
    if st.numel * item > info.file_size:
        raise TorchFileError(f"storage {st.key!r} declares {st.numel} elements but holds {info.file_size} bytes")
    raw = z.read(info)[: st.numel * item]
    if st.dtype == "bf16":  # bfloat16 is the high half of a float32
        u = np.frombuffer(raw, dtype=(">u2" if big else "<u2")).astype(np.uint32) << 16
        arr = u.view(np.float32)
    else:
        arr = np.frombuffer(raw, dtype=(">" if big else "<") + st.dtype)
    cache[st.key] = arr
    return arr


def _materialise(z, prefix, t, big, cache, what):
    """The dense array that a ``_rebuild_tensor_v2`` view of its storage denotes (bounds checked)."""
    import numpy as np
    _, st, offset, size, stride = t
    ok = (isinstance(st, _Storage) and isinstance(offset, int) and isinstance(size, tuple)
          and isinstance(stride, tuple) and len(size) == len(stride) and len(size) in (1, 2)
          and all(isinstance(n, int) and n >= 0 for n in size + stride) and offset >= 0)
    if not ok:
        raise TorchFileError(f"{what}: malformed tensor (shape {size!r})")
    count = 1
    for n in size:
        count *= n
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if count else offset - 1
    if last >= st.numel:
        raise TorchFileError(f"{what}: tensor view of shape {size} reaches element {last} of a storage "
                             f"of {st.numel}")
    base = _storage_array(z, prefix, st, big, cache)
    if count == 0:
        return np.zeros(size, dtype=base.dtype)
    item = base.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(base[offset:], shape=size, strides=[s * item for s in stride],
                                           writeable=False)
    return np.array(view, dtype=np.float64 if base.dtype.kind == "f" else np.int64)
