"""`make run PORT=…` prints and serves links on the port that actually runs."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str, base_url: str | None = None) -> str:
    """The commands `make run` would execute (make -n runs nothing)."""
    env = {k: v for k, v in os.environ.items() if k != "BREACHDESK_BASE_URL"}
    if base_url is not None:
        env["BREACHDESK_BASE_URL"] = base_url
    result = subprocess.run(  # noqa: S603
        ["make", "-n", "--no-print-directory", "run", *args],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_every_link_uses_the_port_that_runs():
    commands = dry_run("PORT=8311")
    urls = re.findall(r"https?://[^\s/;'\"]+", commands)
    assert urls, commands
    assert set(urls) == {"http://127.0.0.1:8311"}, commands
    # The demo seed prints the alert-intake curl line from BREACHDESK_BASE_URL, and the web
    # server and worker write it into notice pages and messages.
    seed = next(line for line in commands.splitlines() if "seed_demo" in line)
    assert "BREACHDESK_BASE_URL=http://127.0.0.1:8311 " in seed
    assert "export BREACHDESK_BASE_URL=http://127.0.0.1:8311;" in commands
    assert "runserver --noreload 127.0.0.1:8311" in commands


def test_an_explicit_base_url_wins():
    commands = dry_run("PORT=8311", base_url="https://breach.example.org")
    seed = next(line for line in commands.splitlines() if "seed_demo" in line)
    assert "BREACHDESK_BASE_URL=https://breach.example.org " in seed
    assert "runserver --noreload 127.0.0.1:8311" in commands
