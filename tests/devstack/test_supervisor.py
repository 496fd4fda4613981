"""`fibonacco dev` end to end: it serves, restarts a killed worker, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import httpx
import psutil

from fibonacco.devstack.embedded import EmbeddedPostgres, free_port
from tests.devstack.harness import running_dev_stack
from tests.helpers import wait_for


def worker_mains(supervisor: psutil.Process) -> list[psutil.Process]:
    mains = []
    for child in supervisor.children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "worker" in child.cmdline():
                mains.append(child)
        except psutil.Error:
            continue  # exited while we looked
    return mains


def send_to_outbox(api: httpx.Client) -> None:
    """With no keys, an email, an SMS and a call land in the outbox and speech becomes an audio file."""
    for body in (
        {"channel": "email", "to": "someone@example.com", "subject": "Hello", "body_text": "Hi"},
        {"channel": "sms", "to": "+15551230000", "body_text": "Hi"},
        {"channel": "call", "to": "+15551230000", "script": "Hello from Fibonacco."},
    ):
        assert api.post("/messages", json=body).status_code == 202
    speech = api.post("/tts", json={"text": "Welcome to the Learning Center"}).json()["data"]

    def all_sent() -> bool:
        messages = api.get("/messages").json()["data"]
        return sorted((m["channel"], m["status"], m["provider"]) for m in messages) == [
            ("call", "sent", "outbox"),
            ("email", "sent", "outbox"),
            ("sms", "sent", "outbox"),
        ]

    wait_for(all_sent, 30, "the worker to send into the outbox")
    expected = "completed" if shutil.which("espeak-ng") else "failed"  # the offline engine needs espeak-ng
    wait_for(lambda: api.get(f"/tts/{speech['id']}").json()["data"]["status"] == expected, 30, "speech")
    if expected == "completed":
        audio_url = api.get(f"/tts/{speech['id']}").json()["data"]["audio_url"]
        audio = httpx.get(audio_url, timeout=10)
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg" and len(audio.content) > 1000


class TestDevStack:
    def test_serves_restarts_a_killed_worker_and_stops_cleanly(
        self, tmp_dir: Path, embedded_postgres: EmbeddedPostgres
    ) -> None:
        port = free_port()
        database = f"devstack_{uuid.uuid4().hex[:8]}"
        embedded_postgres.create_database(database)
        # DB_HOST/REDIS_HOST point at the test session's servers, so the stack uses them instead of its own;
        # a database of its own shows it migrating and seeding from empty.
        env = {
            **os.environ,
            "PORT": str(port),
            "DATA_DIR": str(tmp_dir),
            "LOG_LEVEL": "WARNING",
            "DB_DATABASE": database,
        }
        with running_dev_stack(env, port, tmp_dir / "dev.log") as stack:
            supervisor = stack.supervisor
            api = httpx.Client(
                base_url=f"http://127.0.0.1:{port}/api/v1",
                headers={"Authorization": f"Bearer {(tmp_dir / 'demo-token').read_text().strip()}"},
                timeout=10,
            )
            send_to_outbox(api)
            wait_for(lambda: len(worker_mains(supervisor)) == 1, 30, "the worker")
            (worker,) = worker_mains(supervisor)
            worker.kill()
            wait_for(
                lambda: [p.pid for p in worker_mains(supervisor)] not in ([], [worker.pid]),
                30,
                "a new worker",
            )
            descendants = supervisor.children(recursive=True)
            assert len(descendants) >= 3  # api, worker (+ its processes), scheduler

            # The restarted worker does the work.
            message = api.post("/messages", json={"channel": "sms", "to": "+15551230001", "body_text": "again"})
            wait_for(
                lambda: api.get(f"/messages/{message.json()['data']['id']}").json()["data"]["status"] == "sent",
                30,
                "the restarted worker to send",
            )
            returncode = stack.stop()
        text = stack.output()
        assert returncode == 0, text[-3000:]
        assert "worker exited" in text and "restarting worker" in text
        assert "migrated 0001" in text and "demo token: fib_" in text
        alive = [p for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert alive == [], f"left behind: {[p.cmdline() for p in alive]}"
