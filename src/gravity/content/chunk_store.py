"""Per-tenant content store: chunks written once, found by id, read back verified.

Two layouts:
- ``packed`` (default): chunks in pack files under ``packs/{tenant}/`` (see packs.py).
- ``loose``: the prototype's layout, one gzip object per chunk under
  ``blobs/{tenant}/{id[0:2]}/{id}.gz``, readable with standard tools; kept to measure against.

Dedup is per tenant: sharing chunks across tenants would let one tenant learn whether another
stored a given text.
"""

from __future__ import annotations

import gzip
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import blake3

from gravity.content.chunkers import Chunker
from gravity.content.codec import decompress_block
from gravity.content.ids import CHUNK_ID_BYTES, ChunkId, chunk_id, tenant_prefix
from gravity.content.packs import TRAILER, Block, InvalidPack, PackWriter, parse_trailer, read_footer
from gravity.errors import CorruptChunk, ObjectNotFound, StoreError
from gravity.store.base import ObjectStore

if TYPE_CHECKING:
    from gravity.spans.skeleton import EncodedString

logger = logging.getLogger(__name__)

LAYOUTS = ("packed", "loose")

# Texts remembered per tenant with their chunk ids, so a string seen before (a system prompt,
# an earlier turn) is not cut and hashed again. Each entry costs about 100 bytes plus its ids.
MEMO_ENTRIES = 200_000

# Decompressed bytes of blocks kept for reads: reconstructing one trace touches few blocks
# many times. A compacted block holds up to 32 MiB.
BLOCK_CACHE_BYTES = 128 * 1024 * 1024


def content_tenants(store: ObjectStore, layouts: Iterable[str] = LAYOUTS) -> list[str]:
    """Return the tenants that have content in the given layouts, sorted."""
    from urllib.parse import unquote

    prefixes = {"packed": "packs/", "loose": "blobs/"}
    names = {info.key.split("/")[1] for layout in layouts for info in store.list(prefixes[layout])}
    return sorted(unquote(name) for name in names)


