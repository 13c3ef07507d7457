"""Object store on a local directory: the embedded default."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from gravity.errors import ObjectNotFound, StoreError
from gravity.store.base import ObjectInfo


class LocalStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).absolute()
        self.url = str(self.root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory {self.root}: {exc}") from exc

    def _path(self, key: str) -> Path:
        if key.startswith("/") or ".." in key.split("/"):
            raise StoreError(f"invalid object key {key!r}: keys are relative paths without '..'")
        return self.root / key

    def _write_temp(self, path: Path, data: bytes) -> str:
        # Write beside the target and fsync, so the rename or link that publishes the object
        # is atomic and the bytes survive a crash once the call returns.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            os.unlink(temp)
            raise
        return temp

    def _sync_dir(self, path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            temp = self._write_temp(path, data)
            os.replace(temp, path)
            self._sync_dir(path.parent)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc}") from exc

    def put_if_absent(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        try:
            temp = self._write_temp(path, data)
            try:
                # link() fails when the target exists, which makes the check and the
                # publish one atomic step, even between processes.
                os.link(temp, path)
            except FileExistsError:
                return False
            finally:
                os.unlink(temp)
            self._sync_dir(path.parent)
            return True
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc}") from exc

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc}") from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                handle.seek(start)
                return handle.read(length)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def stat(self, key: str) -> ObjectInfo:
        try:
            stat = self._path(key).stat()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return ObjectInfo(key, stat.st_size, stat.st_mtime)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        # Walk only the directory part of the prefix, then filter on the rest.
        directory = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        base = self._path(directory) if directory else self.root
        if not base.is_dir():
            return
        found: list[ObjectInfo] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in filenames:
                if name.startswith(".tmp-"):
                    continue
                full = os.path.join(dirpath, name)
                key = os.path.relpath(full, self.root).replace(os.sep, "/")
                if not key.startswith(prefix):
                    continue
                try:
                    stat = os.stat(full)
                except FileNotFoundError:
                    continue  # deleted while listing
                found.append(ObjectInfo(key, stat.st_size, stat.st_mtime))
        found.sort(key=lambda info: info.key)
        yield from found

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(f"cannot delete {path}: {exc}") from exc
