from . import dashboard  # noqa: F401 - registers the learner dashboard section
