"""The statements of the ingest hot path, as SQL that SQLite (3.35+) and PostgreSQL share.

Why not the ORM here: every alert a monitoring tool posts runs these, and in the intake
benchmark (bench/intake/RESULTS.md) the ORM's query compilation cost ten times the query
itself (a locked SELECT: 0.57 ms through the ORM, 0.06 ms as the same SQL). Everything else
in the app, including the rare paths of ingest, stays on the ORM. Parameters go through the
fields' own `get_db_prep_save`, so values are stored exactly as the ORM would store them;
the statements are assembled only from constants and placeholders (hence the `noqa: S608`).

- A firing alert, new or repeated, is one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`
  (a new row's incident is a subquery: its group's open incident) and one payload `INSERT`.
- A resolved status is an `UPDATE ... RETURNING` of the alert it resolves.
- Every `keep`-th occurrence of an alert also prunes its oldest payloads.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model

from incidents.intake.models import Alert, AlertPayload, AlertStatus


@dataclass(frozen=True, slots=True)
class AlertRow:
    """What the reply to a monitoring tool needs of an alert, read back by RETURNING."""

    id: int
    incident_id: int | None
    occurrences: int
    status: str
    incident_reference: str | None
    dedup_key: str


# The column lists of the statements below; their names are the models' own (a model change
# that renames one fails every intake test).
_RETURNING = (
    "RETURNING id, incident_id, occurrences, status, "
    "(SELECT reference FROM incidents_incident "
    "WHERE incidents_incident.id = intake_alert.incident_id)"
)


def _prep(model: type[Model], name: str, value: Any) -> Any:
    """A value as the ORM would store it in this field (datetimes and JSON differ by backend)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def _one(statement: str, params: Sequence[Any]) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def alert_repeat(
    *,
    now: datetime,
    dedup_key: str,
    integration_id: int | None = None,
    alert_id: int | None = None,
    resolve_at: datetime | None = None,
) -> AlertRow | None:
    """Count one more occurrence of the open alert (integration, dedup key), or of the alert
    `alert_id`: `occurrences + 1`, `last_seen_at` never moves back, and `resolve_at` resolves
    it if it is still open. None when there is no such alert."""
    now_db = _prep(Alert, "last_seen_at", now)
    sets = (
        "occurrences = occurrences + 1, "
        "last_seen_at = CASE WHEN last_seen_at < %s THEN %s ELSE last_seen_at END"
    )
    params: list[Any] = [now_db, now_db]
    if resolve_at is not None:
        sets += (
            ", status = CASE WHEN resolved_at IS NULL THEN %s ELSE status END"
            ", resolved_at = COALESCE(resolved_at, %s)"
        )
        params += [AlertStatus.RESOLVED.value, _prep(Alert, "resolved_at", resolve_at)]
    if alert_id is not None:
        where = "id = %s"
        params.append(alert_id)
    else:
        where = "integration_id = %s AND dedup_key = %s AND resolved_at IS NULL"
        params += [integration_id, dedup_key]
    row = _one(f"UPDATE intake_alert SET {sets} WHERE {where} {_RETURNING}", params)  # noqa: S608  # nosec B608  # fixed SQL text
    return AlertRow(*row, dedup_key=dedup_key) if row else None


@dataclass(frozen=True, slots=True)
class Group:
    """Where a new alert looks for its incident: the open, unarchived incident that the most
    recently seen alert of its group (same integration and group key, seen since `since`) is
    on."""

    integration_id: int
    group_key: str
    since: datetime
    open_statuses: Sequence[str]

    def sql(self, columns: str = "g.incident_id, gi.reference") -> tuple[str, list[Any]]:
        """(SELECT columns ..., params)."""
        statuses = ", ".join(["%s"] * len(self.open_statuses))
        return (
            f"SELECT {columns} FROM intake_alert g "  # noqa: S608  # nosec B608  # fixed columns
            "INNER JOIN incidents_incident gi ON gi.id = g.incident_id "
            "WHERE g.integration_id = %s AND g.group_key = %s AND g.last_seen_at >= %s "
            f"AND gi.archived_at IS NULL AND gi.status IN ({statuses}) "
            "ORDER BY g.last_seen_at DESC, g.id DESC LIMIT 1",
            [
                self.integration_id,
                self.group_key,
                _prep(Alert, "last_seen_at", self.since),
                *self.open_statuses,
            ],
        )


def alert_upsert(values: Mapping[str, Any], group: Group | None) -> AlertRow:
    """Insert an alert (field name -> value) on its group's incident, or, when an open alert
    with its key exists, count one more occurrence of that one instead (`occurrences` = 1
    tells which happened). One statement: concurrent twins on PostgreSQL wait on the
    unique index and then update, so neither fails."""
    columns = [Alert._meta.get_field(name).column for name in values]
    params = [_prep(Alert, name, value) for name, value in values.items()]
    placeholders = ["%s"] * len(params)
    columns.append("incident_id")
    if group is None:
        placeholders.append("NULL")
    else:
        subquery, group_params = group.sql(columns="g.incident_id")
        placeholders.append(f"({subquery})")
        params += group_params
    row = _one(
        f"INSERT INTO intake_alert ({', '.join(columns)}) "  # noqa: S608  # nosec B608  # model columns
        f"VALUES ({', '.join(placeholders)}) "
        "ON CONFLICT (integration_id, dedup_key) WHERE resolved_at IS NULL DO UPDATE SET "
        "occurrences = intake_alert.occurrences + 1, "
        "last_seen_at = CASE WHEN intake_alert.last_seen_at < excluded.last_seen_at "
        "THEN excluded.last_seen_at ELSE intake_alert.last_seen_at END "
        f"{_RETURNING}",
        params,
    )
    return AlertRow(*row, dedup_key=values["dedup_key"])


def group_incident(group: Group) -> tuple[int, str] | None:
    """(id, reference) of the group's open incident, if any."""
    return _one(*group.sql())


def alert_set_incident(alert: AlertRow, incident: tuple[int, str]) -> AlertRow:
    """Put an alert this transaction inserted on an incident."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intake_alert SET incident_id = %s WHERE id = %s", [incident[0], alert.id]
        )
    return replace(alert, incident_id=incident[0], incident_reference=incident[1])


def payload_append(*, alert: AlertRow, raw: str, received_at: datetime, keep: int) -> None:
    """Keep this occurrence's raw payload (JSON text). Every `keep`-th occurrence the payloads
    older than the last `keep` are deleted, so an alert stores between `keep` and 2 x `keep` - 1
    of them and shows the last `keep` (its `occurrences` still counts every one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO intake_alertpayload (alert_id, seq, received_at, body) "
            "VALUES (%s, %s, %s, %s)",
            [
                alert.id,
                alert.occurrences,
                _prep(AlertPayload, "received_at", received_at),
                _prep(AlertPayload, "body", raw),  # encrypted (breachdesk.crypto)
            ],
        )
        if alert.occurrences > keep and alert.occurrences % keep == 0:
            cursor.execute(
                "DELETE FROM intake_alertpayload WHERE alert_id = %s AND seq <= %s",
                [alert.id, alert.occurrences - keep],
            )
