"""Write the API's OpenAPI document (what `fibonacco serve` publishes at /openapi.json) to the file named by the
first argument, for `npm run gen:api`. A file, not stdout: a log line must not end up in the document."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fibonacco.app import create_app


def main() -> None:
    document = json.dumps(create_app().openapi(), indent=2, sort_keys=True)
    Path(sys.argv[1]).write_text(document + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
