"""The container image, the compose stack, the CI/CD workflows and the scripts, validated offline by their
linters and checked for the properties the plan and DESIGN.md ask of them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import PULUMI_DIR, REPO

BIN = Path(sys.executable).parent
DOCKERFILE = PULUMI_DIR / "Dockerfile"
COMPOSE = REPO / "compose.yaml"
WORKFLOWS = REPO / ".github" / "workflows"
SCRIPTS = sorted((PULUMI_DIR / "scripts").glob("*.sh"))


def tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    assert found, f"{name} is not installed (pip install '.[test]')"
    return found


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    # The venv's bin first, so actionlint finds the pip-installed shellcheck.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


# --- Dockerfile ---


def test_dockerfile_passes_hadolint() -> None:
    assert_clean(run(tool("hadolint"), "--config", str(REPO / ".hadolint.yaml"), str(DOCKERFILE)))


def test_dockerfile_is_multi_stage_slim_non_root_and_health_checked() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert len(stages) >= 2 and all("slim" in s for s in stages)
    assert "COPY --from=build" in text
    assert "pip install --no-cache-dir ." in text  # the package from the repository root
    [user] = re.findall(r"^USER (\S+)", text, re.M)
    assert user.split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/health", text, re.M)
    assert re.search(r"^EXPOSE 8000$", text, re.M)
    assert re.search(r'^CMD \["fibonacco", "serve"\]$', text, re.M)
    # The port the image serves is the one the ALB target group and security groups use.
    config = (PULUMI_DIR / "infrastructure" / "config.py").read_text()
    assert "CONTAINER_PORT = 8000" in config


def test_dockerignore_keeps_the_build_context_to_the_package() -> None:
    lines = (REPO / ".dockerignore").read_text().split()
    assert lines[lines.index("**")] == "**"
    assert {"!pyproject.toml", "!README.md", "!src/"} <= set(lines)


# --- compose ---


def test_compose_file_matches_the_compose_spec() -> None:
    assert_clean(run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)))


def test_compose_runs_the_full_stack_migrating_first() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert services["postgres"]["image"] == "pgvector/pgvector:pg16"
    assert services["redis"]["image"].startswith("redis:7")
    assert "noeviction" in services["redis"]["command"]
    assert services["migrate"]["command"] == ["fibonacco", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker", "scheduler"):
        service = services[name]
        assert service["build"]["dockerfile"] == "infrastructure/pulumi/Dockerfile"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["command"][0] == "fibonacco"
    assert set(services["worker"]["command"][3].split(",")) == {
        "default",
        "emails",
        "sms",
        "calls",
        "tts",
        "embeddings",
    }
    assert services["api"]["ports"] == ["127.0.0.1:8000:8000"]
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "fibonacco", "worker", "--check"]
    assert services["scheduler"]["healthcheck"]["test"] == ["CMD", "fibonacco", "scheduler", "--check"]


# --- workflows ---


@pytest.mark.parametrize("workflow", ["ci.yml", "deploy.yml"])
def test_workflow_matches_the_github_schema(workflow: str) -> None:
    assert_clean(
        run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOWS / workflow))
    )


def test_workflows_pass_actionlint() -> None:
    assert_clean(run(tool("actionlint"), *(str(p) for p in sorted(WORKFLOWS.glob("*.yml")))))


def test_ci_runs_make_test() -> None:
    steps = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())["jobs"]["test"]["steps"]
    assert "make test" in [s.get("run") for s in steps]


def test_deploy_pipeline_order_and_stacks() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "deploy.yml").read_text())
    assert "production" in workflow["env"]["STACK"] and "dev" in workflow["env"]["STACK"]
    assert "github.event_name == 'push'" in workflow["env"]["STACK"]
    jobs = workflow["jobs"]
    assert jobs["backend"]["needs"] == "infrastructure" and jobs["frontend"]["needs"] == "backend"
    for name, job in jobs.items():
        runs = [s.get("run", "") for s in job["steps"]]
        login = next(i for i, r in enumerate(runs) if "pulumi login" in r)
        assert "pulumi stack select" in runs[login], name
        # Every step that reads stack outputs or deploys comes after login and stack selection.
        using = [i for i, r in enumerate(runs) if "deploy.sh" in r or "pulumi up" in r]
        assert using and min(using) > login, name
    infrastructure = " ".join(s.get("run", "") for s in jobs["infrastructure"]["steps"])
    assert "deploy.sh infrastructure" in infrastructure  # keeps the running release
    backend = " ".join(s.get("run", "") for s in jobs["backend"]["steps"])
    assert "deploy.sh backend" in backend and "pulumi install" in backend  # the release runs the program
    frontend_steps = jobs["frontend"]["steps"]
    frontend = " ".join(s.get("run", "") for s in frontend_steps)
    assert 'deploy.sh frontend "$STACK"' in frontend  # builds frontend/ with VITE_API_URL, syncs, invalidates
    [node] = [s for s in frontend_steps if s.get("uses", "").startswith("actions/setup-node")]
    assert node["with"]["node-version"] == "20"


def test_nothing_deploys_latest() -> None:
    """Releases are immutable git-SHA images: no workflow, script or runbook names a `latest` image."""
    for path in (WORKFLOWS / "deploy.yml", PULUMI_DIR / "scripts" / "deploy.sh", REPO / "docs" / "deployment.md"):
        assert ":latest" not in path.read_text(), path
    script = (PULUMI_DIR / "scripts" / "deploy.sh").read_text()
    assert "image_tag=" in script and "docker push" in script


# --- scripts ---


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_pass_shellcheck_and_are_executable(script: Path) -> None:
    assert_clean(run(tool("shellcheck"), str(script)))
    assert os.access(script, os.X_OK)
    assert script.read_text().startswith("#!/usr/bin/env bash\n")


def test_setup_database_enables_and_verifies_pgvector() -> None:
    text = (PULUMI_DIR / "scripts" / "setup-database.sh").read_text()
    assert "CREATE EXTENSION IF NOT EXISTS vector" in text
    assert "sslmode=require" in text
    assert "pg_extension" in text


def test_the_runbook_puts_secret_values_it_does_not_create_secrets() -> None:
    """The program creates every secret, so the plan's `create-secret` would fail: the runbook's commands put the
    values (Phase 1.7), and no command line in it creates a secret."""
    runbook = (REPO / "docs" / "deployment.md").read_text()
    commands = [line.strip() for line in runbook.splitlines() if line.strip().startswith("aws secretsmanager")]
    assert commands and all(c.startswith("aws secretsmanager put-secret-value") for c in commands)
    for path in ("app/app-key", "elevenlabs/api-key", "openrouter/api-key", "openai/api-key"):
        assert f"put-secret-value --secret-id learning-center-dev/{path}" in runbook
