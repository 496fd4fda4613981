"""Print the API's OpenAPI document (what `fibonacco serve` publishes at /openapi.json) for `npm run gen:api`."""

from __future__ import annotations

import json
import sys

from fibonacco.app import create_app


def main() -> None:
    json.dump(create_app().openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
