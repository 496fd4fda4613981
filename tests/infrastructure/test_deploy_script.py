"""deploy.sh against stand-in `pulumi`, `aws`, `docker` and `npm` commands that record how they were called.

The order matters more than any single call: the release's image (its git SHA, never `latest`) is pushed, the
migrations run on it and must succeed, and only then do the API, workers, scheduler and the EventBridge target
get task-definition revisions that use it; a deployment the circuit breaker rolled back fails the release.
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
REPO_URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/learning-center-backend-dev"
SHA = "abc1234"
OUTPUTS = {
    "ecr_repository_url": REPO_URL,
    "ecs_cluster_name": "learning-center-dev-cluster",
    "migrate_task_definition": "learning-center-dev-migrate",
    "ecs_network_configuration": '{"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"]}}',
    "ecs_service_names": ["learning-center-dev-api", "learning-center-dev-worker"],
    "scheduler_rule_name": "learning-center-dev-scheduler",
    "log_group_name": "/ecs/learning-center-dev",
    "s3_frontend_bucket": "learning-center-frontend-dev",
    "cloudfront_distribution_id": "E123",
    "api_url": "https://api.dev.fibonacco.com",
    "image_tag": "0ld5ha1",
}
MIGRATE_TEMPLATE = {
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/learning-center-dev-migrate:3",
    "family": "learning-center-dev-migrate",
    "revision": 3,
    "status": "ACTIVE",
    "taskRoleArn": "arn:aws:iam::123456789012:role/learning-center-dev-ecs-task",
    "executionRoleArn": "arn:aws:iam::123456789012:role/learning-center-dev-ecs-execution",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "migrate", "image": f"{REPO_URL}:0ld5ha1", "command": ["fibonacco", "migrate"]}],
}
ONE_OFF = "arn:aws:ecs:us-east-1:123456789012:task-definition/learning-center-dev-migrate:4"

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="deploy.sh needs jq")

FAKE_PULUMI = """#!/usr/bin/env bash
echo "pulumi $*" >> "$CALLS"
[[ "$1 $2" == "stack output" ]] || exit 0
python3 -c 'import json, sys; outputs = json.load(open(sys.argv[1]))
sys.exit(1) if sys.argv[2] not in outputs else None; v = outputs[sys.argv[2]]
print(json.dumps(v) if "--json" in sys.argv[3:] or not isinstance(v, str) else v)' "$OUTPUTS" "$3" "$@"
"""

FAKE_AWS = """#!/usr/bin/env bash
echo "aws $*" >> "$CALLS"
case "$1 $2" in
  "ecr describe-images") [[ -n "$IMAGE_EXISTS" ]] || exit 254 ;;
  "ecs describe-task-definition")
    if [[ "$*" == *"--output json"* ]]; then cat "$MIGRATE_TEMPLATE"; else echo "$RUNNING_IMAGE"; fi ;;
  "ecs register-task-definition")
    for arg in "$@"; do [[ "$arg" == file://* ]] && cp "${arg#file://}" "$REGISTERED"; done
    echo "$ONE_OFF" ;;
  "ecs run-task") echo "arn:aws:ecs:us-east-1:123456789012:task/cluster/abc123" ;;
  "ecs describe-tasks") [[ "$*" == *exitCode* ]] && echo "$MIGRATE_EXIT" ;;
  "ecs describe-services") printf '%s\\t%s\\n' "arn:aws:ecs:us-east-1:1:task-definition/x:9" "$ROLLOUT_STATE" ;;
  "events list-targets-by-rule") echo "arn:aws:ecs:us-east-1:123456789012:task-definition/scheduler:9" ;;
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

# Stands in for `npm ci` and Vite's build: records the API URL the build was given and writes a dist/.
FAKE_NPM = """#!/usr/bin/env bash
echo "npm $* (in $PWD, VITE_API_URL=${VITE_API_URL:-})" >> "$CALLS"
if [[ "$*" == "run build" && -z "$BUILD_WRITES_NOTHING" ]]; then
  mkdir -p dist/assets
  echo "<!doctype html>" > dist/index.html
  echo "console.log(1)" > dist/assets/index-3f2a1b.js
fi
exit 0
"""


