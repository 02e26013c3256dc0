"""Selectors: functions that read. Services write (`<entity>_<action>`); selectors only read and
return plain values (dicts, dataclasses, lists) for views, exports, commands and services. Views
import access, forms, services, selectors, the htmx helper and models, never another view.

One module per topic: screening (progress, agreement per pair, the screening dashboard),
dedup (overview and dashboard), fulltext, imports, prisma (counts and open work), pubmed,
stopping, and dashboard (every section of the review dashboard together)."""
