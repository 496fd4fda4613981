"""`python -m fibonacco.worker …`: the job commands alone (worker, scheduler, schedule, queue)."""

import typer

from fibonacco.worker.cli import register

app = typer.Typer(help="Fibonacco background jobs.", no_args_is_help=True, pretty_exceptions_enable=False)
register(app)
app(prog_name="fibonacco")
