"""Configuration, read from the environment with the prefix ``REGISTER_``."""

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the service needs to know about where it runs."""

    model_config = SettingsConfigDict(env_prefix="REGISTER_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL (postgresql://...). When unset an embedded server is started in data_dir.",
    )
    database_name: str = Field(default="register", description="Database used on the embedded server.")
    data_dir: Path = Field(default=Path("data"), description="Folder for the embedded database and local keys.")
    token_issuer: str = Field(default="fpp-register-local", description="Expected `iss` of bearer tokens.")
    token_audience: str = Field(default="fpp-register", description="Expected `aud` of bearer tokens.")
    token_jwks_url: str | None = Field(default=None, description="JWKS URL of the identity provider.")
    token_jwks_file: Path | None = Field(
        default=None,
        description="JWKS file of trusted public keys; defaults to the local key set in data_dir.",
    )
    token_leeway_seconds: int = Field(default=30, ge=0, le=300, description="Clock skew allowed on exp/nbf.")
    token_max_lifetime_seconds: int = Field(
        default=12 * 3600,
        ge=60,
        le=7 * 86_400,
        description=(
            "Longest lifetime a bearer token may have: `exp` minus `iat` (or minus now, without `iat`). A token "
            "that lives longer is refused even before it expires: a leaked long-lived token stays useful for too long."
        ),
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    pool_size: int = Field(
        default=10, ge=1, le=200, description="Database connections per worker, in each of its two pools."
    )
    request_max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest request body accepted.")
    page_limit_default: int = Field(default=50, ge=1, le=1000)
    page_limit_max: int = Field(default=200, ge=1, le=1000)

    employment_future_start_days: int = Field(
        default=90, ge=0, le=730, description="How far ahead an employment entry may start (days)."
    )
    candidate_access_days: int = Field(
        default=90, ge=1, le=365, description="How long a candidate check opens summary access (days)."
    )
    reference_answer_days: int = Field(
        default=28, ge=1, le=365, description="How long a previous employer has to answer a BMR request (days)."
    )
    coverage_gap_threshold_days: int = Field(
        default=28, ge=0, le=365, description="Gaps in employment longer than this are reported (days)."
    )

    @cached_property
    def keys_dir(self) -> Path:
        """Folder holding the local signing key pair used when no identity provider is configured."""
        return self.data_dir.resolve() / "keys"

    @cached_property
    def pgdata_dir(self) -> Path:
        """Folder of the embedded PostgreSQL cluster."""
        return self.data_dir.resolve() / "pg"

    # FPPT checks (issue 4): how long a check result stands before it is due again.
    check_interval_days_default: int = Field(
        default=365, ge=1, le=3650, description="Days until an FPPT check is due again, unless set per type."
    )
    check_interval_days: dict[str, int] = Field(
        default_factory=dict,
        description='Per check type, days until it is due again, e.g. {"dbs": 1095} (JSON in the environment).',
    )

    # Monitoring (issue 6): the webhook worker.
    run_worker: bool = Field(
        default=True, description="Run the webhook worker inside `register serve` (else run `register worker`)."
    )
    worker_poll_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How long the webhook worker sleeps when it finds no work."
    )
    worker_batch: int = Field(
        default=100, ge=1, le=1000, description="Events fanned out or deliveries tried per round."
    )
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, le=30, description="How long a subscriber's endpoint has to answer one delivery."
    )
    webhook_private_hosts: list[str] = Field(
        default_factory=list,
        description=(
            "Receiver host names that may use plain http and private or loopback addresses, e.g. "
            '["localhost"] (development and tests only; empty in production: webhooks go to public https '
            "receivers only). JSON in the environment."
        ),
    )
    webhook_max_attempts: int = Field(
        default=12,
        ge=1,
        le=50,
        description="Attempts before a delivery is given up as dead (backoff 10 s doubling to 1 h).",
    )

    # Retention (issue 7): FPPT records are erased at the director's 75th birthday.
    retention_daily: bool = Field(
        default=True, description="Run the retention job once a day in the worker (else run `register retention run`)."
    )

    # Exports (issue 7): streamed bulk exports.
    export_timeout_seconds: float = Field(
        default=3600, gt=0, le=86_400, description="Longest an export may run, slow clients included (seconds)."
    )
    export_queue_chunks: int = Field(
        default=8, ge=1, le=1024, description="COPY chunks buffered between PostgreSQL and a slow client."
    )
    export_parquet_row_group: int = Field(
        default=20_000, ge=1000, le=1_000_000, description="Rows per Parquet row group (memory grows with it)."
    )

    # Resource limits (issue 9): per-caller request budget, a token bucket in each process.
    rate_limit_per_minute: int = Field(
        default=600, ge=0, le=1_000_000, description="Requests a caller (token `sub`) may make per minute; 0 is off."
    )
    rate_limit_burst: int = Field(
        default=100, ge=1, le=100_000, description="Requests a caller may make at once before the rate applies."
    )

    # Tamper-evident audit trail (issue 7): the app's own database role, and the sealer.
    app_db_role: str = Field(
        default="register_app",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description=(
            "Role the service logs in as on the embedded server: it may insert and read the audit trail but not "
            "change it. With REGISTER_DATABASE_URL set, that URL's user is used as given."
        ),
    )
    migration_database_url: str | None = Field(
        default=None,
        description=(
            "URL migrations run with (the schema owner), when REGISTER_DATABASE_URL names the app's own user; "
            "defaults to REGISTER_DATABASE_URL."
        ),
    )
    audit_seal_batch: int = Field(default=5000, ge=1, le=100_000, description="Audit events chained per sealing round.")
