"""Object store on any S3-compatible bucket (AWS S3, MinIO, R2, Ceph)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gravity.errors import ObjectNotFound, StoreError
from gravity.store.base import ObjectInfo


class S3Store:
    """Keys live under ``prefix`` in ``bucket``.

    ``put_if_absent`` uses the conditional PUT (``If-None-Match: *``) that AWS S3, MinIO and
    R2 support. A bucket that ignores the header makes it behave like ``put``, and then claims
    between workers are no longer exclusive.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}"
        self._client: Any = boto3.client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _fail(self, action: str, key: str, exc: Exception) -> StoreError:
        return StoreError(f"S3 {action} of s3://{self.bucket}/{self._key(key)} failed: {exc}")

    def put(self, key: str, data: bytes) -> None:
        try:
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except Exception as exc:  # botocore raises many unrelated types
            raise self._fail("PUT", key, exc) from exc

    def put_if_absent(self, key: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, IfNoneMatch="*"
            )
            return True
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            # 412: the key exists. 409: a concurrent conditional PUT of the same key is in
            # flight; the other writer wins, as if it had finished first.
            if status in (409, 412) or code in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise self._fail("conditional PUT", key, exc) from exc
        except Exception as exc:
            raise self._fail("conditional PUT", key, exc) from exc

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(response["Body"].read())
        except self._client.exceptions.NoSuchKey:
            raise ObjectNotFound(key) from None
        except Exception as exc:
            raise self._fail("GET", key, exc) from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        if length <= 0:
            return b""
        try:
            response = self._client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={start}-{start + length - 1}"
            )
            return bytes(response["Body"].read())
        except self._client.exceptions.NoSuchKey:
            raise ObjectNotFound(key) from None
        except Exception as exc:
            raise self._fail("ranged GET", key, exc) from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise self._fail("HEAD", key, exc) from exc

    def stat(self, key: str) -> ObjectInfo:
        from botocore.exceptions import ClientError

        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise ObjectNotFound(key) from None
            raise self._fail("HEAD", key, exc) from exc
        return ObjectInfo(key, int(head["ContentLength"]), head["LastModified"].timestamp())

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    yield ObjectInfo(key, int(item["Size"]), item["LastModified"].timestamp())
        except Exception as exc:
            raise self._fail("LIST", prefix, exc) from exc

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise self._fail("DELETE", key, exc) from exc
