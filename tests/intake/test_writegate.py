"""The SQLite writer gate hands the write turn from one writer to the next."""

import threading
import time

import pytest

from incidents.intake.writegate import write_gate


def test_second_writer_waits_for_the_first_and_wakes_at_once(tmp_path):
    """Synchronised on events, not on sleeps: the second writer asks for the gate while the
    first holds it; it gets in only after the first left, and soon after (the kernel hands
    the flock over; a polling gate would wake late). The bound is generous for a loaded
    machine; the order is exact."""
    path = str(tmp_path / "db.sqlite3.intake-write.lock")
    order: list[str] = []
    times: dict[str, float] = {}
    entered, asking = threading.Event(), threading.Event()

    def first():
        with write_gate(path):
            order.append("first in")
            entered.set()
            assert asking.wait(30)
            time.sleep(0.1)  # give the second writer time to block on the gate
            order.append("first out")
            times["first out"] = time.perf_counter()

    def second():
        assert entered.wait(30)
        asking.set()
        with write_gate(path):
            times["second in"] = time.perf_counter()
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()
    assert order == ["first in", "first out", "second in"]
    assert 0 <= times["second in"] - times["first out"] < 2.0


@pytest.mark.django_db
def test_in_memory_test_database_needs_no_gate():
    with write_gate():  # no lock file for :memory: / shared-cache databases
        pass
