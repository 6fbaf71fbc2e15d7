"""Settings from the environment (prefix REPLIKASI_); only service/ and scripts/ read them."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.encoders import Encoder, load_encoders
from recommender.builds import CHILD_MIN_CHANGES, ChildBuilds


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


SCOPES = ("write", "registry", "analytics")
"""What a key may do: change the catalogue, change the replication registry, read analytics."""


def _scoped(entry: str, setting: str) -> tuple[str, frozenset[str]]:
    """`KEY` (every scope) or `KEY:scope+scope` → (key, scopes); a scope we do not know is an
    error naming the setting, so a typo never silently grants or withholds access."""
    key, colon, named = entry.strip().partition(":")
    if not colon:
        return key.strip(), frozenset(SCOPES)
    scopes = frozenset(s.strip() for s in named.split("+") if s.strip())
    unknown = sorted(scopes - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(
            f"{setting}: unknown scope {', '.join(unknown) or '(none)'} for a key; "
            f"scopes are {', '.join(SCOPES)}"
        )
    return key.strip(), scopes


class Settings(BaseSettings):
    """Every setting can be given as REPLIKASI_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="REPLIKASI_", extra="ignore")

    data_dir: Path = Field(Path("var"), description="catalogue database and index snapshots")
    encoder: str = Field(
        "use3",
        description="dense legs joined by '+': 'use3' or a "
        "sentence-transformers folder, e.g. "
        "'use3+var/models/e5' after scripts.convert_e5",
    )
    threads: int = Field(2, ge=1, le=64)
    api_keys: str = Field(
        "",
        description="comma-separated API keys; a bare key has every "
        "scope, `KEY:write+analytics` only those named",
    )
    api_key_hashes: str = Field(
        "",
        description="comma-separated SHA-256 hex digests of keys, each optionally followed by `:scope+scope`",
    )
    log_queries: bool = Field(True, description="record recommendation requests for analytics")
    log_retention_days: int = Field(
        180,
        ge=0,
        description="days the problem text of a logged "
        "request is kept (scrubbed of NIKs, phones, e-mails); "
        "0 stores none",
    )
    cors_origins: str = Field("", description="comma-separated origins allowed by CORS")
    max_body_bytes: int = Field(20_000_000, ge=1024, description="largest request body (imports)")
    # The largest valid query (5000 characters of \\u-escaped emoji and 40 provinces) is
    # about 110 KB of JSON.
    max_query_body_bytes: int = Field(
        131_072, ge=1024, description="largest body of POST /v1/recommendations"
    )
    body_timeout_seconds: float = Field(
        30.0, gt=0, description="a client that sends nothing of its body for this long gets 408"
    )
    index_debounce_seconds: float = Field(
        0.3, ge=0, le=60, description="quiet time after a write before the index catches up"
    )
    index_child_min_changes: int = Field(
        CHILD_MIN_CHANGES,
        ge=0,
        description="pending catalogue changes from which the index catches up in a child "
        "process at low priority (a bulk import), not beside the readers; 0 never",
    )
    workers: int = Field(
        1,
        ge=1,
        le=32,
        description="server processes sharing the snapshot (memory-mapped) on the machine's cores",
    )
    interest_burst: int = Field(
        10,
        ge=1,
        description="interest marks a client may send at "
        "once (per process, by a salted hash of "
        "its address, never stored)",
    )
    interest_refill_seconds: float = Field(
        30.0, gt=0, description="then one more mark every this many seconds"
    )
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _keys_parse(self) -> Settings:
        self.key_hashes()  # an unknown scope fails at start-up, naming the setting
        return self

    def load_encoders(self) -> list[Encoder]:
        """The configured encoders, in order (the first is the primary dense leg)."""
        return load_encoders(self.encoder, threads=self.threads)

    def child_builds(self) -> ChildBuilds | None:
        """How bulk changes are built in a child process (its own encoders, one thread)."""
        if not self.index_child_min_changes:
            return None
        return ChildBuilds(
            functools.partial(load_encoders, self.encoder, threads=1),
            min_changes=self.index_child_min_changes,
        )

    def key_hashes(self) -> dict[str, frozenset[str]]:
        """The scopes of each accepted key, by the key's hash; plain keys are hashed here and
        not kept elsewhere. A key listed twice gets the union of its scopes."""
        found: dict[str, set[str]] = {}
        for entry in self.api_keys.split(","):
            key, scopes = _scoped(entry, "api_keys")
            if key:
                found.setdefault(hash_key(key), set()).update(scopes)
        for entry in self.api_key_hashes.split(","):
            digest, scopes = _scoped(entry, "api_key_hashes")
            if digest:
                found.setdefault(digest.lower(), set()).update(scopes)
        return {digest: frozenset(scopes) for digest, scopes in found.items()}

    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
