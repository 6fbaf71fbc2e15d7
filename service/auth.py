"""API keys: `Authorization: Bearer <key>`, compared by SHA-256 hash, never logged.

A key carries scopes (`service.settings.SCOPES`): `write` (catalogue), `registry` (replication
registry), `analytics` (demand analytics and the query texts behind them).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.exceptions import HTTPException

from service.settings import hash_key

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    description="an API key configured in REPLIKASI_API_KEYS (or its SHA-256 in REPLIKASI_API_KEY_HASHES)",
)


def key_scopes(authorization: str | None, known: Mapping[str, frozenset[str]]) -> frozenset[str] | None:
    """The scopes of the key in this Authorization header; None when it is missing or unknown."""
    scheme, key = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not key.strip():
        return None
    digest = hash_key(key.strip())
    found = None
    # Compare against every hash so the time taken does not tell which key came close.
    for candidate, scopes in known.items():
        if hmac.compare_digest(digest, candidate):
            found = scopes
    return found


def key_error(
    authorization: str | None, known: Mapping[str, frozenset[str]], scope: str | None = "write"
) -> HTTPException | None:
    """Why a request with this Authorization header may not do `scope` (401/403), or None.

    `scope=None` only checks that the key is known (the body guard, before the route is chosen).
    Parsed as HTTPBearer parses it, so the route dependency and the body guard agree.
    """
    scheme, key = get_authorization_scheme_param(authorization)
    needed = f"an API key with the '{scope}' scope" if scope else "an API key"
    if scheme.lower() != "bearer" or not key.strip():
        return HTTPException(
            401,
            f"authorization: {needed} is required (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not known:
        return HTTPException(403, "authorization: this server accepts no API keys (none are configured)")
    scopes = key_scopes(authorization, known)
    if scopes is None:
        return HTTPException(403, "authorization: this API key is not known here")
    if scope is not None and scope not in scopes:
        return HTTPException(
            403, f"authorization: this API key lacks the '{scope}' scope (it has {', '.join(sorted(scopes))})"
        )
    return None


def require_scope(scope: str) -> Callable[..., Awaitable[None]]:
    """A route dependency: 401 without a key, 403 with an unknown key or one lacking `scope`.

    Declared through `Depends(bearer)` so the OpenAPI document marks the route as secured.
    """

    async def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> None:
        error = key_error(request.headers.get("authorization"), request.app.state.key_hashes, scope)
        if error is not None:
            raise error

    dependency.__name__ = f"require_{scope}"
    return dependency


require_key = require_scope("write")
"""Dependency of every catalogue write route."""
