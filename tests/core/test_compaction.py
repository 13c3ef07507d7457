"""Compaction and dictionaries: fewer, larger objects, and every trace still exact."""

from __future__ import annotations

from gravity import catalog
from gravity.compaction import compact_store
from gravity.content.chunk_store import ChunkStore, content_tenants
from gravity.content.dictionaries import dictionary_prefix, train_dictionary
from gravity.verify import verify_store
from gravity.worker.runner import Worker, WorkerSettings

from tests.conftest import copy_into_store
from tests.core.roundtrip import assert_lossless


def _keys(store, prefix):
    return {info.key for info in store.list(prefix)}


def test_compaction_keeps_every_trace(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample)
    Worker(local_store, WorkerSettings(compact=False)).run_once()
    packs_before = _keys(local_store, "packs/")
    files_before = catalog.visible_index_files(local_store, "spans")

    result = compact_store(local_store)

    assert result["packs_replaced"] == len(packs_before)
    assert len(_keys(local_store, "packs/")) == result["packs_written"] < len(packs_before)
    files_after = catalog.visible_index_files(local_store, "spans")
    assert len(files_after) < len(files_before)
    assert not set(files_before) & _keys(local_store, "index/")  # replaced files are deleted
    assert verify_store(local_store).problems == []
    assert_lossless(local_store, [path for path, _ in corpus_sample])


def test_compaction_twice_changes_nothing(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample[:2])
    Worker(local_store).run_once()  # compacts after the pass
    objects = _keys(local_store, "packs/") | _keys(local_store, "index/")

    result = compact_store(local_store)

    assert result["packs_replaced"] == 0
    assert result["index_files_merged"] == 0
    assert _keys(local_store, "packs/") | _keys(local_store, "index/") == objects


def test_full_compacted_pack_is_not_rewritten(local_store, corpus_sample, monkeypatch):
    from gravity.compaction import packs as compaction_packs

    copy_into_store(local_store, corpus_sample[:2])
    worker = Worker(local_store)
    worker.run_once()
    compacted = _keys(local_store, "packs/")
    content = {key: sum(block.raw_size for block in blocks)
               for tenant in content_tenants(local_store)
               for key, blocks in ChunkStore(local_store, tenant).pack_blocks().items()}
    # Call every compacted pack full. Stored, they are far smaller than their content, so a
    # threshold on stored bytes would rewrite them at every compaction.
    settled = min(content.values())
    assert min(info.size for info in local_store.list("packs/")) < settled
    monkeypatch.setattr(compaction_packs, "SETTLED_PACK_BYTES", settled)
    copy_into_store(local_store, corpus_sample[2:])

    worker.run_once()

    assert compacted <= _keys(local_store, "packs/")
    assert verify_store(local_store).problems == []
    assert_lossless(local_store, [path for path, _ in corpus_sample])


def test_new_files_after_compaction(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample[:2])
    worker = Worker(local_store)
    worker.run_once()
    copy_into_store(local_store, corpus_sample[2:])

    worker.run_once()

    assert verify_store(local_store).problems == []
    assert_lossless(local_store, [path for path, _ in corpus_sample])


def test_dictionary_used_by_new_packs_old_data_readable(local_store, corpus_sample, monkeypatch):
    # Two sample files contain less unique text than the production minimum for training.
    monkeypatch.setattr("gravity.content.dictionaries.MIN_TRAINING_BYTES", 64 * 1024)
    copy_into_store(local_store, corpus_sample[:2])
    Worker(local_store, WorkerSettings(compact=False)).run_once()
    tenant = "acme"

    dict_id = train_dictionary(local_store, tenant)
    copy_into_store(local_store, corpus_sample[2:])
    Worker(local_store, WorkerSettings(compact=False)).run_once()

    assert dict_id is not None
    assert _keys(local_store, dictionary_prefix(tenant)) == {f"{dictionary_prefix(tenant)}{dict_id}.zdict"}
    dict_ids = {block.dict_id for blocks in ChunkStore(local_store, tenant).pack_blocks().values() for block in blocks}
    assert dict_id in dict_ids
    assert 0 in dict_ids  # blocks written before the dictionary existed
    assert verify_store(local_store).problems == []
    assert_lossless(local_store, [path for path, _ in corpus_sample])


def test_tail_pack_joins_only_a_comparable_merge():
    from gravity.compaction.packs import _packs_to_merge
    from gravity.store.base import ObjectInfo

    mib = 1 << 20
    content = {"p/fresh.pack": 1 * mib, "p/c-small.pack": 2 * mib, "p/c-mid.pack": 10 * mib,
               "p/c-big.pack": 60 * mib}

    def chosen(*keys):
        infos = [ObjectInfo(key, 0, 0.0) for key in keys]
        return sorted(info.key for info in _packs_to_merge(infos, content, "p/"))

    # 2 MiB <= 4 x 1 MiB joins; then 10 MiB <= 4 x 3 MiB joins; 60 MiB > 4 x 13 MiB does not.
    assert chosen("p/fresh.pack", "p/c-small.pack", "p/c-mid.pack", "p/c-big.pack") == [
        "p/c-mid.pack", "p/c-small.pack", "p/fresh.pack"]
    assert chosen("p/fresh.pack", "p/c-mid.pack") == ["p/fresh.pack"]
    assert chosen("p/c-small.pack", "p/c-mid.pack") == []  # nothing new: nothing to do


def test_tail_pack_kept_or_merged_by_rule(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample[:2])
    Worker(local_store).run_once()
    tails = _keys(local_store, "packs/")
    copy_into_store(local_store, corpus_sample[2:])
    Worker(local_store, WorkerSettings(compact=False)).run_once()
    fresh = _keys(local_store, "packs/") - tails
    content = {key: sum(block.raw_size for block in blocks)
               for tenant in content_tenants(local_store)
               for key, blocks in ChunkStore(local_store, tenant).pack_blocks().items()}

    compact_store(local_store)

    packs = _keys(local_store, "packs/")
    assert fresh and not fresh & packs  # every fresh pack was compacted
    for tail in tails:
        tenant_fresh = sum(content[key] for key in fresh if key.rsplit("/", 1)[0] == tail.rsplit("/", 1)[0])
        tail_left_alone = tail in packs
        assert tail_left_alone == (tenant_fresh == 0 or content[tail] > 4 * tenant_fresh), tail
    assert verify_store(local_store).problems == []
    assert_lossless(local_store, [path for path, _ in corpus_sample])
