from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from fibonacco.config import load_settings
from fibonacco.integrations.registry import get_storage
from fibonacco.integrations.storage import LocalStorage, S3Storage, StoredFileNotFound
from tests.fakes.aws import MotoServer
from tests.fakes.fixtures import FAKE_BUCKET

BAD_KEYS = ["../escape.txt", "a/../../escape.txt", "/etc/passwd", "a//b", "a/./b", "", "a\\..\\b", "a\nb"]


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    storage = get_storage(load_settings(APP_ENV="testing", DATA_DIR=tmp_path, APP_URL="http://127.0.0.1:8000/"))
    assert isinstance(storage, LocalStorage)
    return storage


async def test_local_put_get_url_delete(local: LocalStorage, tmp_path: Path) -> None:
    key = "tts/espeak/abc 1.mp3"
    assert await local.put(key, b"ID3audio", "audio/mpeg") == key
    assert (tmp_path / "files" / "tts" / "espeak" / "abc 1.mp3").read_bytes() == b"ID3audio"
    assert await local.get(key) == b"ID3audio" and await local.exists(key)
    assert await local.url(key) == "http://127.0.0.1:8000/files/tts/espeak/abc%201.mp3"
    await local.delete(key)
    await local.delete(key)  # idempotent
    assert not await local.exists(key)
    with pytest.raises(StoredFileNotFound):
        await local.get(key)


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_local_refuses_keys_that_leave_the_root(local: LocalStorage, key: str) -> None:
    with pytest.raises(ValueError):
        await local.put(key, b"x")
    with pytest.raises(ValueError):
        local.path_for(key)


async def test_local_refuses_symlinks_out_of_the_root(local: LocalStorage, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    local.root.mkdir(parents=True, exist_ok=True)
    (local.root / "link").symlink_to(outside)
    with pytest.raises(ValueError):
        await local.get("link/secret.txt")


async def test_s3_put_get_presigned_url_delete(aws_overrides: dict[str, Any], moto_server: MotoServer) -> None:
    storage = get_storage(load_settings(APP_ENV="testing", FILESYSTEM_DISK="s3", **aws_overrides))
    assert isinstance(storage, S3Storage) and storage.bucket == FAKE_BUCKET
    key = "tts/elevenlabs/hello.mp3"

    await storage.put(key, b"ID3-s3-audio")

    head = storage.client.head_object(Bucket=FAKE_BUCKET, Key=key)
    assert head["ContentType"] == "audio/mpeg"  # guessed from the key
    assert await storage.get(key) == b"ID3-s3-audio" and await storage.exists(key)
    url = await storage.url(key, expires_in=600)
    assert url.startswith(moto_server.url) and "Signature" in url and "Expires" in url
    async with httpx.AsyncClient() as client:
        assert (await client.get(url)).content == b"ID3-s3-audio"
    await storage.delete(key)
    assert not await storage.exists(key)
    with pytest.raises(StoredFileNotFound):
        await storage.get(key)


async def test_s3_refuses_bad_keys_too(aws_overrides: dict[str, Any]) -> None:
    storage = get_storage(load_settings(APP_ENV="testing", FILESYSTEM_DISK="s3", **aws_overrides))
    with pytest.raises(ValueError):
        await storage.put("../x", b"x")