class ChunkStore:
    """Index of a tenant's chunks and their locations, shared by all pipelines (thread-safe)."""

    def __init__(self, store: ObjectStore, tenant: str, layout: str = "packed") -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r}; expected one of: {', '.join(LAYOUTS)}")
        self.store = store
        self.tenant = tenant
        self.layout = layout
        self.pack_prefix = f"packs/{tenant_prefix(tenant)}/"
        self.blob_prefix = f"blobs/{tenant_prefix(tenant)}/"
        self._lock = threading.Lock()
        self._locations: dict[ChunkId, tuple[str, int]] = {}  # id -> (pack key, block index)
        self._blocks: dict[str, list[Block]] = {}
        self._loose: set[ChunkId] = set()
        self._memo: OrderedDict[bytes, Any] = OrderedDict()
        self._block_cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._block_cache_bytes = 0
        self._dictionaries: dict[int, object] = {}
        self.refresh()

    # -- the index of what exists ------------------------------------------------------

    def refresh(self) -> None:
        """Load the footers of packs (or the names of loose chunks) not seen yet."""
        for info in self.store.list(self.pack_prefix):
            if not info.key.endswith(".pack") or info.key in self._blocks:
                continue
            blocks = self._read_pack_index(info.key, info.size)
            with self._lock:
                self._blocks[info.key] = blocks
                for index, block in enumerate(blocks):
                    for chunk, _, _ in block.chunks:
                        self._locations.setdefault(chunk, (info.key, index))
        for info in self.store.list(self.blob_prefix):
            name = info.key.rsplit("/", 1)[-1]
            if name.endswith(".gz"):
                with self._lock:
                    self._loose.add(bytes.fromhex(name[:-3]))

    def _read_pack_index(self, key: str, size: int) -> list[Block]:
        try:
            footer_size, raw_size = parse_trailer(self.store.get_range(key, size - TRAILER.size, TRAILER.size))
            footer = self.store.get_range(key, size - TRAILER.size - footer_size, footer_size)
            return read_footer(footer, raw_size)
        except InvalidPack as exc:
            raise StoreError(f"{key}: {exc}. Move the pack aside and run 'gravity verify'.") from exc

    def reload(self) -> None:
        """Forget every location and load them again: packs may have been compacted away."""
        with self._lock:
            self._locations.clear()
            self._blocks.clear()
            self._loose.clear()
            self._block_cache.clear()
            self._block_cache_bytes = 0
        self.refresh()

    def has(self, chunk: ChunkId) -> bool:
        return chunk in self._locations or chunk in self._loose

    @property
    def chunk_count(self) -> int:
        return len(self._locations) + len(self._loose)

    def pack_blocks(self) -> dict[str, list[Block]]:
        with self._lock:
            return dict(self._blocks)

    # -- the memo of whole texts -------------------------------------------------------

    def memo_get(self, text_id: bytes) -> Any:
        with self._lock:
            found = self._memo.get(text_id)
            if found is not None:
                self._memo.move_to_end(text_id)
            return found

    def memo_put(self, entries: Iterable[tuple[bytes, Any]]) -> None:
        with self._lock:
            for text_id, chunks in entries:
                self._memo[text_id] = chunks
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)

    # -- writing -----------------------------------------------------------------------

    def writer(self, chunker: Chunker, **pack_options: int) -> ContentWriter:
        return ContentWriter(self, chunker, **pack_options)

    def _publish_pack(self, key: str, blocks: list[Block]) -> None:
        with self._lock:
            self._blocks[key] = blocks
            for index, block in enumerate(blocks):
                for chunk, _, _ in block.chunks:
                    self._locations.setdefault(chunk, (key, index))

    def _publish_loose(self, chunks: Iterable[ChunkId]) -> None:
        with self._lock:
            self._loose.update(chunks)

    # -- reading -----------------------------------------------------------------------

    def read(self, chunks: Iterable[ChunkId]) -> dict[ChunkId, bytes]:
        """Return the bytes of each chunk, each checked against its id."""
        chunks = list(chunks)
        try:
            return self._read(chunks)
        except ObjectNotFound:
            # A compaction replaced a pack after this process loaded the pack footers.
            self.reload()
            return self._read(chunks)

    def _read(self, chunks: list[ChunkId]) -> dict[ChunkId, bytes]:
        found: dict[ChunkId, bytes] = {}
        for chunk in dict.fromkeys(chunks):
            location = self._locations.get(chunk)
            if location is None and chunk not in self._loose:
                self.refresh()  # another worker may have written it since
                location = self._locations.get(chunk)
            if location is not None:
                pack_key, index = location
                block = self._blocks[pack_key][index]
                data = self._block_bytes(pack_key, index, block)
                for candidate, offset, size in block.chunks:
                    if candidate == chunk:
                        found[chunk] = self._verified(chunk, data[offset : offset + size], pack_key)
                        break
            elif chunk in self._loose:
                key = self._blob_key(chunk)
                try:
                    data = gzip.decompress(self.store.get(key))
                except OSError as exc:
                    raise CorruptChunk(chunk.hex(), key, f"gzip does not decompress: {exc}") from exc
                found[chunk] = self._verified(chunk, data, key)
            else:
                raise StoreError(
                    f"chunk {chunk.hex()} of tenant {self.tenant!r} is referenced but stored in no "
                    "pack or blob; run 'gravity verify' to list what is missing"
                )
        return found

    def _blob_key(self, chunk: ChunkId) -> str:
        name = chunk.hex()
        return f"{self.blob_prefix}{name[:2]}/{name}.gz"

    def _verified(self, chunk: ChunkId, data: bytes, where: str) -> bytes:
        if len(chunk) == CHUNK_ID_BYTES and chunk_id(data) != chunk:
            raise CorruptChunk(chunk.hex(), where, f"BLAKE3 is {blake3.blake3(data).hexdigest(16)}")
        return data

    def _block_bytes(self, pack_key: str, index: int, block: Block) -> bytes:
        cache_key = (pack_key, index)
        with self._lock:
            cached = self._block_cache.get(cache_key)
        if cached is not None:
            return cached
        stored = self.store.get_range(pack_key, block.offset, block.stored_size)
        try:
            data = decompress_block(block.codec, stored, block.raw_size, self._dictionary(block.dict_id))
        except Exception as exc:  # zstd raises its own error type for damaged frames
            raise CorruptChunk("(block)", pack_key, f"block {index} does not decompress: {exc}") from exc
        with self._lock:
            self._block_cache[cache_key] = data
            self._block_cache_bytes += len(data)
            while self._block_cache_bytes > BLOCK_CACHE_BYTES and len(self._block_cache) > 1:
                _, evicted = self._block_cache.popitem(last=False)
                self._block_cache_bytes -= len(evicted)
        return data

    def _dictionary(self, dict_id: int) -> object | None:
        if dict_id == 0:
            return None
        if dict_id not in self._dictionaries:
            from gravity.content.dictionaries import load_dictionary

            self._dictionaries[dict_id] = load_dictionary(self.store, self.tenant, dict_id)
        return self._dictionaries[dict_id]


