"""Course progress as pure computation: outlines and sets of ids in, fractions and next
steps out. No ORM, no request, no clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ItemRef:
    id: int
    title: str
    url: str = ""


@dataclass(frozen=True)
class ModuleOutline:
    id: int
    title: str
    url: str
    element_code: str
    items: tuple[ItemRef, ...]


@dataclass(frozen=True)
class CourseOutline:
    course_id: int
    modules: tuple[ModuleOutline, ...]

    @property
    def items(self) -> tuple[ItemRef, ...]:
        """Every item once, in course order (a module listed twice counts once)."""
        seen: set[int] = set()
        ordered = []
        for module in self.modules:
            for item in module.items:
                if item.id not in seen:
                    seen.add(item.id)
                    ordered.append(item)
        return tuple(ordered)

    @property
    def element_codes(self) -> tuple[str, ...]:
        codes: list[str] = []
        for module in self.modules:
            if module.element_code and module.element_code not in codes:
                codes.append(module.element_code)
        return tuple(codes)


@dataclass(frozen=True)
class Fraction:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return 0 if self.total == 0 else (100 * self.done) // self.total

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def _fraction(items: Iterable[ItemRef], completed: set[int]) -> Fraction:
    ids = {item.id for item in items}
    return Fraction(done=len(ids & completed), total=len(ids))


def module_progress(module: ModuleOutline, completed: set[int]) -> Fraction:
    return _fraction(module.items, completed)


def course_progress(outline: CourseOutline, completed: set[int]) -> Fraction:
    return _fraction(outline.items, completed)


def is_course_complete(outline: CourseOutline, completed: set[int]) -> bool:
    return course_progress(outline, completed).complete


def next_item(outline: CourseOutline, completed: set[int]) -> ItemRef | None:
    """The first item, in course order, that is not completed yet."""
    return next((item for item in outline.items if item.id not in completed), None)


def neighbours(outline: CourseOutline, item_id: int) -> tuple[ItemRef | None, ItemRef | None]:
    """The items before and after this one, across the modules of the course."""
    items = outline.items
    for index, item in enumerate(items):
        if item.id == item_id:
            before = items[index - 1] if index > 0 else None
            after = items[index + 1] if index + 1 < len(items) else None
            return before, after
    return None, None
