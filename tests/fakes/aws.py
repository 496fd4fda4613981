"""moto's server in a thread on 127.0.0.1, standing in for SES, S3 and CloudWatch (and any other AWS API)."""

from __future__ import annotations

import logging
import urllib.request
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer

REGION = "us-east-1"


class MotoServer:
    def __init__(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def start(self) -> MotoServer:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per AWS call otherwise
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        """Forget every resource and sent message (moto's own reset endpoint)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def fresh(self) -> MotoServer:
        self.reset()
        return self

    def sent_emails(self, region: str = REGION) -> list[Any]:
        """Messages SES accepted (moto `Message`: source, destinations, subject, body)."""
        # The server runs in this process, so its backend is directly readable.
        from moto.ses.models import ses_backends

        return list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages)
