"""The vocabulary of the triage contract: ordered triage levels and risk categories."""

from enum import IntEnum, StrEnum


class Triage(IntEnum):
    """What the patient must do now, lowest first, so that ``max()`` gives the most urgent."""

    NONE = 0
    ROUTINE = 1
    URGENT_TODAY = 2
    URGENT_NOW = 3
    EMERGENCY = 4


class Category(StrEnum):
    CRS = "CRS"
    NEUROTOXICITY = "NEUROTOXICITY"
    HEMATOLOGIC = "HEMATOLOGIC"
    INFECTION = "INFECTION"
    GVHD = "GVHD"
    ALLERGIC = "ALLERGIC"
    GENERAL = "GENERAL"
