"""Logging for the server: access lines without client addresses or query strings."""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

ACCESS_ARGS = 5  # uvicorn.access: (client_addr, method, full_path, http_version, status_code)


class AccessPrivacyFilter(logging.Filter):
    """Rewrites uvicorn.access records: the client address becomes "-" and the query string
    goes (the planner page is GET /?problem=..., and problems may name people).

    Records of any other shape pass unchanged.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == ACCESS_ARGS:
            _client, method, full_path, http_version, status_code = args
            path = str(full_path).partition("?")[0]
            record.args = ("-", method, path, http_version, status_code)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging config with AccessPrivacyFilter on the uvicorn.access logger;
    pass it as `uvicorn.run(..., log_config=uvicorn_log_config())`."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["privacy"] = {"()": AccessPrivacyFilter}
    config["loggers"]["uvicorn.access"]["filters"] = ["privacy"]
    return config
