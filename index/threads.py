"""BLAS threads: one per calling thread on the query path; encoders set their own for batches."""

from __future__ import annotations

from threadpoolctl import threadpool_limits


def one_blas_thread() -> None:
    """Limit BLAS to one thread for this process.

    A query's matrix products are small (a few thousand rows times one vector): a second BLAS
    thread saves little on an idle machine and costs a lot on a busy one (the spinning thread
    competes with request threads; docs/benchmarks.md: p50 at 10,000 innovations 22-32 ms with
    one thread, 68-77 ms with two, side by side on the shared machine). USE3 raises its own
    limit while it encodes a batch.
    """
    threadpool_limits(1, user_api="blas")
