"""Signed session cookies for /nasional: HMAC-SHA256 with a secret kept in the data directory.

The cookie holds an expiry and a key fingerprint (an HMAC of the key's hash, useless without the
secret), never the key: removing a key from the settings ends its sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

COOKIE = "replikasi_nasional"
SECRET_FILE = "session-secret"
LIFETIME = 8 * 3600  # a working day; then the key is asked for again
SCOPE = "analytics"


def load_secret(data_dir: Path) -> bytes:
    """The data directory's secret, created (owner-only) on first use; every worker on the
    directory reads the same one, so a cookie signed by one is valid in all.

    Written to a temporary file and linked into place, so no reader ever sees it half written
    and a crash leaves no empty secret behind; the first link wins a race between workers.
    """
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, temp = tempfile.mkstemp(prefix=".session-secret-", dir=data_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_hex(32).encode())
                out.flush()
                os.fsync(out.fileno())
            os.link(temp, path)
        except FileExistsError:
            pass  # another worker linked its own first: use that one
        finally:
            os.unlink(temp)
    secret = path.read_bytes().strip()
    if len(secret) < 32:
        raise RuntimeError(f"{path} is shorter than 32 bytes: delete it to make a new one")
    return secret


def _mac(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def fingerprint(secret: bytes, key_hash: str) -> str:
    return _mac(secret, f"key:{key_hash}")[:24]


def issue(secret: bytes, key_hash: str, now: float | None = None) -> str:
    """A cookie value for the key with this hash, valid for LIFETIME seconds."""
    body = f"{int((time.time() if now is None else now) + LIFETIME)}.{fingerprint(secret, key_hash)}"
    return f"{body}.{_mac(secret, body)}"


def valid(
    secret: bytes, value: str | None, known: Mapping[str, frozenset[str]], now: float | None = None
) -> bool:
    """The cookie is ours, unexpired, and its key is still configured with the scope."""
    expires, _, rest = (value or "").partition(".")
    mark, _, signature = rest.partition(".")
    if not (expires.isdigit() and mark and signature):
        return False
    if not hmac.compare_digest(_mac(secret, f"{expires}.{mark}"), signature):
        return False
    if int(expires) <= (time.time() if now is None else now):
        return False
    matched = False
    for key_hash, scopes in known.items():  # every one compared: the time tells nothing
        if hmac.compare_digest(fingerprint(secret, key_hash), mark) and SCOPE in scopes:
            matched = True
    return matched
