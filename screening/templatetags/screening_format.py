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


@register.filter
def rule_words(rule):
    """A dedup rule id ("veto_pages") as the reason a lead reads ("different pages")."""
    from ..dedup.reasons import rule_in_words

    return rule_in_words(rule)
