"""What the Moderators group of the Django admin may do: read users, movies and the audit log;
read and change reviews and reports; add titles (as the API allows); merge duplicate people. Nothing is deleted here and
roles are never changed here."""

MODERATOR_PERMISSIONS = [
    ("accounts", "view_user"),
    ("catalog", "view_movie"),
    ("catalog", "add_movie"),
    ("catalog", "view_moviegenre"),
    ("catalog", "add_moviegenre"),
    ("catalog", "view_movielanguage"),
    ("catalog", "add_movielanguage"),
    ("catalog", "view_moviecast"),
    ("catalog", "add_moviecast"),
    ("catalog", "view_person"),
    ("catalog", "change_person"),  # the admin's merge action (duplicates of one person)
    ("reviews", "view_review"),
    ("reviews", "change_review"),
    ("reviews", "view_reviewvote"),
    ("moderation", "view_report"),
    ("moderation", "change_report"),
    ("moderation", "view_auditlogentry"),
    # Lists can be reported: moderators read them (and their films) in the admin.
    ("lists", "view_filmlist"),
    ("lists", "view_filmlistentry"),
]
