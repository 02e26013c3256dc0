"""The plan of a PubMed download and how far it has got, as plain JSON-ready data.

ESearch and EFetch stop at the 10,000th record of a search, so a larger search is cut
into slices of at most 10,000 hits each (see ``PubMedClient.plan_batches``). A slice
is a range of publication dates (``datetype=pdat``, both ends inclusive) and, for a
single day with more hits than that, also a range of PMIDs. The slices do not
overlap and together cover the whole date range, so every record is in exactly one.

The app stores ``SearchPlan.to_dict()`` on its job row after each stored batch; the
position (slice index, retstart) is where the download picks up after a crash.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date

# The oldest PubMed records are from the 1780s; earlier bounds only cost one empty count.
EARLIEST_DATE = date(1700, 1, 1)
PLAN_VERSION = 1


def parse_date(value: date | str | None, *, end: bool = False) -> date | None:
    """Return ``value`` as a date; accept a date or "YYYY", "YYYY/MM", "YYYY/MM/DD".

    "-" works in place of "/". A year or month alone means its first day, or with
    ``end=True`` its last day, so ``maxdate="2020"`` includes the whole of 2020.
    """
    if value is None or isinstance(value, date):
        return value
    match = re.fullmatch(r"\s*(\d{4})(?:[/-](\d{1,2}))?(?:[/-](\d{1,2}))?\s*", value)
    if not match:
        raise ValueError(f'"{value}" is not a date; use YYYY, YYYY/MM or YYYY/MM/DD.')
    year, month, day = match.groups()
    year = int(year)
    if month is None:
        return date(year, 12, 31) if end else date(year, 1, 1)
    month = int(month)
    if day is None:
        if not end:
            return date(year, month, 1)
        next_month = date(year + month // 12, month % 12 + 1, 1)
        return date.fromordinal(next_month.toordinal() - 1)
    return date(year, month, int(day))


def format_date(value: date) -> str:
    """Return ``value`` in the form E-utilities expect for mindate/maxdate."""
    return value.strftime("%Y/%m/%d")


@dataclass(frozen=True, slots=True)
class DateSlice:
    """One part of a search with at most 10,000 hits.

    ``pmids`` is None, or an inclusive (low, high) PMID range that narrows a single
    busy day. ``count`` is the number of hits when the plan was made.
    """

    index: int
    query: str
    mindate: date
    maxdate: date
    count: int
    pmids: tuple[int, int] | None = None

    @property
    def term(self) -> str:
        """Return the ESearch term for this slice; the dates go in mindate/maxdate."""
        if self.pmids is None:
            return self.query
        low, high = self.pmids
        return f"({self.query}) AND {low}:{high}[uid]"

    def to_dict(self) -> dict:
        """Return the slice as JSON-ready data; the plan holds the query and index."""
        return {
            "mindate": format_date(self.mindate),
            "maxdate": format_date(self.maxdate),
            "count": self.count,
            "pmids": list(self.pmids) if self.pmids else None,
        }

    @classmethod
    def from_dict(cls, data: dict, *, index: int, query: str) -> DateSlice:
        pmids = data.get("pmids")
        return cls(
            index=index,
            query=query,
            mindate=parse_date(data["mindate"]),
            maxdate=parse_date(data["maxdate"]),
            count=int(data["count"]),
            pmids=(int(pmids[0]), int(pmids[1])) if pmids else None,
        )


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """A search cut into slices, and the position of the next batch to fetch.

    ``count`` is what PubMed reported for the query as the user asked for it;
    ``total`` is the sum of the slices, what the download will fetch. They differ only
    if PubMed changed while the plan was made.
    """

    query: str
    mindate: date | None
    maxdate: date | None
    count: int
    query_translation: str
    warnings: tuple[str, ...]
    slices: tuple[DateSlice, ...]
    slice_index: int = 0
    retstart: int = 0

    @property
    def total(self) -> int:
        return sum(s.count for s in self.slices)

    @property
    def done(self) -> bool:
        return self.slice_index >= len(self.slices)

    @property
    def fetched(self) -> int:
        """Return how many records the batches before the position covered."""
        before = sum(s.count for s in self.slices[: self.slice_index])
        if self.done:
            return before
        return before + min(self.retstart, self.slices[self.slice_index].count)

    def after(self, batch) -> SearchPlan:
        """Return this plan with its position moved past ``batch`` (a FetchedBatch).

        The slice keeps the hit count of the search the batch came from: retstart
        only points at the same records while that count holds.
        """
        slices = list(self.slices)
        fetched_from = slices[batch.slice_index]
        slices[batch.slice_index] = dataclasses.replace(fetched_from, count=batch.slice_count)
        slice_index, retstart = batch.next_position
        return dataclasses.replace(
            self, slices=tuple(slices), slice_index=slice_index, retstart=retstart
        )

    def to_dict(self) -> dict:
        return {
            "version": PLAN_VERSION,
            "query": self.query,
            "mindate": format_date(self.mindate) if self.mindate else None,
            "maxdate": format_date(self.maxdate) if self.maxdate else None,
            "count": self.count,
            "query_translation": self.query_translation,
            "warnings": list(self.warnings),
            "slices": [s.to_dict() for s in self.slices],
            "position": {"slice": self.slice_index, "retstart": self.retstart},
        }

    @classmethod
    def from_dict(cls, data: dict) -> SearchPlan:
        if data.get("version") != PLAN_VERSION:
            raise ValueError(f"Unknown search plan version {data.get('version')!r}.")
        return cls(
            query=data["query"],
            mindate=parse_date(data["mindate"]),
            maxdate=parse_date(data["maxdate"]),
            count=int(data["count"]),
            query_translation=data["query_translation"],
            warnings=tuple(data["warnings"]),
            slices=tuple(
                DateSlice.from_dict(s, index=i, query=data["query"])
                for i, s in enumerate(data["slices"])
            ),
            slice_index=int(data["position"]["slice"]),
            retstart=int(data["position"]["retstart"]),
        )
