"""Fake Twilio REST API: Messages and Calls, with Twilio's magic test numbers for invalid destinations."""

from __future__ import annotations

import base64
import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes.server import FakeServer, Handler, RecordedRequest

# Twilio's test-credential numbers: sending to these fails the way the real API does.
INVALID_NUMBER = "+15005550001"  # 21211: not a valid phone number
NOT_MOBILE = "+15005550009"  # 21614: not a mobile number (SMS only)


def twilio_error(status: int, code: int, message: str) -> dict[str, object]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class FakeTwilio(FakeServer):
    def __init__(self, account_sid: str = "AC" + "f" * 32, auth_token: str = "fake-twilio-token") -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token

    def routes(self) -> list[tuple[str, str, Handler]]:
        base = "/2010-04-01/Accounts/{account_sid}"
        return [("POST", f"{base}/Messages.json", self._message), ("POST", f"{base}/Calls.json", self._call)]

    @property
    def messages(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    @property
    def calls(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/Calls.json")]

    def _refusal(self, recorded: RecordedRequest) -> Response | None:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if recorded.headers.get("authorization") != expected or recorded.path_params["account_sid"] != self.account_sid:
            return JSONResponse(twilio_error(401, 20003, "Authenticate"), status_code=401)
        to = recorded.field("To")
        if not to:
            return JSONResponse(twilio_error(400, 21604, "A 'To' phone number is required."), status_code=400)
        if to == INVALID_NUMBER:
            return JSONResponse(
                twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number."),
                status_code=400,
            )
        return None

    def _created(self, prefix: str, recorded: RecordedRequest, **fields: object) -> Response:
        sid = prefix + uuid.uuid4().hex
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": recorded.field("To"),
            "from": recorded.field("From"),
            "status": "queued",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/{sid}.json",
            **fields,
        }
        return JSONResponse(resource, status_code=201)

    async def _message(self, request: Request, recorded: RecordedRequest) -> Response:
        if refusal := self._refusal(recorded):
            return refusal
        if recorded.field("To") == NOT_MOBILE:
            return JSONResponse(twilio_error(400, 21614, "'To' number is not a valid mobile number"), status_code=400)
        return self._created("SM", recorded, body=recorded.field("Body"), num_segments="1")

    async def _call(self, request: Request, recorded: RecordedRequest) -> Response:
        if refusal := self._refusal(recorded):
            return refusal
        if not (recorded.field("Url") or recorded.field("Twiml") or recorded.field("ApplicationSid")):
            return JSONResponse(twilio_error(400, 21205, "Url parameter is required."), status_code=400)
        return self._created("CA", recorded)
