"""``create_app(settings)``: the one place the application is assembled."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.auth import auth_middleware
from api.deps import (
    provide_actor,
    provide_db,
    provide_expected_version,
    provide_session,
    provide_settings,
)
from api.idempotency import document_idempotency_key, idempotency_middleware
from api.middleware import add_response_headers, json_body_middleware, parameter_text_middleware, request_id_middleware
from api.monitoring_lifespan import monitoring_worker
from api.openapi import BEARER, openapi_config
from api.params import TYPE_DECODERS, OdsCodeSchemaPlugin
from api.problems import EXCEPTION_HANDLERS
from api.ratelimit import TokenBucketLimiter, rate_limit_middleware
from api.request import RegisterRequest
from api.routes.appraisals import AppraisalController
from api.routes.assessments import AssessmentController
from api.routes.attestations import AttestationController
from api.routes.audit import AuditController, MyActionsController
from api.routes.checks import CheckController, DueChecksController
from api.routes.directors import DirectorController
from api.routes.directors_file import FILE_ROUTES
from api.routes.events import EventController
from api.routes.exports import ExportController
from api.routes.fhir import FhirController
from api.routes.health import HealthController
from api.routes.hiring import HIRING_ROUTES
from api.routes.me import MeController, MyRecordController
from api.routes.organisations import OrganisationController
from api.routes.problem_types import ProblemTypeController
from api.routes.regulation import REGULATION_ROUTES
from api.routes.retention import ErasureController
from api.routes.returns import OrganisationReturnController, ReturnsOverviewController
from api.routes.subscriptions import SubscriptionController
from register.db import (
    ConnectionSource,
    PoolSource,
    SessionSource,
    create_engine,
    create_session_factory,
    resolve_database_url,
)
from register.settings import Settings
from register.tokens import TokenVerifier, ensure_local_keys

# Open to anyone: health probes and the problem-type pages.
PUBLIC_HANDLERS: list[ControllerRouterHandler] = [HealthController, ProblemTypeController]

# The API proper: every route needs a bearer token (declared once, for the OpenAPI document too).
ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    MeController,
    MyRecordController,
    OrganisationController,
    DirectorController,
    *FILE_ROUTES,
    *REGULATION_ROUTES,
    *HIRING_ROUTES,
    CheckController,
    DueChecksController,
    AttestationController,
    AssessmentController,
    AppraisalController,
    OrganisationReturnController,
    ReturnsOverviewController,
    EventController,
    SubscriptionController,
    ExportController,
    FhirController,
    ErasureController,
    AuditController,
    MyActionsController,
]


def build_token_verifier(settings: Settings) -> TokenVerifier:
    """Trust the configured identity provider's keys, or the local key pair in the data folder."""
    if settings.token_jwks_url:
        return TokenVerifier(
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            jwks_url=settings.token_jwks_url,
            leeway_seconds=settings.token_leeway_seconds,
            max_lifetime_seconds=settings.token_max_lifetime_seconds,
        )
    jwks_file = settings.token_jwks_file or ensure_local_keys(settings.keys_dir)
    return TokenVerifier(
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        jwks_file=jwks_file,
        leeway_seconds=settings.token_leeway_seconds,
        max_lifetime_seconds=settings.token_max_lifetime_seconds,
    )


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
    connections: ConnectionSource | None = None,
) -> Litestar:
    """The register's HTTP application.

    Tests pass their own engine, and a session factory whose sessions are savepoints in the test's transaction
    (one-statement requests then take their connection from it too: :class:`register.db.SessionSource`);
    ``connections`` replaces where one-statement requests get their connection (the app's own asyncpg pool).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        """Open the database pools at start-up unless an engine was handed in; close the pools the app made."""
        if engine is None:
            url = await resolve_database_url(settings)
            app.state.engine = create_engine(url, pool_size=settings.pool_size)
            app.state.session_factory = create_session_factory(app.state.engine)
            app.state.connections = connections or PoolSource(url, size=settings.pool_size)
        try:
            yield
        finally:
            if connections is None and isinstance(app.state.connections, PoolSource):
                await app.state.connections.close()
            if engine is None:
                await app.state.engine.dispose()

    verifier = build_token_verifier(settings)

    def freeze_start_up_objects() -> None:
        """Leave the objects made at start-up (modules, routes, models) out of the garbage collector's passes:
        with them in, each full pass walks a few hundred thousand objects during some request."""
        gc.collect()
        gc.freeze()

    state = State({"token_verifier": verifier, "settings": settings})
    if engine is not None:
        state.engine = engine
        state.session_factory = session_factory or create_session_factory(engine)
        state.connections = connections or (
            SessionSource(session_factory) if session_factory else PoolSource(engine.url, size=settings.pool_size)
        )

    app = Litestar(
        route_handlers=[
            *PUBLIC_HANDLERS,
            Router(path="/", route_handlers=ROUTE_HANDLERS, security=[{BEARER: []}]),
        ],
        lifespan=[database, monitoring_worker],
        on_startup=[freeze_start_up_objects],
        middleware=[
            request_id_middleware,
            json_body_middleware,
            parameter_text_middleware,
            auth_middleware(verifier),
            # After authentication: both work per caller (token `sub`).
            rate_limit_middleware(TokenBucketLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)),
            idempotency_middleware,
        ],
        before_send=[add_response_headers],
        dependencies={
            "db": Provide(provide_db),
            "session": Provide(provide_session),
            "actor": Provide(provide_actor),
            "expected_version": Provide(provide_expected_version),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=RegisterRequest,
        type_decoders=TYPE_DECODERS,
        plugins=[OdsCodeSchemaPlugin()],
        openapi_config=openapi_config(version("fpp-register")),
        request_max_body_size=settings.request_max_body_bytes,
        logging_config=LoggingConfig(
            root={"level": settings.log_level.upper(), "handlers": ["queue_listener"]},
            log_exceptions="debug",
        ),
        state=state,
    )
    document_idempotency_key(app)
    return app
