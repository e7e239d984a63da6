"""The SQLite writer gate hands the write turn from one writer to the next."""

import threading
import time

import pytest

from incidents.intake.writegate import write_gate


def test_second_writer_waits_for_the_first_and_wakes_at_once(tmp_path):
    path = str(tmp_path / "db.sqlite3.intake-write.lock")
    order: list[str] = []
    entered = threading.Event()

    def first():
        with write_gate(path):
            order.append("first in")
            entered.set()
            time.sleep(0.2)
            order.append("first out")

    def second():
        entered.wait(5)
        started = time.perf_counter()
        with write_gate(path):
            order.append("second in")
            waited.append(time.perf_counter() - started)

    waited: list[float] = []
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["first in", "first out", "second in"]
    assert 0.1 < waited[0] < 1.0


@pytest.mark.django_db
def test_in_memory_test_database_needs_no_gate():
    with write_gate():  # no lock file for :memory: / shared-cache databases
        pass
