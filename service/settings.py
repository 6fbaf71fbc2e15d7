"""Settings from the environment (prefix REPLIKASI_); only service/ and scripts/ read them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Settings(BaseSettings):
    """Every setting can be given as REPLIKASI_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="REPLIKASI_", extra="ignore")

    data_dir: Path = Field(Path("var"), description="catalogue database and index snapshots")
    encoder: str = Field("use3", description="'use3', a sentence-transformers folder, or "
                                             "weighted parts such as 'use3@0.6+/models/e5@0.4'")
    threads: int = Field(2, ge=1, le=64)
    api_keys: str = Field("", description="comma-separated API keys allowed to write")
    api_key_hashes: str = Field("", description="comma-separated SHA-256 hex digests of keys")
    log_queries: bool = Field(True, description="record recommendation requests for analytics")
    cors_origins: str = Field("", description="comma-separated origins allowed by CORS")
    max_body_bytes: int = Field(20_000_000, ge=1024)
    host: str = "127.0.0.1"
    port: int = 8000

    def key_hashes(self) -> frozenset[str]:
        """Hashes of the accepted keys; plain keys are hashed here and not kept elsewhere."""
        plain = {hash_key(k.strip()) for k in self.api_keys.split(",") if k.strip()}
        hashed = {h.strip().lower() for h in self.api_key_hashes.split(",") if h.strip()}
        return frozenset(plain | hashed)

    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]