@pytest.fixture
def fake_cli(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("pulumi", FAKE_PULUMI), ("aws", FAKE_AWS), ("docker", FAKE_DOCKER), ("npm", FAKE_NPM)):
        path = bin_dir / name
        path.write_text(body)
        path.chmod(0o755)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(OUTPUTS))
    template = tmp_path / "migrate-template.json"
    template.write_text(json.dumps(MIGRATE_TEMPLATE))
    frontend = tmp_path / "frontend"
    frontend.mkdir()
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls.log"),
        "OUTPUTS": str(outputs),
        "MIGRATE_TEMPLATE": str(template),
        "REGISTERED": str(tmp_path / "registered.json"),
        "ONE_OFF": ONE_OFF,
        "FRONTEND_DIR": str(frontend),
        "MIGRATE_EXIT": "0",
        "ROLLOUT_STATE": "COMPLETED",
        "RUNNING_IMAGE": f"{REPO_URL}:{SHA}",
        "IMAGE_EXISTS": "",
        "BUILD_WRITES_NOTHING": "",
    }


def deploy(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    result = subprocess.run([str(DEPLOY), *args], env=env, capture_output=True, text=True, timeout=60)
    calls_file = Path(env["CALLS"])
    calls = calls_file.read_text().splitlines() if calls_file.exists() else []
    return result, calls


def index_of(calls: list[str], fragment: str) -> int:
    return next(i for i, call in enumerate(calls) if fragment in call)


def test_backend_pushes_the_sha_migrates_on_it_then_releases_it(fake_cli: dict[str, str]) -> None:
    result, calls = deploy(fake_cli, "backend", "dev", SHA)
    assert result.returncode == 0, result.stderr

    # 1. build and push the SHA tag, and nothing else
    assert f"docker build -f {PULUMI_DIR}/Dockerfile -t {REPO_URL}:{SHA}" in calls[index_of(calls, "docker build")]
    assert [c for c in calls if c.startswith("docker push")] == [f"docker push {REPO_URL}:{SHA}"]
    # 2. a one-off migrate revision on that image, run and waited for, its exit code checked
    registered = json.loads(Path(fake_cli["REGISTERED"]).read_text())
    assert registered["family"] == "learning-center-dev-migrate"
    assert [c["image"] for c in registered["containerDefinitions"]] == [f"{REPO_URL}:{SHA}"]
    assert "taskDefinitionArn" not in registered and "revision" not in registered  # a registrable document
    run_task = calls[index_of(calls, "aws ecs run-task")]
    assert f"--task-definition {ONE_OFF}" in run_task and "--launch-type FARGATE" in run_task
    # 3. only then: new revisions for every task (pulumi up with the SHA), services and the scheduler rule checked
    up = calls[index_of(calls, "pulumi up")]
    assert f"--config image_tag={SHA}" in up and "--stack dev" in up and "--config-file" in up
    assert "--refresh" in up  # what runs, not what the state remembers (a rolled-back service)
    order = [
        f"docker push {REPO_URL}:{SHA}",
        "aws ecs register-task-definition",
        "aws ecs run-task",
        "aws ecs wait tasks-stopped",
        "--query tasks[0].containers[0].exitCode",
        "pulumi up",
        "aws ecs wait services-stable",
        "aws ecs describe-services",
        "aws events list-targets-by-rule --rule learning-center-dev-scheduler",
    ]
    positions = [index_of(calls, step) for step in order]
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
    assert not [c for c in calls if "update-service" in c]  # Pulumi rolls the services to the new revisions
    assert not [c for c in calls if ":latest" in c or "latest" in c.split()]
    # Pulumi is asked for every value with the stack named explicitly.
    assert all("--stack dev" in c for c in calls if c.startswith("pulumi stack output"))


def test_an_image_already_in_ecr_is_not_rebuilt(fake_cli: dict[str, str]) -> None:
    result, calls = deploy({**fake_cli, "IMAGE_EXISTS": "1"}, "backend", "dev", SHA)
    assert result.returncode == 0, result.stderr
    assert not [c for c in calls if c.startswith("docker")]  # immutable tags: same SHA, same image
    assert index_of(calls, "aws ecs run-task") < index_of(calls, "pulumi up")


def test_failed_migration_stops_the_release_before_anything_runs_the_new_image(fake_cli: dict[str, str]) -> None:
    result, calls = deploy({**fake_cli, "MIGRATE_EXIT": "1"}, "backend", "dev", SHA)
    assert result.returncode != 0
    assert "migrations failed (exit code 1)" in result.stderr
    assert not [c for c in calls if c.startswith("pulumi up") or "update-service" in c]
    assert f"aws ecs deregister-task-definition --task-definition {ONE_OFF}" in calls  # the one-off is cleaned up


def test_a_rolled_back_deployment_fails_the_release(fake_cli: dict[str, str]) -> None:
    result, _ = deploy({**fake_cli, "ROLLOUT_STATE": "FAILED"}, "backend", "dev", SHA)
    assert result.returncode != 0 and "rolled back" in result.stderr


def test_a_service_still_on_the_old_image_fails_the_release(fake_cli: dict[str, str]) -> None:
    result, _ = deploy({**fake_cli, "RUNNING_IMAGE": f"{REPO_URL}:0ld5ha1"}, "backend", "dev", SHA)
    assert result.returncode != 0 and f"not {REPO_URL}:{SHA}" in result.stderr


def test_infrastructure_keeps_the_release_that_runs(fake_cli: dict[str, str]) -> None:
    result, calls = deploy(fake_cli, "infrastructure", "dev")
    assert result.returncode == 0, result.stderr
    assert "--config image_tag=0ld5ha1" in calls[index_of(calls, "pulumi up")]
    assert not [c for c in calls if c.startswith(("aws", "docker"))]


def test_infrastructure_of_a_new_stack_takes_this_commit(fake_cli: dict[str, str], tmp_path: Path) -> None:
    outputs = tmp_path / "new-stack.json"
    outputs.write_text(json.dumps({k: v for k, v in OUTPUTS.items() if k != "image_tag"}))
    result, calls = deploy({**fake_cli, "OUTPUTS": str(outputs)}, "infrastructure", "dev")
    assert result.returncode == 0, result.stderr
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
    assert f"--config image_tag={head.stdout.strip()}" in calls[index_of(calls, "pulumi up")]


def test_the_stack_file_never_records_a_release(fake_cli: dict[str, str]) -> None:
    stack_file = PULUMI_DIR / "Pulumi.dev.yaml"
    before = stack_file.read_text()
    _, calls = deploy(fake_cli, "backend", "dev", SHA)
    up = calls[index_of(calls, "pulumi up")].split()
    copy = up[up.index("--config-file") + 1]
    assert copy != str(stack_file) and stack_file.read_text() == before


def test_services_restart_on_the_running_release(fake_cli: dict[str, str]) -> None:
    result, calls = deploy({**fake_cli, "RUNNING_IMAGE": f"{REPO_URL}:0ld5ha1"}, "services", "dev")
    assert result.returncode == 0, result.stderr
    updated = [c for c in calls if "ecs update-service" in c]
    assert len(updated) == 2 and all("--force-new-deployment" in c for c in updated)
    assert index_of(calls, "services-stable") > index_of(calls, "update-service")


def test_frontend_is_built_for_the_api_then_uploaded_with_cache_headers_and_invalidated(
    fake_cli: dict[str, str],
) -> None:
    result, calls = deploy(fake_cli, "frontend", "dev")
    assert result.returncode == 0, result.stderr
    frontend = fake_cli["FRONTEND_DIR"]
    assert calls[index_of(calls, "npm ci")].startswith(f"npm ci (in {frontend}")
    assert f"npm run build (in {frontend}, VITE_API_URL=https://api.dev.fibonacco.com)" in calls
    syncs = [c for c in calls if c.startswith("aws s3 sync")]
    assert f"{frontend}/dist/assets s3://learning-center-frontend-dev/assets" in syncs[0] and "immutable" in syncs[0]
    assert "--exclude assets/*" in syncs[1] and "--cache-control no-cache" in syncs[1] and "--delete" in syncs[1]
    assert index_of(calls, "npm run build") < index_of(calls, "s3 sync")
    assert index_of(calls, "cloudfront create-invalidation --distribution-id E123") > index_of(calls, "s3 sync")


def test_a_build_without_an_app_is_not_uploaded(fake_cli: dict[str, str]) -> None:
    result, calls = deploy({**fake_cli, "BUILD_WRITES_NOTHING": "1"}, "frontend", "dev")
    assert result.returncode != 0 and "index.html not found" in result.stderr
    assert not [c for c in calls if c.startswith("aws s3")]
