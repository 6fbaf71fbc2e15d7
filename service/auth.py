"""API keys for writes: `Authorization: Bearer <key>`, compared by SHA-256 hash, never logged."""

from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from service.settings import hash_key

bearer = HTTPBearer(auto_error=False, scheme_name="apiKey",
                    description="an API key configured in REPLIKASI_API_KEYS "
                                "(or its SHA-256 in REPLIKASI_API_KEY_HASHES)")


async def require_key(request: Request,
                      credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
    """Dependency of every write route: 401 without a key, 403 with a wrong one.

    Declared through `Depends(bearer)` so the OpenAPI document marks write routes as secured.
    """
    if credentials is None or not credentials.credentials.strip():
        raise HTTPException(401, "authorization: an API key is required for writes "
                                 "(Authorization: Bearer <key>)",
                            headers={"WWW-Authenticate": "Bearer"})
    known: frozenset[str] = request.app.state.key_hashes
    if not known:
        raise HTTPException(403, "authorization: writes are disabled on this server "
                                 "(no API keys are configured)")
    digest = hash_key(credentials.credentials.strip())
    # Compare against every hash so the time taken does not tell which key came close.
    matches = [hmac.compare_digest(digest, h) for h in known]
    if not any(matches):
        raise HTTPException(403, "authorization: this API key is not allowed to write")
