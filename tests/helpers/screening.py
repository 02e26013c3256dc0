"""Small, real-looking records for screening tests. Records come from imports; here they are
created directly under one Import row."""
from screening.models import Import, Record

SAMPLES = [
    ("Blue-light filtering glasses and sleep quality in adults: a randomised controlled trial",
     "Adults with insomnia wore amber glasses for two weeks. Sleep quality improved versus clear lenses.",
     ["Shechter A", "Kim EW"], "J Psychiatr Res", 2018),
    ("Evening screen use and melatonin suppression in adolescents",
     "A cross-sectional study of 120 adolescents measured salivary melatonin after tablet use.",
     ["Chang AM", "Aeschbach D"], "Sleep", 2015),
    ("Effect of night mode on smartphone displays: a crossover trial",
     "Twenty young adults used night mode or normal mode before bed; sleep onset did not differ.",
     ["Duraccio KM"], "Sleep Health", 2021),
    ("Blue light exposure in mice disrupts circadian rhythm",
     "An animal study in mice exposed to 460 nm light at night.",
     ["Tosini G"], "Mol Vis", 2016),
    ("Amber lenses for bipolar mania: a randomised placebo-controlled trial",
     "Patients with mania wore blue-blocking glasses in addition to usual treatment.",
     ["Henriksen TE", "Skrede S"], "Bipolar Disord", 2016),
]


def make_records(review, count=10, *, database="MEDLINE", in_screening=True):
    """Create `count` records in `review` (cycling through real-looking samples, each title
    made unique) and return them in import order. Like a finished import, this puts them into
    title/abstract screening, unless `in_screening` is False."""
    import_ = Import.objects.create(review=review, database=database, platform="PubMed",
                                    status=Import.Status.IMPORTED, record_count=count)
    records = []
    for i in range(count):
        title, abstract, authors, journal, year = SAMPLES[i % len(SAMPLES)]
        records.append(Record(
            review=review, source_import=import_, source_index=i,
            title=f"{title} ({i + 1})" if count > len(SAMPLES) else title,
            abstract=abstract, authors=authors, journal=journal, year=year,
            doi=f"10.1000/sleep.{review.pk}.{i}", pmid=str(30000000 + i),
        ))
    records = Record.objects.bulk_create(records)
    if in_screening:
        from screening.services.queue import record_stages_add_import

        record_stages_add_import(import_=import_)
    return records



def open_screen(client, review, stage="title_abstract", **headers):
    """Open the screening page as a browser does and return the response that shows the card.
    The GET only reads: it shows the record claimed for me and not voted on, if any; otherwise
    a placeholder whose form claims my next record. Its POST is what htmx sends on load (with
    `headers` HX-Request: the card alone) or what the button sends without JavaScript (a
    redirect back to the GET, which now shows the claimed record)."""
    from django.urls import reverse

    url = reverse("fulltext_screen" if stage == "full_text" else "screen", args=[review.pk])
    page = client.get(url, **headers)
    if page.status_code != 200 or 'class="start-screening"' not in page.content.decode():
        return page
    return client.post(url, follow=not headers, **headers)
