"""The header: pages grouped by the work, only those a role may open, the current page
marked, the open-conflict count for a lead, the account in a menu, the site admin for staff."""
import pytest
from django.urls import reverse

from screening.access import PERMISSIONS
from screening.templatetags.navigation import GROUPS, nav_groups

from .helpers.conflicts import conflicts_at_both_stages


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
    header = html.split("</header>")[0]
    assert '<details class="nav-menu current" name="site-menu">' in header
    assert f'<a href="{reverse("conflicts", args=[review.pk])}" aria-current="page">Conflicts' in header
    assert '<span class="count" title="Open conflicts">2</span>' in header


@pytest.mark.django_db
def test_a_reviewer_header_has_no_lead_page_and_no_count(client, review, alice, bob, carol):
    conflicts_at_both_stages(review, alice=alice, bob=bob, carol=carol)
    client.force_login(alice)
    header = client.get(reverse("screen", args=[review.pk])).content.decode().split("</header>")[0]
    assert 'class="count"' not in header and "Conflicts" not in header and "Settings" not in header
    assert "Screen titles and abstracts" in header


@pytest.mark.django_db
@pytest.mark.parametrize("is_staff", [False, True])
def test_the_account_menu_shows_the_site_administration_to_staff_only(client, review, carol, is_staff):
    carol.is_staff = is_staff
    carol.save()
    client.force_login(carol)
    header = client.get(reverse("review_dashboard", args=[review.pk])).content.decode().split("</header>")[0]
    account = header.split('<details class="nav-menu account"')[1]
    assert "Change password" in account and "Sign out" in account
    assert ("Site administration" in account) is is_staff
    assert (reverse("admin:index") in header) is is_staff
