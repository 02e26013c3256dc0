"""The header: pages grouped by the work, only those a role may open, the current page
marked, the open-conflict count for a lead, the account in a menu, the site admin for staff."""
import pytest
from django.urls import reverse

from screening.access import PERMISSIONS
from screening.templatetags.navigation import GROUPS, nav_groups

from .helpers.conflicts import conflicts_at_both_stages
from .helpers.html import select, select_one, text_of


def labels(groups):
    return {group["label"]: [item["label"] for item in group["items"]] for group in groups}


def test_a_reviewer_sees_only_the_pages_a_reviewer_may_open():
    shown = labels(nav_groups("reviewer", 1, "screen"))
    assert shown == {"Screening": ["Screen titles and abstracts", "My decisions", "Screen full texts",
                                   "My full-text decisions"],
                     "Records in": ["Full texts"]}


def test_a_lead_sees_four_groups_and_every_page():
    shown = labels(nav_groups("lead", 1, "prisma"))
    assert list(shown) == ["Screening", "Records in", "Reports out", "Team"]
    assert sum(len(pages) for pages in shown.values()) == sum(len(pages) for _, pages in GROUPS)


def test_every_page_listed_exists_and_needs_a_known_action():
    for _, pages in GROUPS:
        for _, name, action, marks in pages:
            assert action in PERMISSIONS
            assert name in marks
            reverse(name, args=[1])


@pytest.mark.parametrize("url_name, group, page", [
    ("fulltext_lead_record", "Screening", "All records"),
    ("fulltext_conflicts", "Screening", "Conflicts"),
    ("merge_list", "Records in", "Duplicates"),
    ("prisma_previous", "Reports out", "PRISMA diagram"),
    ("review_settings", "Team", "Settings"),
])
def test_the_current_page_and_its_group_are_marked(url_name, group, page):
    groups = nav_groups("lead", 1, url_name)
    assert [g["label"] for g in groups if g["current"]] == [group]
    assert [i["label"] for g in groups for i in g["items"] if i["current"]] == [page]


@pytest.mark.django_db
def test_the_header_of_a_lead_carries_the_open_conflict_count_and_marks_the_page(client, review, alice, bob, carol):
    conflicts_at_both_stages(review, alice=alice, bob=bob, carol=carol)
    client.force_login(carol)
    html = client.get(reverse("conflicts", args=[review.pk])).content.decode()
    header = select_one(html, "header")
    menu = select_one(header, "details.current")
    assert menu.classes == ["nav-menu", "current"] and menu.get("name") == "site-menu"
    page = select_one(header, "a[aria-current=page]")
    assert page.get("href") == reverse("conflicts", args=[review.pk]) and page.text.startswith("Conflicts")
    assert text_of(menu, 'summary > span.count[title="Open conflicts"]') == "2"


@pytest.mark.django_db
def test_a_reviewer_header_has_no_lead_page_and_no_count(client, review, alice, bob, carol):
    conflicts_at_both_stages(review, alice=alice, bob=bob, carol=carol)
    client.force_login(alice)
    header = select_one(client.get(reverse("screen", args=[review.pk])), "header")
    conflicts = reverse("conflicts", args=[review.pk])
    assert select(header, ".count") == [] and select(header, f'a[href="{conflicts}"]') == []
    assert "Conflicts" not in text_of(header) and "Settings" not in text_of(header)
    assert "Screen titles and abstracts" in text_of(header)


@pytest.mark.django_db
@pytest.mark.parametrize("is_staff", [False, True])
def test_the_account_menu_shows_the_site_administration_to_staff_only(client, review, carol, is_staff):
    carol.is_staff = is_staff
    carol.save()
    client.force_login(carol)
    header = select_one(client.get(reverse("review_dashboard", args=[review.pk])), "header")
    account = text_of(header, "details.nav-menu.account")
    assert "Change password" in account and "Sign out" in account
    assert ("Site administration" in account) is is_staff
    assert (select(header, f'a[href="{reverse("admin:index")}"]') != []) is is_staff
