"""Domain errors; the service maps each class to one HTTP status."""

from __future__ import annotations


class RecommenderError(Exception):
    """Base of every error the domain raises on purpose."""


class UnknownInnovation(RecommenderError):
    """No innovation has this id."""

    def __init__(self, innovation_id: str) -> None:
        super().__init__(f"no innovation with id {innovation_id!r}")
        self.innovation_id = innovation_id


class InvalidRecord(RecommenderError):
    """A record or a request field breaks the data model; ``field`` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class DuplicateInnovation(RecommenderError):
    """Creating an innovation whose id already exists."""

    def __init__(self, innovation_id: str) -> None:
        super().__init__(f"an innovation with id {innovation_id!r} already exists")
        self.innovation_id = innovation_id


class IndexNotReady(RecommenderError):
    """The search index is not loaded yet (or failed to load)."""


class UnknownReplication(RecommenderError):
    """No replication record has this id."""

    def __init__(self, replication_id: str) -> None:
        super().__init__(f"no replication with id {replication_id!r}")
        self.replication_id = replication_id


class DuplicateReplication(RecommenderError):
    """Creating a replication record whose id already exists."""

    def __init__(self, replication_id: str) -> None:
        super().__init__(f"a replication with id {replication_id!r} already exists")
        self.replication_id = replication_id
