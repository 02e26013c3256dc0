"""No user text with a NUL character reaches a view: PostgreSQL cannot store one, and the
request is refused with a message naming the field instead of failing with a server error."""
import pytest

from screening.models import Decision
from screening.services import decisions as services
from screening.services import queue as queue_services

from .helpers.screening import make_records

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NUL = "\x00"


@pytest.fixture
def held(review, alice):
    """The record Alice holds, not voted on yet."""
    make_records(review, 3)
    queue_services.record_stages_sync(review=review)
    return queue_services.screening_next(reviewer=alice, review=review)[0]


SEARCHES = [
    ("alice", "/reviews/{review}/screen/mine/"),
    ("alice", "/reviews/{review}/fulltext/screen/mine/"),
    ("alice", "/reviews/{review}/fulltext/"),
    ("carol", "/reviews/{review}/screening/records/"),
    ("carol", "/reviews/{review}/fulltext/records/"),
]


@pytest.mark.parametrize("who, path", SEARCHES)
@pytest.mark.parametrize("query", [f"sleep{NUL}", NUL, f"{NUL}' OR 1=1 --"])
def test_a_search_with_a_nul_character_is_refused_with_a_message(client, review, held, who, path, query, request):
    client.force_login(request.getfixturevalue(who))
    url = path.format(review=review.pk)
    response = client.get(url, {"q": query})
    html = response.content.decode()
    assert response.status_code == 400
    assert "The field “q” contains a NUL character" in html and "Nothing was saved" in html
    assert client.get(url, {"q": "sleep"}).status_code == 200  # ordinary text is not touched


def test_an_htmx_request_gets_the_message_at_the_top_of_the_page(client, review, held, alice):
    client.force_login(alice)
    response = client.get(f"/reviews/{review.pk}/screen/mine/", {"q": f"a{NUL}b"}, **HTMX)
    assert response.status_code == 422
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#main", "afterbegin")
    assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize("field, value", [("note", f"see{NUL}this"), ("reason", f"Wrong{NUL}population"),
                                          ("verdict", f"include{NUL}")])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_vote_with_a_nul_character_is_refused_and_nothing_is_saved(client, review, held, alice, field, value,
                                                                     headers):
    client.force_login(alice)
    data = {"verdict": "exclude", "reason": "Wrong population", "note": "", field: value}
    response = client.post(f"/reviews/{review.pk}/screen/records/{held.pk}/decide/", data, **headers)
    assert response.status_code in (400, 422)
    assert f"The field “{field}” contains a NUL character" in response.content.decode()
    assert Decision.objects.get(reviewer=alice, record=held).verdict is None


def test_the_leads_reason_a_field_name_and_the_address_are_checked_too(client, review, held, alice, bob, carol):
    services.decision_record(reviewer=alice, review=review, record=held, verdict="include")
    client.force_login(carol)
    response = client.post(f"/reviews/{review.pk}/screening/records/{held.pk}/resolve/",
                           {"verdict": "exclude", "reason": f"Children{NUL}"})
    assert response.status_code == 400 and "The field “reason”" in response.content.decode()
    response = client.get(f"/reviews/{review.pk}/screening/records/", {f"q{NUL}": "x"})
    assert response.status_code == 400 and "The field “q”" in response.content.decode()
    response = client.get(f"/reviews/{review.pk}/exports/records-all{NUL}.csv")
    assert response.status_code == 400 and "The address contains a NUL character" in response.content.decode()
    assert services.RecordStage.objects.get(record=held).outcome == "pending"
