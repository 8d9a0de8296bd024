from .pages import (
    FrameworkElementPage,
    FrameworkPage,
    IndicatorIndexPage,
    LessonPage,
    LibraryPage,
    ModulePage,
)
from .snippets import (
    DomainElementLink,
    Indicator,
    IndicatorDomain,
    IndicatorFramework,
    KeyDocument,
    ResponseLevel,
)

__all__ = [
    "DomainElementLink",
    "FrameworkElementPage",
    "FrameworkPage",
    "Indicator",
    "IndicatorDomain",
    "IndicatorFramework",
    "IndicatorIndexPage",
    "KeyDocument",
    "LessonPage",
    "LibraryPage",
    "ModulePage",
    "ResponseLevel",
]
