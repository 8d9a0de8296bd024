from wagtail import hooks

from . import kept_user

# The user admin's bulk actions write with QuerySet.update(), which sends no signal.
hooks.register("after_bulk_action", kept_user.after_bulk_action)
