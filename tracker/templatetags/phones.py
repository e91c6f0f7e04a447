"""``{{ number|unbroken }}``: a phone number kept on one line.

On a narrow phone a number such as "+1 202-555-0140" would otherwise break at its hyphen, and a
number read across two lines is easy to misdial. The words around it still wrap.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def unbroken(number) -> SafeString:
    return format_html('<span class="phone-number">{}</span>', number)
