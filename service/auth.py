"""API keys for writes: `Authorization: Bearer <key>`, compared by SHA-256 hash, never logged."""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from service.settings import hash_key

bearer = HTTPBearer(auto_error=False, description="an API key configured in REPLIKASI_API_KEYS")


async def require_key(request: Request) -> None:
    """Dependency of every write route: 401 without a key, 403 with a wrong one."""
    credentials: HTTPAuthorizationCredentials | None = await bearer(request)
    if credentials is None or not credentials.credentials:
        raise HTTPException(401, "authorization: an API key is required for writes "
                                 "(Authorization: Bearer <key>)",
                            headers={"WWW-Authenticate": "Bearer"})
    digest = hash_key(credentials.credentials)
    known: frozenset[str] = request.app.state.key_hashes
    if not any(hmac.compare_digest(digest, h) for h in known):
        raise HTTPException(403, "authorization: this API key is not allowed to write")
