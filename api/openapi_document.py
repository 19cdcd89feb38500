"""Rendering the app's OpenAPI document as the committed ``openapi.yaml``."""

import json

import yaml
from litestar.serialization import encode_json

from register.settings import Settings


def render_openapi() -> str:
    """The OpenAPI document of a freshly built app, as stable YAML."""
    from api.app import create_app

    # Describing the API needs no keys: point at a JWKS URL that is never fetched.
    app = create_app(Settings(token_jwks_url="https://idp.invalid/jwks"))  # noqa: S106
    schema = json.loads(encode_json(app.openapi_schema.to_schema()))
    return yaml.safe_dump(schema, sort_keys=True, allow_unicode=True, width=120)
