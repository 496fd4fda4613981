"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from fibonacco import __version__
from fibonacco.clients import process_clients
from fibonacco.config import Settings, get_settings
from fibonacco.integrations.registry import check_configuration, describe_drivers
from fibonacco.kit.db import create_engine, create_sessionmaker, fill_pool
from fibonacco.kit.dependencies import UnitOfWorkRoute
from fibonacco.kit.handlers import install_error_handlers
from fibonacco.kit.middleware import RefuseHostileInput, RequestContextMiddleware
from fibonacco.kit.openapi import install_openapi
from fibonacco.kit.redis import create_redis
from fibonacco.logging import configure_logging
from fibonacco.webapp import mount_webapp

log = structlog.get_logger("fibonacco.app")


def _include_routers(app: FastAPI) -> None:
    # Imported when an app is made, not with this module: the routers import the tasks modules, whose broker is
    # built from the settings at import, and `create_app(settings)` may be given settings of its own.
    from fibonacco.auth.endpoints import router as auth_router
    from fibonacco.auth.endpoints import users_router
    from fibonacco.crm.endpoints import routers as crm_routers
    from fibonacco.files.endpoints import router as files_router
    from fibonacco.health.endpoints import router as health_router
    from fibonacco.knowledge.endpoints import routers as knowledge_routers
    from fibonacco.messages.endpoints import callbacks as message_callbacks
    from fibonacco.messages.endpoints import router as messages_router
    from fibonacco.worker.endpoints import router as queue_router

    # FastAPI matches a request against the included routers in this order, trying every route of each router
    # before it (some 20,000 CPU instructions a route; a nested router is scanned again at each level): so each
    # domain's routers are included one by one, and in the order of the traffic they are expected to carry. The
    # load balancer's health check first; the public Learning Center, read by anyone; the knowledge base and
    # the CRM, which the Command Center and the assistant read on every screen; then the rest (bench/README.md,
    # API, sixth pass). No two routers' paths overlap, so the order decides no match.
    for router in (
        health_router,
        *knowledge_routers,
        *crm_routers,
        messages_router,
        auth_router,
        users_router,
        queue_router,
        message_callbacks,
        files_router,
    ):
        app.include_router(router)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings, process="api")
    check_configuration(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One process serves every request in flight on its event loop: a fixed pool, so a burst queues for a
        # connection instead of opening (and closing again) more of them.
        app.state.engine = create_engine(settings, fixed_pool=True)
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        app.state.redis = create_redis(settings)
        # Open before the first burst of requests, which would otherwise wait behind their connects.
        connections = await fill_pool(app.state.engine, settings.DB_POOL_SIZE)
        # What start-up loaded (modules, classes, routes, schemas: some 220,000 objects) lives as long as the
        # process. Frozen, it is out of the cyclic collector's reach: a full collection then walks only what
        # requests made since (about 9 ms here) instead of everything (0.1-0.4 s on a busy 2-CPU host, a stall of
        # every request in flight; bench/README.md, API, third pass).
        gc.collect()
        gc.freeze()
        log.info(
            "api_started",
            env=settings.APP_ENV.value,
            version=__version__,
            drivers=app.state.drivers,
            db_connections=connections,
        )
        try:
            yield
        finally:
            await app.state.redis.aclose()
            await app.state.engine.dispose()

    app = FastAPI(
        title=settings.APP_NAME,
        version=__version__,
        description=(
            "REST API of the Fibonacco Operations Platform. Authenticate with `Authorization: Bearer <token>`. "
            "Text may not contain U+0000; JSON bodies are at most 1 MiB and 32 levels deep."
        ),
        lifespan=lifespan,
        debug=False,  # never send a traceback to a client, even with APP_DEBUG
    )
    app.router.route_class = UnitOfWorkRoute  # a route added to the app itself hands out sessions too
    app.state.settings = settings
    app.state.drivers = describe_drivers(settings)
    # Built once for the process, read through `kit.dependencies.client`.
    app.state.clients = process_clients(settings)
    install_error_handlers(app)
    install_openapi(app)
    if settings.CORS_ORIGINS:
        # The Learning Center and Command Center are served from CloudFront on other hosts (app., learn.).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.CORS_ORIGINS,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RefuseHostileInput)
    app.add_middleware(RequestContextMiddleware)  # outermost: every response, refusals too, has a request id
    _include_routers(app)
    mount_webapp(app)  # the browser app answers only what no API route does
    return app
