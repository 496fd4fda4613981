"""`fibonacco infra cost`: the plan's monthly cost table from the stack files' sizes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from fibonacco.infra.cli import app
from fibonacco.infra.cost import CostError, estimate, load_prices, stack_file

PLAN_ROWS = ["RDS", "Redis", "ECS Tasks", "ALB", "CloudFront", "S3"]
runner = CliRunner()


def line(report_lines: list, resource: str) -> float:
    return next(item.monthly for item in report_lines if item.resource == resource)


def edited_stack(tmp_path: Path, stack: str, **changes: object) -> Path:
    data = yaml.safe_load(stack_file(stack).read_text())
    for key, value in changes.items():
        data["config"][f"learning-center:{key}"] = value
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_prices_carry_their_date() -> None:
    prices = load_prices()
    assert dt.date.fromisoformat(prices["as_of"]) <= dt.date.today()
    assert prices["region"] == "us-east-1"


@pytest.mark.parametrize("stack", ["dev", "production"])
def test_estimate_has_the_plans_rows_and_adds_up(stack: str) -> None:
    report = estimate(stack)
    resources = [item.resource for item in report.lines]
    assert resources[: len(PLAN_ROWS)] == PLAN_ROWS
    assert report.total == pytest.approx(sum(item.monthly for item in report.lines))
    assert all(item.monthly >= 0 for item in report.lines)


def test_dev_database_is_priced_from_its_instance_class() -> None:
    prices = load_prices()
    hourly = prices["aurora_postgresql_instance_hour"]["db.t4g.medium"]
    usage = prices["usage_assumptions"]["dev"]
    expected = hourly * 730 + usage["db_storage_gb"] * prices["aurora_storage_gb_month"]
    expected += usage["db_io_millions"] * prices["aurora_io_per_million"]
    assert line(estimate("dev").lines, "RDS") == pytest.approx(expected, abs=0.01)


def test_production_costs_more_and_is_multi_az() -> None:
    dev, production = estimate("dev"), estimate("production")
    assert production.total > dev.total
    rds = next(item for item in production.lines if item.resource == "RDS")
    assert "2x db.r6g.large (Multi-AZ)" in rds.size


def test_a_changed_size_shows_its_cost(tmp_path: Path) -> None:
    prices = load_prices()["aurora_postgresql_instance_hour"]
    before = estimate("dev")
    after = estimate("dev", edited_stack(tmp_path, "dev", db_instance_class="db.r6g.large"))
    delta = line(after.lines, "RDS") - line(before.lines, "RDS")
    assert delta == pytest.approx((prices["db.r6g.large"] - prices["db.t4g.medium"]) * 730, abs=0.01)
    assert after.total - before.total == pytest.approx(delta, abs=0.02)


def test_more_api_tasks_cost_more(tmp_path: Path) -> None:
    api = {"cpu": 512, "memory": 1024, "min_count": 3, "max_count": 10}
    before = line(estimate("dev").lines, "ECS Tasks")
    after = line(estimate("dev", edited_stack(tmp_path, "dev", api=api)).lines, "ECS Tasks")
    prices = load_prices()
    per_task = 730 * (0.5 * prices["fargate_vcpu_hour"] + 1 * prices["fargate_gb_hour"])
    assert after - before == pytest.approx(2 * per_task, abs=0.02)


def test_an_unpriced_size_is_an_error_naming_it(tmp_path: Path) -> None:
    path = edited_stack(tmp_path, "dev", redis_node_type="cache.x99.huge")
    with pytest.raises(CostError, match=r"cache\.x99\.huge"):
        estimate("dev", path)
    result = runner.invoke(app, ["cost", "--stack", "dev", "--stack-file", str(path)])
    assert result.exit_code == 1 and "cache.x99.huge" in result.output


@pytest.mark.parametrize("stack", ["dev", "production"])
def test_cli_prints_the_table(stack: str) -> None:
    result = runner.invoke(app, ["cost", "--stack", stack])
    assert result.exit_code == 0, result.output
    for resource in [*PLAN_ROWS, "Total"]:
        assert resource in result.output
    assert load_prices()["as_of"] in result.output
    assert f"${estimate(stack).total:,.2f}" in result.output


def test_cli_json_matches_the_estimate() -> None:
    result = runner.invoke(app, ["cost", "--stack", "production", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["total"] == estimate("production").total
    assert [item["resource"] for item in data["lines"]][:6] == PLAN_ROWS


def test_cli_refuses_an_unknown_stack() -> None:
    result = runner.invoke(app, ["cost", "--stack", "staging"])
    assert result.exit_code == 2
