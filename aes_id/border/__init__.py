"""Border posts: the agent's offline check, the post's synced lists, its journal, and what the
central border service does once posts sync.

A border post has the card, the lists it last synced and its clock; never the
registry (nothing here imports :mod:`aes_id.registry`).

* :mod:`~aes_id.border.check`: verify at a post, compare the bearer (face, 1:1
  fingerprint hook), decide admit/refer/refuse, build the crossing record.
* :mod:`~aes_id.border.sync`: fetch, verify and merge the operator's exported
  lists, refusing rollbacks.
* :mod:`~aes_id.border.station`: a post on disk (pinned root, lists, journal).
* :mod:`~aes_id.border.journal`: the SQLite journal of crossings, syncs, alerts.
* :mod:`~aes_id.border.correlate` and :mod:`~aes_id.border.central`: clones and
  re-checks after the fact.
* :mod:`~aes_id.border.fingers`: the default 1:1 matcher for card templates.
"""
