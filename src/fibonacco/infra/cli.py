"""`fibonacco infra ...`: helpers for the AWS deployment in infrastructure/pulumi."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fibonacco.infra.cost import CostError, estimate, load_prices

app = typer.Typer(help="AWS deployment helpers (infrastructure/pulumi).", no_args_is_help=True)
console = Console()


class StackName(StrEnum):
    dev = "dev"
    production = "production"


@app.callback()
def main() -> None:
    """AWS deployment helpers (infrastructure/pulumi)."""


@app.command()
def cost(
    stack: Annotated[StackName, typer.Option("--stack", help="which Pulumi stack file to price")] = StackName.dev,
    stack_file: Annotated[
        Path | None, typer.Option(help="price this stack file instead of infrastructure/pulumi/Pulumi.<stack>.yaml")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the estimate as JSON")] = False,
) -> None:
    """Monthly cost of a stack, computed from its configured sizes (the plan's cost table)."""
    try:
        report = estimate(stack.value, stack_file)
    except CostError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        return
    prices = load_prices()
    table = Table(
        title=f"Estimated monthly cost: {stack.value} stack ({report.region})",
        caption=f"On-demand prices as of {report.prices_as_of} (src/fibonacco/infra/prices.json); "
        "pay-per-use lines use the usage assumptions kept there. Baseline = minimum task counts.",
    )
    table.add_column("Resource")
    table.add_column("Size")
    table.add_column("Monthly (USD)", justify="right")
    table.add_column("Plan estimate", justify="right", style="dim")
    for line in report.lines:
        plan = f"~${line.plan_estimate:,.0f}" if line.plan_estimate is not None else "-"
        table.add_row(line.resource, line.size, f"${line.monthly:,.2f}", plan)
    plan_total = prices["plan_estimates"].get(stack.value, {}).get("Total")
    table.add_section()
    table.add_row(
        "[bold]Total[/bold]", "", f"[bold]${report.total:,.2f}[/bold]", f"~${plan_total:,.0f}" if plan_total else "-"
    )
    console.print(table)
