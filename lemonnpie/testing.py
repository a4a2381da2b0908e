"""Helpers for the test suites of every app."""

import threading

from django.db import close_old_connections, connection


def run_in_threads(work, count: int) -> list[BaseException]:
    """Run `work(index)` in `count` real threads released together by a barrier; return the
    exceptions they raised. Each thread closes its own database connection when it ends."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def runner(index):
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    return errors
