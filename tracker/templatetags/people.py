"""``{{ user|display_name }}``: a person as the pages name them (``models.display_name``)."""

from django import template

from tracker import models

register = template.Library()


@register.filter
def display_name(user) -> str:
    """Nobody (``None``, or not logged in) is named by nothing, as a missing attribute would be."""
    return models.display_name(user) if getattr(user, "is_authenticated", False) else ""
