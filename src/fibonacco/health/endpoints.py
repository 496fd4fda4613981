from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from fibonacco.kit.dependencies import DomainRouter
from fibonacco.kit.handlers import error_response

router = DomainRouter(tags=["health"])

READINESS_TIMEOUT_SECONDS = 2.0


@router.get("/health")
async def health() -> dict[str, str]:
    """Cheap liveness for the ALB target group: touches nothing else."""
    return {"status": "ok"}


async def _check(name: str, probe: Any) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe, READINESS_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure of a dependency means "not ready", and says which
        return name, f"unavailable ({type(exc).__name__})"
    return name, "ok"


@router.get("/health/ready", responses={503: {"description": "a dependency is unavailable; details name it"}})
async def ready(request: Request) -> JSONResponse:
    state = request.app.state

    async def database() -> None:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    checks = dict(await asyncio.gather(_check("database", database()), _check("redis", state.redis.ping())))
    failed = [name for name, result in checks.items() if result != "ok"]
    if failed:
        return error_response(
            503, f"Not ready: {', '.join(failed)} unavailable.", "service_unavailable", {"checks": checks}
        )
    return JSONResponse({"status": "ok", "checks": checks, "drivers": state.drivers})