class ContentWriter:
    """Cuts texts into chunks for one raw file and stores the new ones on ``commit``.

    Chunk ids returned by ``add_text`` are valid references once ``commit`` returns: before,
    new chunks sit in memory only. One writer belongs to one thread.
    """

    def __init__(self, chunks: ChunkStore, chunker: Chunker, **pack_options: int) -> None:
        self.chunks = chunks
        self.chunker = chunker
        self.pack_options = pack_options
        self._new: dict[ChunkId, bytes] = {}
        self._memo: dict[bytes, Any] = {}
        self.chunks_referenced = 0

    def add_text(self, text: str) -> tuple[bytes, tuple[ChunkId, ...]]:
        """Store one text; return its id (the BLAKE3 of the whole text) and its chunk ids."""
        data = text.encode("utf-8")
        text_id = blake3.blake3(data).digest(CHUNK_ID_BYTES)
        known = self._memo.get(text_id) or self.chunks.memo_get(text_id)
        if known is None:
            known = self._cut(data)
            self._memo[text_id] = known
        return text_id, known

    def encode_string(self, text: str) -> EncodedString:
        """Store one long string of a record; see spans/skeleton.py for what is returned."""
        from gravity.spans.skeleton import encode_string

        key = b"S" + blake3.blake3(text.encode("utf-8")).digest(CHUNK_ID_BYTES)
        encoded = self._memo.get(key) or self.chunks.memo_get(key)
        if encoded is None:
            encoded = encode_string(text, self.add_text)
            self._memo[key] = encoded
        self.chunks_referenced += len(encoded.chunks)
        return encoded

    def _cut(self, data: bytes) -> tuple[ChunkId, ...]:
        ids = []
        start = 0
        view = memoryview(data)
        for end in self.chunker.cut(data):
            piece = view[start:end]
            chunk = chunk_id(piece)
            if chunk not in self._new and not self.chunks.has(chunk):
                self._new[chunk] = bytes(piece)
            ids.append(chunk)
            start = end
        return tuple(ids)

    @property
    def new_chunks(self) -> int:
        return len(self._new)

    def commit(self) -> list[str]:
        """Store the new chunks durably; return the keys written."""
        written: list[str] = []
        if self._new:
            if self.chunks.layout == "packed":
                written.append(self._commit_pack())
            else:
                written.extend(self._commit_loose())
        self.chunks.memo_put(self._memo.items())
        self._new = {}
        self._memo = {}
        return written

    def _commit_pack(self) -> str:
        from gravity.content.dictionaries import current_dictionary

        dictionary = current_dictionary(self.chunks.store, self.chunks.tenant)
        writer = PackWriter(dictionary=dictionary, **self.pack_options)
        for chunk, data in self._new.items():
            writer.add(chunk, data)
        pack_id, data, blocks = writer.finish()
        key = f"{self.chunks.pack_prefix}{pack_id}.pack"
        self.chunks.store.put_if_absent(key, data)
        self.chunks._publish_pack(key, blocks)
        return key

    def _commit_loose(self) -> list[str]:
        keys = []
        for chunk, data in self._new.items():
            key = self.chunks._blob_key(chunk)
            self.chunks.store.put_if_absent(key, gzip.compress(data, mtime=0))
            keys.append(key)
        self.chunks._publish_loose(self._new)
        return keys
