from fibonacco.cli import app

app(prog_name="fibonacco")
