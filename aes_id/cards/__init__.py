"""A card's life in the registry: issued, shown, printed, revoked, re-issued.

- :mod:`aes_id.cards.issue`: a resident becomes a signed card and a log leaf, in
  one transaction (``issue_cards``, ``pending_nins``); a replacement revokes the
  card it replaces and re-signs the revocation list in the same transaction.
- :mod:`aes_id.cards.revoke`: a card revoked, its state's list re-signed.
- :mod:`aes_id.cards.views`: what an officer sees of a card (``card_view``,
  ``cards_of``) and the printed MRZ.
- :mod:`aes_id.cards.printing`: choosing cards to print, PDFs, sheets and previews.

Verification lives in :mod:`aes_id.verify` (a border post has no registry), and
the signature log in :mod:`aes_id.audit`.
"""
