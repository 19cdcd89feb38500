"""Bearer tokens: the local signing key pair, and verification against trusted public keys (JWKS)."""

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt import PyJWK, PyJWKClient, PyJWKSet

# Only asymmetric algorithms: a shared-secret (HMAC) token could be forged by anyone holding the public key.
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
LOCAL_ALGORITHM = "ES256"
VERIFIED_CACHE_SECONDS = 30.0
VERIFIED_CACHE_SIZE = 10_000
PRIVATE_KEY_FILE = "signing-key.pem"
JWKS_FILE = "jwks.json"
DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600


class TokenError(Exception):
    """The token cannot be trusted; the message says why (safe to show the caller)."""


def ensure_local_keys(keys_dir: Path) -> Path:
    """Create the local ES256 key pair and its public JWKS once; return the JWKS file."""
    jwks_path = keys_dir / JWKS_FILE
    private_path = keys_dir / PRIVATE_KEY_FILE
    if jwks_path.exists() and private_path.exists():
        return jwks_path
    keys_dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    public_jwk.update({"kid": f"local-{secrets.token_hex(6)}", "alg": LOCAL_ALGORITHM, "use": "sig"})
    jwks_path.write_text(json.dumps({"keys": [public_jwk]}, indent=2))
    return jwks_path


def sign_local_token(
    keys_dir: Path, claims: dict[str, Any], *, issuer: str, audience: str, ttl_seconds: int = 3600
) -> str:
    """Sign a token with the local key (development and demo use; production tokens come from the IdP)."""
    ensure_local_keys(keys_dir)
    private_key = serialization.load_pem_private_key((keys_dir / PRIVATE_KEY_FILE).read_bytes(), password=None)
    kid = json.loads((keys_dir / JWKS_FILE).read_text())["keys"][0]["kid"]
    now = int(time.time())
    payload = {"iss": issuer, "aud": audience, "iat": now, "nbf": now, "exp": now + ttl_seconds, **claims}
    return jwt.encode(payload, private_key, algorithm=LOCAL_ALGORITHM, headers={"kid": kid})  # type: ignore[arg-type]


class TokenVerifier:
    """Checks signature, algorithm, key id, issuer, audience and validity period of a bearer token."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_file: Path | None = None,
        jwks_url: str | None = None,
        leeway_seconds: int = 30,
        jwks_cache_seconds: int = 300,
        max_lifetime_seconds: int | None = DEFAULT_MAX_LIFETIME_SECONDS,
    ) -> None:
        if (jwks_file is None) == (jwks_url is None):
            raise ValueError("configure exactly one of a JWKS file or a JWKS URL")
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        self.max_lifetime = max_lifetime_seconds
        self._client = PyJWKClient(jwks_url, lifespan=jwks_cache_seconds) if jwks_url else None
        self._static: dict[str, PyJWK] = {}
        self._verified: dict[str, tuple[float, dict[str, Any]]] = {}
        if jwks_file is not None:
            jwk_set = PyJWKSet.from_json(jwks_file.read_text())
            self._static = {k.key_id: k for k in jwk_set.keys if k.key_id}

    @property
    def uses_network(self) -> bool:
        """True when keys come from a JWKS URL (fetching may block, so callers run it in a thread)."""
        return self._client is not None

    def _key_for(self, kid: str) -> PyJWK:
        if self._client is not None:
            try:
                return self._client.get_signing_key(kid)
            except jwt.PyJWKClientError:
                raise TokenError("the token's signing key is not trusted") from None
        key = self._static.get(kid)
        if key is None:
            raise TokenError("the token's signing key is not trusted")
        return key

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of a valid token, or raise ``TokenError``.

        A token verified in the last ``VERIFIED_CACHE_SECONDS`` is not checked again (the signature check
        is a large share of a request's CPU); an expired token is never served from the cache, and a key
        removed from the JWKS stops being accepted at most that long after its removal is seen.
        """
        claims = self.cached(token)
        if claims is not None:
            return claims
        now = time.monotonic()
        claims = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (now + VERIFIED_CACHE_SECONDS, claims)
        return dict(claims)

    def cached(self, token: str) -> dict[str, Any] | None:
        """The claims of ``token`` if it was verified within ``VERIFIED_CACHE_SECONDS`` and is still valid."""
        hit = self._verified.get(token)
        if hit is not None and hit[0] > time.monotonic() and hit[1].get("exp", 0) > time.time() + 1:
            return dict(hit[1])
        return None

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("the bearer token is not a well-formed JWT") from None
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise TokenError("the token's signing algorithm is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("the token names no signing key (kid)")
        key = self._key_for(kid)
        # The algorithm is fixed by the trusted key, never chosen by the token.
        if key.algorithm_name != alg:
            raise TokenError("the token's algorithm does not match its signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenError("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise TokenError("the token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise TokenError("the token is from an untrusted issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"the token lacks the `{exc.claim}` claim") from None
        except jwt.PyJWTError:
            raise TokenError("the token's signature is not valid") from None
        self._check_lifetime(claims)
        return claims

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """Refuse a token issued for longer than ``max_lifetime`` (``exp`` - ``iat``, or ``exp`` - now without
        ``iat``): the register, not only the issuer, bounds how long a leaked token can be used."""
        if self.max_lifetime is None:
            return
        exp, iat = claims.get("exp"), claims.get("iat")
        start = iat if isinstance(iat, int | float) and not isinstance(iat, bool) else time.time()
        if not isinstance(exp, int | float) or exp - start > self.max_lifetime + self.leeway:
            hours = self.max_lifetime / 3600
            raise TokenError(
                f"the token lives longer than the {hours:g} hours this register accepts (`exp` - `iat`); "
                "ask for a token with a shorter lifetime"
            )
