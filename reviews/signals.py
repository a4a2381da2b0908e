"""The one boundary through which other apps learn about reviews (social's feed cache, ...).

`review_changed` is sent after the transaction that changed a review commits, with
`review_id`, `user_id`, `movie_id` and `action` (created|updated|deleted|hidden|restored).
"""

from django.dispatch import Signal

review_changed = Signal()
