"""Infrastructure tests: the Pulumi program run under mocks, plus offline linters. No database or Redis
needed."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

RUNNER = Path(__file__).with_name("stack_runner.py")
REPO = Path(__file__).resolve().parents[2]
PULUMI_DIR = REPO / "infrastructure" / "pulumi"
# Production's stack file carries the plan's placeholder VPC id, which the program refuses; tests supply one.
TEST_VPC_ID = "vpc-0123456789abcdef0"
# Given as secret config values; they must never appear unmarked anywhere in the program's output.
TEST_SECRETS = {"app_key": "base64:test-app-key-9f8e7d", "openai_api_key": "sk-test-openai-4c3b2a"}

# What deploy.sh passes as `--config image_tag=...`: the release's git SHA.
TEST_IMAGE_TAG = "3f2a1b9c0d4e5f60718293a4b5c6d7e8f9012345"
RELEASE = {"image_tag": TEST_IMAGE_TAG}
ALARM_SUBSCRIBERS = {"email": "ops@fibonacco.test", "https_endpoint": "https://hooks.fibonacco.test/alarms"}

# name -> (stack, --set overrides, --secret values)
RUNS: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
    "dev": ("dev", RELEASE, TEST_SECRETS),
    "production": ("production", {"existing_vpc_id": TEST_VPC_ID, **RELEASE}, {}),
    "production-placeholder-vpc": ("production", RELEASE, {}),
    "dev-missing-queue": ("dev", {"workers": [{"name": "w", "queues": ["default", "emails"]}], **RELEASE}, {}),
    "dev-scheduler-service": ("dev", {"scheduler": {"mode": "service", "cpu": 256, "memory": 512}, **RELEASE}, {}),
    "dev-no-image-tag": ("dev", {}, {}),
    "dev-latest": ("dev", {"image_tag": "latest"}, {}),
    "dev-alarm-subscribers": ("dev", {"alarms": {"queue_depth": 1000, **ALARM_SUBSCRIBERS}, **RELEASE}, {}),
}


@pytest.fixture(scope="session", autouse=True)
def servers() -> Iterator[None]:
    """Overrides the session's embedded PostgreSQL/Redis: nothing here talks to them."""
    yield


@dataclass
class StackRun:
    name: str
    resources: list[dict[str, Any]]
    exports: dict[str, Any]
    error: str | None
    warnings: list[str]

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == typ]

    def one(self, typ: str, name_part: str = "") -> dict[str, Any]:
        # An exact name wins over a partial one ("ecs-worker" vs "ecs-worker-ai").
        candidates = self.of_type(typ)
        found = [r for r in candidates if r["name"] == name_part] or [r for r in candidates if name_part in r["name"]]
        assert len(found) == 1, f"expected one {typ} named *{name_part}*, found {[r['name'] for r in found]}"
        return found[0]

    def inputs(self, typ: str, name_part: str = "") -> dict[str, Any]:
        return self.one(typ, name_part)["inputs"]

    def export(self, name: str) -> Any:
        return self.exports[name]["value"]

    def task_container(self, family_suffix: str) -> dict[str, Any]:
        [task] = [
            r["inputs"]
            for r in self.of_type("aws:ecs/taskDefinition:TaskDefinition")
            if r["inputs"]["family"].endswith(f"-{family_suffix}")
        ]
        [container] = json.loads(task["containerDefinitions"])
        return {**container, "_task": task}

    def policy(self, name_part: str) -> dict[str, Any]:
        return json.loads(self.inputs("aws:iam/rolePolicy:RolePolicy", name_part)["policy"])


@pytest.fixture(scope="session")
def runs() -> dict[str, StackRun]:
    """Every configured run, in parallel: one process each, since the Pulumi runtime is process-global."""
    workdir = Path(tempfile.mkdtemp(prefix="pulumi-mocks-"))
    procs = {}
    for name, (stack, overrides, secrets) in RUNS.items():
        out = workdir / f"{name}.json"
        cmd = [sys.executable, str(RUNNER), stack, str(out)]
        cmd += [f"--set={k}={json.dumps(v)}" for k, v in overrides.items()]
        cmd += [f"--secret={k}={v}" for k, v in secrets.items()]
        procs[name] = (subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT), out)
    results = {}
    for name, (proc, out) in procs.items():
        output, _ = proc.communicate(timeout=120)
        if not out.exists():
            pytest.fail(f"stack run {name} wrote nothing:\n{output.decode()}")
        data = json.loads(out.read_text())
        results[name] = StackRun(
            name, data.get("resources", []), data.get("exports", {}), data.get("error"), data.get("warnings", [])
        )
    return results


@pytest.fixture(params=["dev", "production"])
def stack(request: pytest.FixtureRequest, runs: dict[str, StackRun]) -> StackRun:
    run = runs[request.param]
    assert run.error is None, f"{request.param} stack failed: {run.error}"
    return run


@pytest.fixture
def dev(runs: dict[str, StackRun]) -> StackRun:
    assert runs["dev"].error is None, runs["dev"].error
    return runs["dev"]


@pytest.fixture
def production(runs: dict[str, StackRun]) -> StackRun:
    assert runs["production"].error is None, runs["production"].error
    return runs["production"]
