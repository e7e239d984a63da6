"""Run in its own process by test_backup.py: back up, alter, restore, compare.

    python -m tests.ops.backup_roundtrip <workdir>

with DJANGO_SETTINGS_MODULE and DATABASE_URL set to a scratch database. Prints one JSON
object: the fingerprints (dumpdata of every model) before, after the alteration and after
the restore, and the output of the restore command.
"""

import hashlib
import io
import json
import sys
from pathlib import Path


def fingerprint() -> tuple[str, int]:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("dumpdata", "--natural-foreign", stdout=out)
    rows = json.loads(out.getvalue())
    return hashlib.sha256(out.getvalue().encode()).hexdigest(), len(rows)


def main(workdir: Path) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from incidents.models import Incident

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    before = fingerprint()
    backup = workdir / "backup.bin"
    call_command("db_backup", str(backup), stdout=io.StringIO())

    # Alter: rewrite every incident's title and add a user.
    Incident.objects.update(title="overwritten after the backup")
    get_user_model().objects.create_user(username="after-backup", password="x" * 12)
    altered = fingerprint()

    restored_out = io.StringIO()
    call_command("db_restore", str(backup), "--yes", stdout=restored_out)
    after = fingerprint()
    sys.stdout.write(
        json.dumps(
            {
                "before": before,
                "altered": altered,
                "after": after,
                "restore_output": restored_out.getvalue(),
                "incidents": Incident.objects.count(),
                "backup_bytes": backup.stat().st_size,
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
