"""Files: S3 (assets bucket, presigned URLs) and a local directory served by the API in development."""

from __future__ import annotations

import asyncio
import mimetypes
from abc import ABC, abstractmethod
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from fibonacco.integrations.errors import provider_call


class StoredFileNotFound(LookupError):
    """No file under that key."""


def check_key(key: str) -> str:
    """A relative '/'-separated key without empty, '.' or '..' parts: it cannot point outside the root."""
    parts = key.split("/")
    if (
        not key
        or len(key) > 1024
        or key.startswith("/")
        or "\\" in key
        or any(ord(c) < 32 for c in key)
        or any(part in {"", ".", ".."} for part in parts)
    ):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


def guess_content_type(key: str) -> str:
    return mimetypes.guess_type(PurePosixPath(key).name)[0] or "application/octet-stream"


class Storage(ABC):
    name: str

    @abstractmethod
    async def put(self, key: str, data: bytes, content_type: str | None = None) -> str:
        """Store bytes under `key` (overwriting) and return the key."""

    @abstractmethod
    async def get(self, key: str) -> bytes:
        """The stored bytes; raises `StoredFileNotFound`."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the file; deleting a missing key is not an error."""

    @abstractmethod
    async def url(self, key: str, expires_in: int = 3600) -> str:
        """A URL a browser or a provider (e.g. Twilio <Play>) can fetch the file from."""


class LocalStorage(Storage):
    """Files under `root`, served by the API at `{base_url}/files/{key}`."""

    name = "local"

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root.resolve()
        self.base_url = base_url.rstrip("/")

    def path_for(self, key: str) -> Path:
        """The file's path, guaranteed inside the root (also for the route that serves these files)."""
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):  # a symlink pointing outside the root
            raise ValueError(f"invalid storage key: {key!r}")
        return path

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> str:
        await asyncio.to_thread(self._write, self.path_for(key), data)
        return key

    async def get(self, key: str) -> bytes:
        path = self.path_for(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError):
            raise StoredFileNotFound(key) from None

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_for(key).is_file)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_for(key).unlink, missing_ok=True)

    async def url(self, key: str, expires_in: int = 3600) -> str:
        return f"{self.base_url}/files/{quote(check_key(key))}"


class S3Storage(Storage):
    name = "s3"

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client  # boto3 "s3" client
        self.bucket = bucket

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> str:
        with provider_call(self.name):
            await asyncio.to_thread(
                self.client.put_object,
                Bucket=self.bucket,
                Key=check_key(key),
                Body=data,
                ContentType=content_type or guess_content_type(key),
            )
        return key

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
            except self.client.exceptions.NoSuchKey:
                raise StoredFileNotFound(key) from None
            return bytes(response["Body"].read())

        with provider_call(self.name):
            return await asyncio.to_thread(read)

    async def exists(self, key: str) -> bool:
        def head() -> bool:
            try:
                self.client.head_object(Bucket=self.bucket, Key=check_key(key))
            except self.client.exceptions.ClientError as exc:
                if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                    return False
                raise
            return True

        with provider_call(self.name):
            return await asyncio.to_thread(head)

    async def delete(self, key: str) -> None:
        with provider_call(self.name):
            await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=check_key(key))

    async def url(self, key: str, expires_in: int = 3600) -> str:
        with provider_call(self.name):
            return str(
                await asyncio.to_thread(
                    self.client.generate_presigned_url,
                    "get_object",
                    Params={"Bucket": self.bucket, "Key": check_key(key)},
                    ExpiresIn=expires_in,
                )
            )
