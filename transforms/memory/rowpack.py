"""Rows packed into compact bytes while they wait in a shuffle: ``pack`` / ``unpack``.

    python -c "from akhbar.transforms.memory.rowpack import pack, unpack; print(unpack(pack({'title': 'خبر'})))"

A runner holds every element that crosses a GroupByKey until its group is read, and the
in-process DirectRunner holds them as decoded Python objects: an article dict weighs about
28 KB that way (Arabic text is two bytes a character in a Python str, plus the dict, the
lists, the datetimes), 11 KB in Beam's default coder, 4.3 KB pickled and LZ4-compressed, and
2.9 KB as packed here: zstd (level 1) instead of LZ4, and without ``body_match``, which is
always ``normalize_match(body)`` (transforms/article.py) and is recomputed on unpacking
(0.04 ms; measured on 98 benchmark articles).
The stages that shuffle whole rows (DropSeen, the dedup joins, the partitioned writer) pack
them on the way in and unpack them on the way out, so a run's memory grows by a few KB per
article instead of tens, and encoding is cheaper than Beam's generic coder too (pickle + LZ4
is about 0.1-0.15 ms each way for an article, the default coder about 0.17 ms).

Only for values that travel between our own stages within one run: the bytes are pickles,
never written to the output and never read from outside.
"""

from __future__ import annotations

import pickle
import struct
from typing import Any

import pyarrow as pa

from akhbar.transforms.text.arabic import normalize_match

_CODEC = pa.Codec("zstd", compression_level=1)
_SIZE = struct.Struct("<I")  # the raw size, which the codec needs to decompress
# Fields that are a pure function of another field of the same row: dropped on packing,
# rebuilt on unpacking. Arabic text compresses poorly, and body_match is a second body.
_DERIVED = {"body_match": ("body", normalize_match)}
# Marks a row whose derived fields were dropped (a row that never had them stays as it was).
_REBUILD = "__rowpack_rebuild__"


def pack(row: Any) -> bytes:
    if isinstance(row, dict) and any(name in row and source in row for name, (source, _) in _DERIVED.items()):
        row = {k: v for k, v in row.items() if not (k in _DERIVED and _DERIVED[k][0] in row)}
        row[_REBUILD] = True
    raw = pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)
    return _SIZE.pack(len(raw)) + _CODEC.compress(raw, asbytes=True)


def unpack(data: bytes) -> Any:
    (size,) = _SIZE.unpack_from(data)
    row = pickle.loads(_CODEC.decompress(memoryview(data)[_SIZE.size :], decompressed_size=size, asbytes=True))
    if isinstance(row, dict) and row.pop(_REBUILD, False):
        for name, (source, rebuild) in _DERIVED.items():
            if source in row and name not in row:
                row[name] = rebuild(row[source]) if row[source] is not None else None
    return row
