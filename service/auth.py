"""API keys for writes: `Authorization: Bearer <key>`, compared by SHA-256 hash, never logged."""

from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.exceptions import HTTPException

from service.settings import hash_key

bearer = HTTPBearer(auto_error=False, scheme_name="apiKey",
                    description="an API key configured in REPLIKASI_API_KEYS "
                                "(or its SHA-256 in REPLIKASI_API_KEY_HASHES)")


def key_error(authorization: str | None, known: frozenset[str]) -> HTTPException | None:
    """Why a request with this Authorization header may not write (401/403), or None.

    Parsed as HTTPBearer parses it, so the route dependency and the body guard agree.
    """
    scheme, key = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not key.strip():
        return HTTPException(401, "authorization: an API key is required for writes "
                                  "(Authorization: Bearer <key>)",
                             headers={"WWW-Authenticate": "Bearer"})
    if not known:
        return HTTPException(403, "authorization: writes are disabled on this server "
                                  "(no API keys are configured)")
    digest = hash_key(key.strip())
    # Compare against every hash so the time taken does not tell which key came close.
    matches = [hmac.compare_digest(digest, h) for h in known]
    if not any(matches):
        return HTTPException(403, "authorization: this API key is not allowed to write")
    return None


async def require_key(request: Request,
                      credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Dependency of every write route: 401 without a key, 403 with a wrong one.

    Declared through `Depends(bearer)` so the OpenAPI document marks write routes as secured.
    """
    error = key_error(request.headers.get("authorization"), request.app.state.key_hashes)
    if error is not None:
        raise error
