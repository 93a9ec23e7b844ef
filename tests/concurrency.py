"""Running calls at the same moment on PostgreSQL, for the tests of what two requests or workers racing
each other leave behind (with `@pytest.mark.django_db(transaction=True)` and the postgres_only fixture)."""

import threading

from django.db import connection


def at_once(*actions) -> list[Exception]:
    """Run the calls in threads released together, each with its own connection; the errors they raised."""
    start, errors = threading.Barrier(len(actions)), []

    def run(action):
        try:
            start.wait()
            action()
        except Exception as error:  # returned to the test, which asserts on them
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(action,)) for action in actions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors
