import threading
import pytest
from django.db import connection
from tests.intake.conftest import fixture_bytes, Poster
from incidents.intake.models import Alert
from incidents.models import Incident

@pytest.mark.django_db(transaction=True)
def test_concurrent(make_integration):
    issued = make_integration("generic")
    body = fixture_bytes("generic")
    barrier = threading.Barrier(50)
    results = []
    def worker():
        poster = Poster()
        barrier.wait()
        try:
            r = poster("generic", body, token=issued.token)
            results.append((r.status_code, r.content[:200]))
        finally:
            connection.close()
    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads: t.start()
    for t in threads: t.join()
    from collections import Counter
    print(Counter(s for s, _ in results), [c for s, c in results if s != 202][:3])
    print(list(Alert.objects.values_list("occurrences", flat=True)), Incident.objects.count())
    assert 0
