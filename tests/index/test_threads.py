"""The query path runs its matrix products on one BLAS thread."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

from index.threads import one_blas_thread


def test_one_blas_thread_limits_every_blas_library() -> None:
    with threadpool_limits(2, user_api="blas"):  # whatever the process had, restored after
        one_blas_thread()
        blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
        assert blas and all(lib["num_threads"] == 1 for lib in blas)
