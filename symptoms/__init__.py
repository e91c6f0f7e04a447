"""Clinical knowledge: the input catalogue, the rule table and the pure triage engine.

Nothing here imports Django's ORM, requests or templates: the engine is plain Python over
plain data.
"""

from symptoms.engine import Assessment, Finding, assess
from symptoms.levels import Category, Triage

__all__ = ["Assessment", "Category", "Finding", "Triage", "assess"]
