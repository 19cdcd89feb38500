"""The ``register`` command: local tokens, the OpenAPI check and the demo data."""

import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.app import build_token_verifier
from api.cli import main
from register.settings import Settings
from register.tokens import TokenError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI's settings at a fresh data folder (so keys are made there) and a known issuer."""
    for name in list(os.environ):
        if name.startswith("REGISTER_") and name != "REGISTER_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("REGISTER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REGISTER_TOKEN_ISSUER", "cli-test-issuer")
    monkeypatch.setenv("REGISTER_TOKEN_AUDIENCE", "cli-test-audience")
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return tmp_path


def test_token_command_prints_a_token_the_service_accepts(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["token", "--role", "trust_hr", "--org", "rj1", "--sub", "alice"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()

    # The key pair was made in the configured data folder, and the service built on it trusts the token.
    assert (cli_env / "keys" / "signing-key.pem").exists()
    claims = build_token_verifier(Settings()).verify(token)
    assert claims["sub"] == "alice"
    assert claims["role"] == "trust_hr"
    assert claims["org"] == "RJ1"
    assert claims["iss"] == "cli-test-issuer"
    assert claims["aud"] == "cli-test-audience"
    assert claims["exp"] - claims["iat"] == 3600


def test_token_command_for_a_director_carries_the_director_id(cli_env: Path) -> None:
    director_id = str(uuid.uuid4())
    result = CliRunner().invoke(
        main, ["token", "--role", "director", "--director-id", director_id, "--sub", "d", "--ttl", "60"]
    )
    assert result.exit_code == 0, result.output
    claims = build_token_verifier(Settings()).verify(result.stdout.strip())
    assert claims["director_id"] == director_id
    assert claims["exp"] - claims["iat"] == 60


def test_token_command_refuses_a_lifetime_the_service_would_refuse(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["token", "--role", "auditor", "--sub", "alice", "--ttl", str(13 * 3600)])
    assert result.exit_code == 2
    assert "--ttl must be between 1 and 43200 seconds" in result.output


def test_token_is_not_trusted_by_a_service_with_other_keys(
    cli_env: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = CliRunner().invoke(main, ["token", "--role", "auditor", "--sub", "alice"])
    assert result.exit_code == 0, result.output
    elsewhere = Settings(data_dir=tmp_path_factory.mktemp("other-service"))
    with pytest.raises(TokenError, match="not trusted"):
        build_token_verifier(elsewhere).verify(result.stdout.strip())


def test_token_command_for_trust_hr_without_org_is_a_usage_error(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["token", "--role", "trust_hr", "--sub", "alice"])
    assert result.exit_code == 2
    assert "must name its organisation in `org`" in result.output
    assert "eyJ" not in result.output  # no token was printed


def test_token_command_refuses_an_unknown_role(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["token", "--role", "superuser", "--sub", "alice"])
    assert result.exit_code == 2
    assert "superuser" in result.output


def test_openapi_check_passes_when_the_file_is_current() -> None:
    result = CliRunner().invoke(main, ["openapi", "--check", "--output", str(PROJECT_ROOT / "openapi.yaml")])
    assert result.exit_code == 0, result.output + "\n(run `make openapi` to regenerate openapi.yaml)"
    assert "is current" in result.output


def test_openapi_check_fails_when_the_file_is_stale(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.yaml"
    stale.write_text("openapi: 3.1.0\npaths: {}\n")
    result = CliRunner().invoke(main, ["openapi", "--check", "--output", str(stale)])
    assert result.exit_code == 1
    assert "out of date" in result.output
    assert stale.read_text() == "openapi: 3.1.0\npaths: {}\n"  # --check never writes


def test_serve_loads_demo_data_on_an_external_database_only_when_asked() -> None:
    from api.cli import wants_demo

    embedded = Settings(database_url=None)
    external = Settings(database_url="postgresql://register@db.internal/register")
    assert wants_demo(embedded, None) is True
    assert wants_demo(external, None) is False
    assert wants_demo(external, True) is True
    assert wants_demo(embedded, False) is False
