from .learning import Certificate, Enrolment, ItemProgress
from .pages import CourseIndexPage, CourseModule, CoursePage

__all__ = [
    "Certificate",
    "CourseIndexPage",
    "CourseModule",
    "CoursePage",
    "Enrolment",
    "ItemProgress",
]
