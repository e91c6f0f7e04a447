"""The audit trail beyond model history: who read which patient's record, how, and when.

Changes to patients, infusions, reports and flags are kept by django-simple-history (with the user
from ``HistoryRequestMiddleware``); reading a record leaves no change, so it is logged here.
"""

from __future__ import annotations

from tracker.models import Patient, TimelineAccess


def record_timeline_opened(*, nurse, patient: Patient) -> TimelineAccess:
    """Logs that ``nurse`` opened ``patient``'s timeline; call it from the timeline view."""
    return TimelineAccess.objects.create(nurse=nurse, patient=patient)


def record_read(*, nurse, patient: Patient, what: TimelineAccess.What) -> TimelineAccess:
    """Logs that ``nurse`` opened ``patient``'s printable summary or their FHIR export."""
    return TimelineAccess.objects.create(nurse=nurse, patient=patient, what=what)
