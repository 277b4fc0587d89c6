"""Instances as stored bytes: budgetopt's JSON document, gzip-compressed; scenario parameters applied."""

from __future__ import annotations

import gzip
import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from budgetopt.scenario.instance import Instance
from budgetopt.scenario.io import instance_document, load_instance, to_json_text

CACHE_SIZE = 16
SHA_CACHE_SIZE = 1024

_cache: OrderedDict[str, Instance] = OrderedDict()
_cache_lock = threading.Lock()
_sha_cache: OrderedDict[tuple[str, str], str] = OrderedDict()


def pack_instance(instance: Instance) -> bytes:
    """The instance as gzip-compressed JSON (the format ``budgetopt.scenario.io`` writes)."""
    text = to_json_text(instance_document(instance))
    return gzip.compress(text.encode("utf-8"), mtime=0)


def cached_instance(sha256: str) -> Instance | None:
    """The instance with this ``Instance.sha256`` when this process unpacked it recently, else None."""
    with _cache_lock:
        instance = _cache.get(sha256)
        if instance is not None:
            _cache.move_to_end(sha256)
        return instance


def unpack_instance(content: bytes, sha256: str | None = None) -> Instance:
    """The instance from :func:`pack_instance` bytes; kept in a small in-process cache by ``sha256``."""
    if sha256 is not None:
        known = cached_instance(sha256)
        if known is not None:
            return known
    with tempfile.TemporaryDirectory(prefix="budgetopt-") as folder:
        path = Path(folder) / "instance.json"
        path.write_bytes(gzip.decompress(content))
        instance = load_instance(path)
    if sha256 is not None:
        with _cache_lock:
            _cache[sha256] = instance
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return instance


def parameters_key(parameters: Mapping[str, Any]) -> str:
    """Scenario parameters as canonical JSON text."""
    return json.dumps(parameters, sort_keys=True, separators=(",", ":"), default=str)


def cached_input_sha256(dataset_sha256: str, parameters: Mapping[str, Any]) -> str | None:
    """The SHA-256 of a dataset's instance with these parameters, when computed before in this process."""
    with _cache_lock:
        return _sha_cache.get((dataset_sha256, parameters_key(parameters)))


def remember_input_sha256(dataset_sha256: str, parameters: Mapping[str, Any], sha256: str) -> None:
    """Keep the SHA-256 of a dataset's instance with these parameters."""
    with _cache_lock:
        _sha_cache[(dataset_sha256, parameters_key(parameters))] = sha256
        while len(_sha_cache) > SHA_CACHE_SIZE:
            _sha_cache.popitem(last=False)
