"""Campaign dispatch against a fake SendGrid, beside the fake's own ceiling (bench/campaigns.py).

For W workers, in the same run:
  * ceiling: W client processes post 1,000-personalization requests with the real sendgrid
    library for 20 s to a fake (bench/fake_sendgrid.py) that adds the provider latency;
  * BreachDesk: `manage.py qcluster` with W workers (the production shape: django-q2 over
    the ORM broker on SQLite, over Redis with PostgreSQL), started and ready first; then W
    `campaign_work` tasks are enqueued, as `campaign_start` fans out. The time runs from
    the enqueue to the fake's last answer; the workers' start-up is not in it.
Besides messages/s it reports where the CPU went during the send: the workers' own CPU
(user + system, from their rusage), the fake's, and the whole machine's busy time
(/proc/stat, the database server and everything else included), each per message.

The database is a URL: `sqlite:///path` (the embedded default) or `postgres://...` (then
REDIS_URL, if set, is the broker the workers see, as in production).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBJECT = "Notice of Data Breach for {{name}}"
TEXT = "Dear {{name}},\n\nyour account {{account}} was affected by a breach. " * 4


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:///")


def connect(url: str):
    """A plain DB-API connection (sqlite3 or psycopg) to a benchmark database URL."""
    if is_sqlite(url):
        import sqlite3

        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1))


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Run one statement (placeholders `%s`), commit, return its rows (if any)."""
    with closing(connect(url)) as db:
        cursor = db.execute(sql.replace("%s", "?") if is_sqlite(url) else sql, params)
        rows = cursor.fetchall() if cursor.description else []
        db.commit()
    return rows


def django_env(url: str, work: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "breachdesk.settings.dev",
        "DATABASE_URL": url,
        "BREACHDESK_VAR_DIR": str(work),
    }


def worker_env(url: str, work: Path, fake_url: str) -> dict:
    """The sending workers run with the production settings (DEBUG off: no query log), with
    the development keys the benchmark's import used, against the fake."""
    from breachdesk.settings.devkeys import DEV_AUDIT_HMAC_KEY, DEV_FIELD_ENCRYPTION_KEY

    return {
        **django_env(url, work),
        "DJANGO_SETTINGS_MODULE": "breachdesk.settings.production",
        "SECRET_KEY": "bench-only-not-a-secret",
        "ALLOWED_HOSTS": "localhost",
        "FIELD_ENCRYPTION_KEYS": DEV_FIELD_ENCRYPTION_KEY,
        "AUDIT_HMAC_KEY": DEV_AUDIT_HMAC_KEY,
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
        "SENDGRID_API_KEY": "SG.bench",
        "SENDGRID_API_HOST": fake_url,
    }


