"""Fake Twilio REST API: Messages and Calls (create and list), with Twilio's magic test numbers for invalid
destinations.

Every created resource is kept, so the list endpoints answer what Twilio would: filtered by To, From and
DateSent>/StartTime>, newest first. `hold_next(seconds)` makes the next create take effect at once but answer
only after `seconds`: a client whose timeout is shorter loses the answer to a request that did succeed, and a
worker killed meanwhile dies between the call and its record.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime

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
        self.created: dict[str, list[dict[str, object]]] = {"Messages": [], "Calls": []}
        self._holds: list[float] = []
        self._state = threading.Lock()

    def reset(self) -> None:
        super().reset()
        with self._state:
            self.created = {"Messages": [], "Calls": []}
            self._holds.clear()

    def hold_next(self, seconds: float, *, times: int = 1) -> None:
        """Create the next `times` resources at once, but answer each only after `seconds`."""
        with self._state:
            self._holds.extend([seconds] * times)

    def routes(self) -> list[tuple[str, str, Handler]]:
        base = "/2010-04-01/Accounts/{account_sid}"
        return [
            ("POST", f"{base}/Messages.json", self._message),
            ("POST", f"{base}/Calls.json", self._call),
            ("GET", f"{base}/Messages.json", self._list),
            ("GET", f"{base}/Calls.json", self._list),
        ]

    @property
    def messages(self) -> list[RecordedRequest]:
        """Requests to send an SMS (lists excluded)."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/Messages.json")]

    @property
    def calls(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/Calls.json")]

    @property
    def lookups(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "GET"]

    def _authentication_refusal(self, recorded: RecordedRequest) -> Response | None:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if recorded.headers.get("authorization") != expected or recorded.path_params["account_sid"] != self.account_sid:
            return JSONResponse(twilio_error(401, 20003, "Authenticate"), status_code=401)
        return None

    def _refusal(self, recorded: RecordedRequest) -> Response | None:
        if refusal := self._authentication_refusal(recorded):
            return refusal
        to = recorded.field("To")
        if not to:
            return JSONResponse(twilio_error(400, 21604, "A 'To' phone number is required."), status_code=400)
        if to == INVALID_NUMBER:
            return JSONResponse(
                twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number."),
                status_code=400,
            )
        return None

    async def _created(self, kind: str, prefix: str, recorded: RecordedRequest, **fields: object) -> Response:
        sid = prefix + uuid.uuid4().hex
        now = format_datetime(datetime.now(UTC), usegmt=True)
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": recorded.field("To"),
            "from": recorded.field("From"),
            "status": "queued",
            "date_created": now,
            "date_updated": now,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/{kind}/{sid}.json",
            **fields,
        }
        with self._state:
            self.created[kind].append({**resource, "_at": datetime.now(UTC)})
            hold = self._holds.pop(0) if self._holds else 0.0
        if hold:
            await asyncio.sleep(hold)
        return JSONResponse(resource, status_code=201)

    async def _list(self, request: Request, recorded: RecordedRequest) -> Response:
        if refusal := self._authentication_refusal(recorded):
            return refusal
        kind = "Messages" if recorded.path.endswith("/Messages.json") else "Calls"
        query = recorded.query
        since_field = "DateSent>" if kind == "Messages" else "StartTime>"
        since = datetime.fromisoformat(query[since_field].replace("Z", "+00:00")) if since_field in query else None
        with self._state:
            found = [
                {key: value for key, value in resource.items() if key != "_at"}
                for resource in reversed(self.created[kind])
                if query.get("To", resource["to"]) == resource["to"]
                and query.get("From", resource["from"]) == resource["from"]
                and (since is None or resource["_at"] >= since)  # type: ignore[operator]
            ]
        page = {
            kind.lower(): found,
            "first_page_uri": recorded.path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": len(found),
            "uri": recorded.path,
        }
        return JSONResponse(page)

    async def _message(self, request: Request, recorded: RecordedRequest) -> Response:
        if refusal := self._refusal(recorded):
            return refusal
        if recorded.field("To") == NOT_MOBILE:
            return JSONResponse(twilio_error(400, 21614, "'To' number is not a valid mobile number"), status_code=400)
        return await self._created("Messages", "SM", recorded, body=recorded.field("Body"), num_segments="1")

    async def _call(self, request: Request, recorded: RecordedRequest) -> Response:
        if refusal := self._refusal(recorded):
            return refusal
        if not (recorded.field("Url") or recorded.field("Twiml") or recorded.field("ApplicationSid")):
            return JSONResponse(twilio_error(400, 21205, "Url parameter is required."), status_code=400)
        return await self._created("Calls", "CA", recorded)
