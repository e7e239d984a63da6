"""`make run` prints what actually runs and Ctrl-C stops web and worker cleanly (issue 10,
item 11). Runs the real Makefile target on a throw-away SQLite database."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ours(var_dir: Path) -> list[int]:
    """Processes started for this run (they inherit BREACHDESK_VAR_DIR)."""
    marker = f"BREACHDESK_VAR_DIR={var_dir}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _serving(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to find the processes")
def test_make_run_prints_the_real_port_and_ctrl_c_stops_both_quickly(tmp_path):
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "BREACHDESK_BASE_URL")
    }
    env["BREACHDESK_VAR_DIR"] = str(tmp_path)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        # Its own process group, like a terminal's foreground job: Ctrl-C signals the group.
        make = subprocess.Popen(  # noqa: S603
            ["make", "--no-print-directory", "run", f"PORT={port}"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            assert _wait_for(lambda: _serving(port), 180), log.read_text()
            assert _wait_for(lambda: "Q Cluster" in log.read_text(), 60), log.read_text()
            time.sleep(2)
            started = time.monotonic()
            os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
            make.wait(timeout=30)
            stopped_in = time.monotonic() - started
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
            for pid in _ours(tmp_path):
                os.kill(pid, signal.SIGKILL)
    text = log.read_text()
    assert f"http://127.0.0.1:{port}/api/v1/alerts/generic/" in text  # the curl line
    assert f"workspace: http://127.0.0.1:{port}/" in text
    assert ":8000" not in text
    assert stopped_in < 12, text
    assert _ours(tmp_path) == []  # neither web nor worker survives
    assert "Segmentation fault" not in text
    assert "Stopped." in text