def phase_ceiling(url: str, seconds: float) -> dict:
    """Post 1,000-personalization bodies with the sendgrid library for `seconds`."""
    from sendgrid import SendGridAPIClient

    body = {
        "from": {"email": "bench@example.com"},
        "subject": SUBJECT,
        "content": [{"type": "text/plain", "value": TEXT}],
        "personalizations": [
            {
                "to": [{"email": f"person{i}@example.com", "name": f"Person {i}"}],
                "custom_args": {"breachdesk_ref": f"d{i}"},
                "substitutions": {"{{name}}": f"Person {i}", "{{account}}": f"AC-{i}"},
            }
            for i in range(1000)
        ],
    }
    client = SendGridAPIClient(api_key="SG.bench", host=url)
    sent, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        client.send(body)
        sent += 1000
    return {"messages": sent}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stats(url: str) -> dict:
    with urllib.request.urlopen(url + "/stats", timeout=5) as response:  # noqa: S310 (local)
        return json.loads(response.read())


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (every core; /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid(url: str) -> int | None:
    """The local PostgreSQL server's postmaster (its tree's CPU is the database's), if readable."""
    if is_sqlite(url):
        return None
    try:
        data = query(url, "SHOW data_directory")[0][0]
        return int((Path(data) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def tree_cpu(pid: int | None) -> float:
    """CPU seconds of a process and its descendants (live ones, and those it has reaped)."""
    if pid is None:
        return 0.0
    parent, ticks = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        me = int(stat.parent.name)
        parent[me], ticks[me] = int(fields[1]), sum(int(v) for v in fields[11:15])
    total = 0
    for me, own in ticks.items():
        up = me
        while up and up != pid:
            up = parent.get(up, 0)
        total += own if up == pid else 0
    return total / os.sysconf("SC_CLK_TCK")


def vacuum(url: str) -> None:
    """PostgreSQL: clear the dead rows a previous send or requeue left (autocommit)."""
    if is_sqlite(url):
        return
    with closing(connect(url)) as db:
        db.autocommit = True
        db.execute("VACUUM ANALYZE notifications_delivery")
        db.execute("VACUUM ANALYZE notifications_sendchunk")


def requeue(url: str) -> int:
    """Put an already sent benchmark campaign back to `queued` (for --send-only)."""
    statements = (
        "UPDATE notifications_delivery SET state = 'queued', provider = '', tries = 0, "
        "provider_message_id = '', sent_at = NULL, attempted_at = NULL",
        "UPDATE notifications_sendchunk SET state = 'pending', lease_token = NULL, "
        "lease_until = NULL, not_before = NULL, tries = 0",
        "UPDATE notifications_campaign SET status = 'sending', completed_at = NULL, "
        "first_sent_at = NULL, last_sent_at = NULL",
    )
    for statement in statements:
        query(url, statement)
    return query(url, "SELECT MIN(id) FROM notifications_campaign")[0][0]


def cluster_start(env: dict, workers: int) -> subprocess.Popen:
    """`manage.py qcluster` with `workers` workers, once it says it is running."""
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**env, "Q_WORKERS": str(workers), "LOG_LEVEL": "INFO"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, stopped as one
    )
    for line in cluster.stderr:
        if "running." in line:
            break
    threading.Thread(target=cluster.stderr.read, daemon=True).start()  # keep draining it
    time.sleep(1)  # the workers finish importing
    return cluster


def cluster_stop(cluster: subprocess.Popen) -> None:
    os.killpg(cluster.pid, signal.SIGTERM)
    try:
        cluster.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()


def enqueuer(env: dict, campaign_id: int, workers: int) -> subprocess.Popen:
    """A Django shell, started and waiting: it empties the broker's queue (the import's
    `campaign_start` fanned tasks out already), then on a line from us enqueues one
    `campaign_work` task per worker (as `campaign_start` does) and prints the wall-clock
    time just before the first."""
    code = (
        "import sys, time; from django_q.brokers import get_broker; "
        "from django_q.tasks import async_task; get_broker().purge_queue(); "
        "print('ready', flush=True); sys.stdin.readline(); t = time.time(); "
        f"[async_task('notifications.tasks.campaign_work', {campaign_id}) "
        f"for _ in range({workers})]; print(t)"
    )
    shell = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    while shell.stdout.readline().strip() != "ready":
        pass
    return shell


def bench_send(url: str, work: Path, campaign_id: int, workers: int, delay_ms: float) -> dict:
    """The ceiling with `workers` clients, then a qcluster of `workers` sending the campaign."""
    vacuum(url)
    queued = query(
        url,
        "SELECT COUNT(*) FROM notifications_delivery WHERE campaign_id = %s AND state = 'queued'",
        (campaign_id,),
    )[0][0]
    port = free_port()
    fake_url = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "fake_sendgrid.py"), str(port), str(delay_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    cluster = None
    try:
        fake.stdout.readline()
        began = time.perf_counter()
        clients = [
            subprocess.Popen(  # noqa: S603
                [sys.executable, __file__, "ceiling", fake_url, "20"],
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for _ in range(workers)
        ]
        for client in clients:
            client.communicate()
        ceiling_seconds = time.perf_counter() - began
        ceiling = stats(fake_url)["messages"]
        env = worker_env(url, work, fake_url)
        shell = enqueuer(env, campaign_id, workers)
        cluster = cluster_start(env, workers)
        server = server_pid(url)
        cpu0, fake0, busy0 = tree_cpu(cluster.pid), process_cpu(fake.pid), busy_seconds()
        span0 = time.monotonic()
        db0, load0 = tree_cpu(server), os.getloadavg()[0]
        began = float(shell.communicate("go\n")[0].split()[-1])
        deadline = time.monotonic() + 1800
        while (now := stats(fake_url))["messages"] - ceiling < queued:
            if time.monotonic() > deadline or cluster.poll() is not None:
                break
            time.sleep(0.1)
        send_seconds = now["last"] - began
        workers_cpu = tree_cpu(cluster.pid) - cpu0
        fake_cpu, busy = process_cpu(fake.pid) - fake0, busy_seconds() - busy0
        span = time.monotonic() - span0
        db_cpu = tree_cpu(server) - db0
        load1 = os.getloadavg()[0]
        sent = now["messages"] - ceiling
        time.sleep(1)  # the last answers are recorded
    finally:
        if cluster is not None:
            cluster_stop(cluster)
        fake.kill()
        fake.wait()
    states = dict(query(url, "SELECT state, COUNT(*) FROM notifications_delivery GROUP BY state"))
    status = query(url, "SELECT status FROM notifications_campaign WHERE id = %s", (campaign_id,))
    return {
        "ceiling_messages": ceiling,
        "ceiling_seconds": ceiling_seconds,
        "sent": sent,
        "send_seconds": send_seconds,
        "workers_cpu": workers_cpu,
        "fake_cpu": fake_cpu,
        "db_cpu": db_cpu if server else None,
        "machine_cpu": busy,
        "machine_span": span,
        "load": (load0, load1),
        "last_output": f"campaign {status[0][0]}: {states}",
    }


def report(result: dict, workers: int, delay_ms: float) -> list[str]:
    """The two Markdown rows bench/report.py reads (ceiling, then BreachDesk)."""
    ceiling_rate = result["ceiling_messages"] / result["ceiling_seconds"]
    sent = max(result["sent"], 1)
    rate = result["sent"] / result["send_seconds"]
    per = {
        k: 1000 * result[k] / sent
        for k in ("workers_cpu", "fake_cpu", "machine_cpu", "db_cpu")
        if result.get(k) is not None
    }
    server = f", {per['db_cpu']:.3f} ms in the PostgreSQL server" if "db_cpu" in per else ""
    cores = result["machine_cpu"] / result["machine_span"]
    return [
        f"| fake SendGrid ceiling, {workers} clients, +{delay_ms:g} ms | "
        f"{result['ceiling_messages']:,} | {result['ceiling_seconds']:.1f} | {ceiling_rate:,.0f} |",
        f"| BreachDesk send, {workers} workers, +{delay_ms:g} ms | {result['sent']:,} | "
        f"{result['send_seconds']:.1f} | {rate:,.0f} | {rate / ceiling_rate:.2f} of the ceiling;"
        f" CPU per message {per['workers_cpu']:.3f} ms in the workers, {per['fake_cpu']:.3f} ms"
        f" in the fake{server}, {per['machine_cpu']:.3f} ms machine-wide ({cores:.2f} of "
        f"{os.cpu_count()} cores busy); {result['last_output']}; load "
        f"{result['load'][0]:.1f} -> {result['load'][1]:.1f} |",
    ]


if __name__ == "__main__":
    if sys.argv[1] == "ceiling":
        sys.stdout.write(json.dumps(phase_ceiling(sys.argv[2], float(sys.argv[3]))) + "\n")
