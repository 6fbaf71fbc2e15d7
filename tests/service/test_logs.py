"""Access logs keep no client address and no query string (the web page's GET /?problem=...)."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import pytest

from service.logs import AccessPrivacyFilter, uvicorn_log_config


def access_record(
    client: str = "10.1.2.3:51234", path: str = "/?problem=NIK+3201012345670001"
) -> logging.LogRecord:
    """Shaped like uvicorn's: args (client_addr, method, full_path, http_version, status)."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (client, "GET", path, "1.1", 200),
        None,
    )


def test_the_filter_drops_the_client_address_and_the_query_string() -> None:
    record = access_record()
    assert AccessPrivacyFilter().filter(record) is True
    assert record.args == ("-", "GET", "/", "1.1", 200)
    assert record.getMessage() == '- - "GET / HTTP/1.1" 200'


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/v1/innovations?q=ambulans&limit=5", "/v1/innovations"),
        ("/v1/innovations/psc-119-alpha", "/v1/innovations/psc-119-alpha"),
        ("/?", "/"),
    ],
)
def test_only_the_path_is_kept(path: str, kept: str) -> None:
    record = access_record(path=path)
    AccessPrivacyFilter().filter(record)
    assert record.args[2] == kept


def test_records_of_another_shape_pass_unchanged() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "started %s", ("x",), None)
    assert AccessPrivacyFilter().filter(record) is True and record.args == ("x",)


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """uvicorn_log_config() applied with the access handler writing to a buffer; undone after."""
    config = uvicorn_log_config()
    stream = io.StringIO()
    config["handlers"]["access"]["stream"] = stream
    logging.config.dictConfig(config)
    yield stream
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.filters.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def test_the_uvicorn_log_config_prints_access_lines_without_personal_data(configured: io.StringIO) -> None:
    record = access_record()
    logging.getLogger("uvicorn.access").info(record.msg, *record.args)
    line = configured.getvalue()
    assert '"GET / HTTP/1.1" 200' in line
    assert "10.1.2.3" not in line and "problem" not in line and "3201" not in line


def test_the_config_is_a_fresh_copy_each_time() -> None:
    first = uvicorn_log_config()
    first["loggers"].clear()
    assert uvicorn_log_config()["loggers"]["uvicorn.access"]["filters"] == ["privacy"]
