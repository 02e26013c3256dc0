"""Screening rules that need no database. Pure: no Django."""
import hashlib
import math


def outcome_from_verdicts(verdicts, needed):
    """Return the stage outcome of a record from its reviewers' verdicts: "pending" until
    `needed` verdicts are in; then "included" when all include, "excluded" when all exclude,
    and "conflict" for any disagreement or any maybe."""
    verdicts = [v for v in verdicts if v]
    if len(verdicts) < needed:
        return "pending"
    if all(v == "include" for v in verdicts):
        return "included"
    if all(v == "exclude" for v in verdicts):
        return "excluded"
    return "conflict"


def fulltext_outcome(votes, needed):
    """Return (outcome, reason) of a report at full text from its reviewers' (verdict,
    reason) votes: as outcome_from_verdicts, except that an exclusion needs everyone to give
    the same reason, since PRISMA counts excluded reports per reason; different reasons are a
    conflict for the lead. The reason is the agreed one for an exclusion, else empty."""
    votes = [(verdict, reason) for verdict, reason in votes if verdict]
    outcome = outcome_from_verdicts([verdict for verdict, _ in votes], needed)
    if outcome != "excluded":
        return outcome, ""
    reasons = {reason for _, reason in votes}
    if len(reasons) > 1:
        return "conflict", ""
    return outcome, reasons.pop()


def reviewer_seed(review_id, reviewer_id, stage):
    """Return the reviewer's stable starting point in the review's shuffled order: a signed
    32-bit number, like the order keys. Different reviewers start at different places."""
    digest = hashlib.md5(f"{review_id}:{reviewer_id}:{stage}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def start_offset(rank, count, total):
    """Return how many records into the shuffled order the reviewer ranked `rank` (from 0) of
    `count` starts: evenly spaced, so with more reviewers than votes per record each one first
    screens records nobody has, then meets the others' records, and everyone ends with about
    the same share."""
    return (rank * total) // max(count, 1)


def share_of(total_records, reviewers_per_record, reviewer_count):
    """Return how many records one reviewer is expected to screen when the work is spread
    evenly: all of them when there are no more reviewers than votes per record."""
    if reviewer_count <= 0:
        return total_records
    if reviewer_count <= reviewers_per_record:
        return total_records
    return math.ceil(total_records * reviewers_per_record / reviewer_count)
