"""Real worker and scheduler processes on the real Redis: crashes, shutdown, leader election."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid

import pytest
import redis as sync_redis
from dramatiq import Message

from fibonacco.devstack.embedded import EmbeddedRedis, free_port
from fibonacco.worker.middleware import SHUTDOWN_GRACE_SECONDS
from fibonacco.worker.queues import QueueKeys
from fibonacco.worker.scheduler import LEADER_KEY, SCHEDULED_BY_OPTION, SCHEDULED_FOR_OPTION
from tests.helpers import FAST, Processes, fibonacco, wait_for, worker_args
from tests.worker import jobs

HEARTBEAT_TIMEOUT = float(FAST["WORKER_HEARTBEAT_TIMEOUT_SECONDS"])


@pytest.fixture(autouse=True)
def _clean_redis(sync_client: sync_redis.Redis) -> None:
    sync_client.flushdb()


def test_worker_killed_mid_job_the_job_completes_once_on_another_worker(
    spawn: Processes, sync_client: sync_redis.Redis
) -> None:
    spawn.start_workers(sync_client, count=2)
    key = uuid.uuid4().hex
    jobs.slow_effect.send(key, 60)
    wait_for(lambda: sync_client.llen(f"pids:{key}") == 1, 15, "the job to start")
    first_pid = int(sync_client.lindex(f"pids:{key}", 0) or 0)

    os.kill(first_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    wait_for(lambda: sync_client.exists(f"done:{key}"), HEARTBEAT_TIMEOUT + 10, "the job to run again")

    assert time.monotonic() - killed_at <= HEARTBEAT_TIMEOUT + 5  # bounded by the configured heartbeat timeout
    pids = [int(pid) for pid in sync_client.lrange(f"pids:{key}", 0, -1)]
    assert len(pids) == 2 and pids[1] != first_pid  # ran again, on the surviving worker
    assert sync_client.get(f"effects:{key}") == "1"  # ...and its side effect happened once


def test_sigterm_lets_the_running_job_finish_then_exits(spawn: Processes, sync_client: sync_redis.Redis) -> None:
    (worker,) = spawn.start_workers(sync_client)
    key = uuid.uuid4().hex
    jobs.slow_effect.send(key, 2)
    wait_for(lambda: sync_client.exists(f"runs:{key}"), 15, "the job to start")

    worker.send_signal(signal.SIGTERM)  # the main process only, as ECS and the dev supervisor do
    assert worker.wait(15) == 0
    assert sync_client.exists(f"done:{key}")
    assert sync_client.hlen(QueueKeys.of("default").messages) == 0  # acknowledged, nothing left behind


def test_sigterm_deadline_stops_a_long_job_without_losing_it(spawn: Processes, sync_client: sync_redis.Redis) -> None:
    (worker,) = spawn.start_workers(sync_client, WORKER_SHUTDOWN_TIMEOUT_SECONDS="1")
    key = uuid.uuid4().hex
    message = jobs.slow_effect.send(key, 60)
    wait_for(lambda: sync_client.exists(f"runs:{key}"), 15, "the job to start")

    worker.send_signal(signal.SIGTERM)
    started = time.monotonic()
    worker.wait(15)

    assert time.monotonic() - started < 8  # the deadline, not the job, decided when it stopped
    assert not sync_client.exists(f"done:{key}")
    # Unacknowledged, so a live worker re-queues it once this one's heartbeat times out.
    assert sync_client.hexists(QueueKeys.of("default").messages, message.options["redis_message_id"])


def _ticks(client: sync_redis.Redis) -> list[tuple[str, str]]:
    """(tick, scheduler) of every queued tests.tick message."""
    raw = client.hvals(QueueKeys.of("default").messages)
    messages = [Message.decode(value.encode()) for value in raw]
    return sorted(
        (m.options[SCHEDULED_FOR_OPTION], m.options[SCHEDULED_BY_OPTION])
        for m in messages
        if m.actor_name == "tests.tick"
    )


def test_two_schedulers_one_active_each_tick_enqueued_once_standby_takes_over(
    spawn: Processes, sync_client: sync_redis.Redis
) -> None:
    schedulers = [spawn("scheduler", "--module", "tests.worker.jobs") for _ in range(2)]
    wait_for(lambda: len(_ticks(sync_client)) >= 4, 20, "ticks to be enqueued")

    ticks = _ticks(sync_client)
    assert len({tick for tick, _ in ticks}) == len(ticks)  # no tick twice
    assert len({by for _, by in ticks}) == 1  # one scheduler active
    leader = sync_client.get(LEADER_KEY)
    assert leader == ticks[0][1]
    leader_pid = int(leader.split(":")[1])
    assert leader_pid in {process.pid for process in schedulers}
    assert spawn("scheduler", "--check").wait(30) == 0  # liveness for the container health check

    os.kill(leader_pid, signal.SIGKILL)
    wait_for(lambda: sync_client.get(LEADER_KEY) not in (None, leader), 10, "the standby to take over")
    count = len(_ticks(sync_client))
    wait_for(lambda: len(_ticks(sync_client)) >= count + 2, 10, "the new leader's ticks")

    ticks = _ticks(sync_client)
    assert len({tick for tick, _ in ticks}) == len(ticks)
    assert {by for _, by in ticks} == {leader, sync_client.get(LEADER_KEY)}
    (survivor,) = [process for process in schedulers if process.pid != leader_pid]
    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(15) == 0
    assert sync_client.get(LEADER_KEY) is None  # released on the way out: a standby would not wait for the TTL


def test_a_jobs_log_lines_carry_its_id_and_actor(spawn: Processes, sync_client: sync_redis.Redis) -> None:
    spawn.start_workers(sync_client, LOG_LEVEL="INFO")
    key = uuid.uuid4().hex
    message = jobs.say.send(key)
    wait_for(lambda: sync_client.exists(f"done:{key}"), 15, "the job to run")
    lines = [line for path in spawn.log_dir.iterdir() for line in path.read_text().splitlines() if key in line]
    (logged,) = [json.loads(line) for line in lines if line.startswith("{")]
    assert logged["event"] == "job_says_hello"
    assert logged["job_id"] == message.message_id and logged["actor"] == "tests.say"


class TestStoppingDuringAnOutage:
    """SIGTERM ends a worker within its shutdown timeout whatever Redis's state; a worker that cannot start
    says why in one line and exits non-zero."""

    SHUTDOWN_TIMEOUT = 2.0
    # Dramatiq waits for its threads, then its consumers; past the timeout plus this grace the process is ended.
    BOUND = SHUTDOWN_TIMEOUT + SHUTDOWN_GRACE_SECONDS + 3

    def test_redis_going_down_mid_job_does_not_keep_the_worker_alive(
        self, spawn: Processes, sync_client: sync_redis.Redis, embedded_redis: EmbeddedRedis
    ) -> None:
        (worker,) = spawn.start_workers(sync_client, WORKER_SHUTDOWN_TIMEOUT_SECONDS=str(self.SHUTDOWN_TIMEOUT))
        key = uuid.uuid4().hex
        for index in range(8):  # 2 running, the rest prefetched: stopping must give those back to a dead Redis
            jobs.slow_effect.send(f"{key}-{index}", 60)
        wait_for(lambda: sync_client.exists(f"runs:{key}-0"), 15, "the jobs to start")
        embedded_redis.stop()
        try:
            worker.send_signal(signal.SIGTERM)
            started = time.monotonic()
            assert worker.wait(self.BOUND + 10) == 0  # before the fix: still alive ten minutes later
            assert time.monotonic() - started < self.BOUND
        finally:
            embedded_redis.start()

    def test_a_worker_that_never_reached_redis_stops_on_sigterm(self, spawn: Processes) -> None:
        unreachable = {"REDIS_PORT": str(free_port()), "WORKER_SHUTDOWN_TIMEOUT_SECONDS": str(self.SHUTDOWN_TIMEOUT)}
        worker = spawn(*worker_args(), "--processes", "1", "--threads", "1", env=unreachable)
        time.sleep(4)  # booted, its consumers failing to connect every 3 s
        assert worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        started = time.monotonic()
        worker.wait(self.BOUND + 10)
        assert time.monotonic() - started < self.BOUND

    def test_a_worker_that_cannot_start_says_why_in_one_line(self) -> None:
        result = fibonacco("worker", "--module", "no_such_tasks_module")
        assert result.returncode == 2
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
        assert lines == ["The worker cannot start: ModuleNotFoundError: No module named 'no_such_tasks_module'"]
