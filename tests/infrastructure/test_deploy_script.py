"""deploy.sh against stand-in `pulumi`, `aws` and `docker` commands that record how they were called.

The order matters more than any single call: migrations must succeed before a service is touched, and a
deployment the circuit breaker rolled back must fail the release.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import PULUMI_DIR

DEPLOY = PULUMI_DIR / "scripts" / "deploy.sh"
OUTPUTS = {
    "ecr_repository_url": "123456789012.dkr.ecr.us-east-1.amazonaws.com/learning-center-backend-dev",
    "ecs_cluster_name": "learning-center-dev-cluster",
    "migrate_task_definition": "learning-center-dev-migrate",
    "ecs_network_configuration": '{"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"]}}',
    "ecs_service_names": ["learning-center-dev-api", "learning-center-dev-worker"],
    "log_group_name": "/ecs/learning-center-dev",
    "s3_frontend_bucket": "learning-center-frontend-dev",
    "cloudfront_distribution_id": "E123",
}

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="deploy.sh needs jq")

FAKE_PULUMI = """#!/usr/bin/env bash
echo "pulumi $*" >> "$CALLS"
[[ "$1 $2" == "stack output" ]] || exit 0
python3 -c 'import json, sys; v = json.load(open(sys.argv[1]))[sys.argv[2]]
print(json.dumps(v) if "--json" in sys.argv[3:] or not isinstance(v, str) else v)' "$OUTPUTS" "$3" "$@"
"""

FAKE_AWS = """#!/usr/bin/env bash
echo "aws $*" >> "$CALLS"
case "$1 $2" in
  "ecs run-task") echo "arn:aws:ecs:us-east-1:123456789012:task/cluster/abc123" ;;
  "ecs describe-tasks") [[ "$*" == *exitCode* ]] && echo "$MIGRATE_EXIT" ;;
  "ecs update-service") echo "ecs-svc/$(( RANDOM ))" ;;
  "ecs describe-services") echo "$ROLLOUT_STATE" ;;
  "ecr get-login-password") echo "password" ;;
  "cloudfront create-invalidation") echo "I123" ;;
esac
exit 0
"""

FAKE_DOCKER = """#!/usr/bin/env bash
echo "docker $*" >> "$CALLS"
# Like the real one, read the password the pipe sends (an unread pipe would SIGPIPE the sender).
[[ "$*" == *--password-stdin* ]] && cat > /dev/null
exit 0
"""


@pytest.fixture
def fake_cli(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("pulumi", FAKE_PULUMI), ("aws", FAKE_AWS), ("docker", FAKE_DOCKER)):
        path = bin_dir / name
        path.write_text(body)
        path.chmod(0o755)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(OUTPUTS))
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls.log"),
        "OUTPUTS": str(outputs),
        "MIGRATE_EXIT": "0",
        "ROLLOUT_STATE": "COMPLETED",
    }


def deploy(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    result = subprocess.run([str(DEPLOY), *args], env=env, capture_output=True, text=True, timeout=60)
    calls_file = Path(env["CALLS"])
    calls = calls_file.read_text().splitlines() if calls_file.exists() else []
    return result, calls


def index_of(calls: list[str], fragment: str) -> int:
    return next(i for i, call in enumerate(calls) if fragment in call)


def test_backend_release_builds_pushes_migrates_then_rolls_every_service(fake_cli: dict[str, str]) -> None:
    result, calls = deploy(fake_cli, "backend", "dev", "abc1234")
    assert result.returncode == 0, result.stderr
    repo = OUTPUTS["ecr_repository_url"]
    assert index_of(calls, f"docker push {repo}:abc1234") < index_of(calls, "aws ecs run-task")
    run_task = calls[index_of(calls, "aws ecs run-task")]
    assert "--task-definition learning-center-dev-migrate" in run_task and "--launch-type FARGATE" in run_task
    assert index_of(calls, "aws ecs wait tasks-stopped") < index_of(calls, "aws ecs update-service")
    updated = [c for c in calls if "ecs update-service" in c]
    assert len(updated) == 2 and all("--force-new-deployment" in c for c in updated)
    assert any("learning-center-dev-worker" in c for c in updated)
    assert "ecs wait services-stable" in calls[index_of(calls, "services-stable")]
    # Pulumi is asked for every value with the stack named explicitly.
    assert all("--stack dev" in c for c in calls if c.startswith("pulumi stack output"))


def test_failed_migration_stops_the_release_before_any_service_changes(fake_cli: dict[str, str]) -> None:
    result, calls = deploy({**fake_cli, "MIGRATE_EXIT": "1"}, "backend", "dev", "abc1234")
    assert result.returncode != 0
    assert "migrations failed (exit code 1)" in result.stderr
    assert not [c for c in calls if "update-service" in c]


def test_a_rolled_back_deployment_fails_the_release(fake_cli: dict[str, str]) -> None:
    result, _ = deploy({**fake_cli, "ROLLOUT_STATE": "FAILED"}, "services", "dev")
    assert result.returncode != 0 and "rolled back" in result.stderr


def test_frontend_upload_sets_cache_headers_and_invalidates(fake_cli: dict[str, str], tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html>")
    (dist / "assets" / "index-3f2a1b.js").write_text("console.log(1)")
    result, calls = deploy(fake_cli, "frontend", "dev", str(dist))
    assert result.returncode == 0, result.stderr
    syncs = [c for c in calls if c.startswith("aws s3 sync")]
    assert "s3://learning-center-frontend-dev/assets" in syncs[0] and "immutable" in syncs[0]
    assert "--exclude assets/*" in syncs[1] and "--cache-control no-cache" in syncs[1] and "--delete" in syncs[1]
    assert index_of(calls, "cloudfront create-invalidation --distribution-id E123") > index_of(calls, "s3 sync")


def test_frontend_without_a_build_is_refused(fake_cli: dict[str, str], tmp_path: Path) -> None:
    result, calls = deploy(fake_cli, "frontend", "dev", str(tmp_path / "missing"))
    assert result.returncode != 0 and "build the frontend first" in result.stderr
    assert not [c for c in calls if c.startswith("aws s3")]
