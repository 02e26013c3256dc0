from django import template

register = template.Library()


@register.filter
def stat(value):
    """A statistic with two decimals and a real minus sign; an em dash when undefined."""
    if value is None:
        return "—"
    return f"{value:.2f}".replace("-", "−")


@register.filter
def percent(value):
    if value is None:
        return "—"
    return f"{value * 100:.0f} %"
