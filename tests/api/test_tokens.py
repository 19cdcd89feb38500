"""Bearer tokens: only a well-formed, correctly signed, current token for this register lets a caller in."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from register.settings import Settings
from register.tokens import JWKS_FILE, PRIVATE_KEY_FILE, TokenError, TokenVerifier


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64_json(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _trusted_key(keys_dir: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key((keys_dir / PRIVATE_KEY_FILE).read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def _trusted_kid(keys_dir: Path) -> str:
    kid: str = json.loads((keys_dir / JWKS_FILE).read_text())["keys"][0]["kid"]
    return kid


Claims = dict[str, Any]
Forge = Callable[[Path, Settings], str]


def _claims(settings: Settings, **overrides: Any) -> Claims:
    """Claims of a valid regulator token; an override of ``None`` removes that claim."""
    now = int(time.time())
    body: Claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "sub": "rita.regulator",
        "role": "regulator",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _sign(keys_dir: Path, claims: Claims, *, kid: str | None = None) -> str:
    """A token signed by the trusted key (the kid can be changed to test key selection)."""
    return jwt.encode(
        claims,
        _trusted_key(keys_dir),
        algorithm="ES256",
        headers={"kid": kid or _trusted_kid(keys_dir)},
    )


def _signed(**overrides: Any) -> Forge:
    return lambda keys_dir, settings: _sign(keys_dir, _claims(settings, **overrides))


def _other_key_same_kid(keys_dir: Path, settings: Settings) -> str:
    impostor = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode(_claims(settings), impostor, algorithm="ES256", headers={"kid": _trusted_kid(keys_dir)})


def _alg_none(keys_dir: Path, settings: Settings) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": _trusted_kid(keys_dir)}
    return f"{_b64_json(header)}.{_b64_json(_claims(settings))}."


def _hmac_with_public_key(keys_dir: Path, settings: Settings) -> str:
    # The classic algorithm-confusion attack: the public key, which anyone may hold, used as an HMAC secret.
    public_pem = (
        _trusted_key(keys_dir)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": _trusted_kid(keys_dir)}
    signing_input = f"{_b64_json(header)}.{_b64_json(_claims(settings))}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _algorithm_not_of_the_key(keys_dir: Path, settings: Settings) -> str:
    # A valid RSA signature by another key, presented under the trusted (EC) key's kid.
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(settings), rsa_key, algorithm="RS256", headers={"kid": _trusted_kid(keys_dir)})


def _expired(keys_dir: Path, settings: Settings) -> str:
    # Two minutes past expiry: well beyond the 30 s leeway for clock skew.
    now = int(time.time())
    return _sign(keys_dir, _claims(settings, iat=now - 3600, nbf=now - 3600, exp=now - 120))


def _ten_year_lifetime(keys_dir: Path, settings: Settings) -> str:
    now = int(time.time())
    return _sign(keys_dir, _claims(settings, exp=now + 10 * 365 * 86_400))


def _long_lifetime_without_iat(keys_dir: Path, settings: Settings) -> str:
    now = int(time.time())
    return _sign(keys_dir, _claims(settings, iat=None, exp=now + settings.token_max_lifetime_seconds + 3600))


def _backdated_iat(keys_dir: Path, settings: Settings) -> str:
    # Issued 13 hours ago for 14 hours: still before `exp`, but longer-lived than the register accepts.
    now = int(time.time())
    return _sign(keys_dir, _claims(settings, iat=now - 13 * 3600, nbf=now - 13 * 3600, exp=now + 3600))


def _not_yet_valid(keys_dir: Path, settings: Settings) -> str:
    return _sign(keys_dir, _claims(settings, nbf=int(time.time()) + 300))


def _unknown_kid(keys_dir: Path, settings: Settings) -> str:
    return _sign(keys_dir, _claims(settings), kid="somebody-elses-key")


def _tampered_role(keys_dir: Path, settings: Settings) -> str:
    header, payload, signature = _sign(keys_dir, _claims(settings)).split(".")
    claims = json.loads(_unb64(payload))
    assert claims["role"] == "regulator"
    claims["role"] = "auditor"
    return f"{header}.{_b64_json(claims)}.{signature}"


REFUSED: dict[str, tuple[Forge, str]] = {
    "garbage": (lambda keys_dir, settings: "not.a-jwt.at-all", "not a well-formed JWT"),
    "bad_signature": (_other_key_same_kid, "signature is not valid"),
    "alg_none": (_alg_none, "algorithm is not accepted"),
    "hmac_with_public_key": (_hmac_with_public_key, "algorithm is not accepted"),
    "algorithm_not_of_the_key": (_algorithm_not_of_the_key, "does not match its signing key"),
    "expired": (_expired, "expired"),
    "not_yet_valid": (_not_yet_valid, "not valid yet"),
    "ten_year_lifetime": (_ten_year_lifetime, "lives longer than the 12 hours"),
    "long_lifetime_without_iat": (_long_lifetime_without_iat, "lives longer than the 12 hours"),
    "backdated_long_lifetime": (_backdated_iat, "lives longer than the 12 hours"),
    "wrong_audience": (_signed(aud="another-service"), "another audience"),
    "wrong_issuer": (_signed(iss="https://evil.example"), "untrusted issuer"),
    "no_expiry": (_signed(exp=None), "`exp` claim"),
    "unknown_kid": (_unknown_kid, "signing key is not trusted"),
    "tampered_payload": (_tampered_role, "signature is not valid"),
    "unknown_role": (_signed(role="superuser"), "role is not one the register knows"),
    "trust_hr_without_org": (_signed(role="trust_hr"), "must name its organisation"),
    "director_without_director_id": (_signed(role="director"), "must carry `director_id`"),
    "missing_sub": (_signed(sub=None), "`sub` claim"),
    "malformed_org": (_signed(role="trust_hr", org="not an ods code"), "org is not an ODS code"),
    "sub_with_trailing_newline": (_signed(sub="alice\n"), "subject is missing or malformed"),
    "org_with_trailing_newline": (_signed(role="trust_hr", org="RJ1\n"), "org is not an ODS code"),
    "malformed_director_id": (_signed(role="director", director_id="42"), "director_id is not a register id"),
}


def _assert_unauthenticated(response: httpx.Response, detail_part: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    problem = response.json()
    assert problem["type"] == "/problems/unauthenticated"
    assert problem["status"] == 401
    assert detail_part in problem["detail"], problem["detail"]


async def test_caller_without_authorization_header_is_unauthenticated(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me")
    _assert_unauthenticated(response, "Send a bearer token")


@pytest.mark.parametrize("header", ["Basic YWxpY2U6c2VjcmV0", "Token abc.def.ghi", "Bearer", "Bearer   "])
async def test_caller_without_bearer_scheme_is_unauthenticated(client: httpx.AsyncClient, header: str) -> None:
    response = await client.get("/v1/me", headers={"Authorization": header})
    _assert_unauthenticated(response, "Send a bearer token")


async def test_basic_scheme_carrying_a_valid_token_is_unauthenticated(
    client: httpx.AsyncClient, keys_dir: Path, settings: Settings
) -> None:
    token = _sign(keys_dir, _claims(settings))
    response = await client.get("/v1/me", headers={"Authorization": f"Basic {token}"})
    _assert_unauthenticated(response, "Send a bearer token")


@pytest.mark.parametrize("case", list(REFUSED))
async def test_caller_with_untrustworthy_token_is_unauthenticated(
    client: httpx.AsyncClient, keys_dir: Path, settings: Settings, case: str
) -> None:
    forge, reason = REFUSED[case]
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {forge(keys_dir, settings)}"})
    _assert_unauthenticated(response, reason)


async def test_token_of_the_longest_accepted_lifetime_is_accepted(
    client: httpx.AsyncClient, keys_dir: Path, settings: Settings
) -> None:
    now = int(time.time())
    token = _sign(keys_dir, _claims(settings, exp=now + settings.token_max_lifetime_seconds))
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


async def test_refused_token_is_refused_on_every_protected_route(
    client: httpx.AsyncClient, keys_dir: Path, settings: Settings
) -> None:
    headers = {"Authorization": f"Bearer {_tampered_role(keys_dir, settings)}"}
    for path in ("/v1/organisations", "/v1/directors"):
        _assert_unauthenticated(await client.get(path, headers=headers), "signature is not valid")


async def test_token_expired_within_the_leeway_is_still_accepted(
    client: httpx.AsyncClient, keys_dir: Path, settings: Settings
) -> None:
    # 30 s of clock skew is allowed between the identity provider and the register.
    now = int(time.time())
    token = _sign(keys_dir, _claims(settings, iat=now - 600, nbf=now - 600, exp=now - 10))
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


DIRECTOR_ID = str(uuid.UUID("0190a5a4-7c3e-7000-8000-000000000001"))
VALID: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "trust_hr": ({"org": "RJ1"}, {"org": "RJ1", "director_id": None}),
    "regulator": ({}, {"org": None, "director_id": None}),
    "auditor": ({}, {"org": None, "director_id": None}),
    "director": ({"director_id": DIRECTOR_ID}, {"org": None, "director_id": DIRECTOR_ID}),
    "admin": ({}, {"org": None, "director_id": None}),
}


@pytest.mark.parametrize("role", list(VALID))
async def test_caller_with_valid_token_is_recognised(
    client: httpx.AsyncClient, keys_dir: Path, settings: Settings, role: str
) -> None:
    extra, echoed = VALID[role]
    token = _sign(keys_dir, _claims(settings, role=role, sub=f"{role}.user@trust", **extra))
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json() == {"sub": f"{role}.user@trust", "role": role, **echoed}


async def test_claims_meant_for_another_role_are_not_echoed(
    client: httpx.AsyncClient, keys_dir: Path, settings: Settings
) -> None:
    # An org on a regulator's token grants nothing: only trust HR users act for one organisation.
    token = _sign(keys_dir, _claims(settings, role="regulator", org="RJ1", director_id=DIRECTOR_ID))
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["org"] is None
    assert response.json()["director_id"] is None


def _jwk(public_key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.ECAlgorithm if alg.startswith("ES") else jwt.algorithms.RSAAlgorithm
    jwk: dict[str, Any] = json.loads(algorithm.to_jwk(public_key))
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    return jwk


def test_jwks_with_two_keys_accepts_tokens_signed_by_either(tmp_path: Path) -> None:
    # During a key rotation the identity provider publishes the old and the new key together.
    old = ec.generate_private_key(ec.SECP256R1())
    new = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger = ec.generate_private_key(ec.SECP256R1())
    jwks = tmp_path / "jwks.json"
    jwks.write_text(
        json.dumps({"keys": [_jwk(old.public_key(), "old", "ES256"), _jwk(new.public_key(), "new", "RS256")]})
    )
    verifier = TokenVerifier(issuer="idp", audience="fpp-register", jwks_file=jwks)
    now = int(time.time())
    claims = {"iss": "idp", "aud": "fpp-register", "exp": now + 60, "sub": "x", "role": "auditor"}

    by_old = jwt.encode({**claims, "sub": "old"}, old, algorithm="ES256", headers={"kid": "old"})
    by_new = jwt.encode({**claims, "sub": "new"}, new, algorithm="RS256", headers={"kid": "new"})
    assert verifier.verify(by_old)["sub"] == "old"
    assert verifier.verify(by_new)["sub"] == "new"

    # Each key only vouches for its own tokens: a stranger's signature under a trusted kid fails.
    forged = jwt.encode(claims, stranger, algorithm="ES256", headers={"kid": "old"})
    with pytest.raises(TokenError, match="signature is not valid"):
        verifier.verify(forged)
    # And a token naming one key's kid but carrying the other key's algorithm is refused.
    crossed = jwt.encode(claims, new, algorithm="RS256", headers={"kid": "old"})
    with pytest.raises(TokenError, match="does not match"):
        verifier.verify(crossed)
