"""Course progress as pure computation: fractions, completion, the next step, prev/next."""

from __future__ import annotations

import pytest

from courses.progress import (
    CourseOutline,
    Fraction,
    ItemRef,
    ModuleOutline,
    course_progress,
    is_course_complete,
    module_progress,
    neighbours,
    next_item,
)


def module(module_id: int, item_ids: list[int], code: str = "") -> ModuleOutline:
    items = tuple(ItemRef(id=i, title=f"Lesson {i}", url=f"/l/{i}/") for i in item_ids)
    return ModuleOutline(
        id=module_id, title=f"Module {module_id}", url="", element_code=code, items=items
    )


M1 = module(10, [1, 2], "P2")
M2 = module(20, [3, 4], "P3")
EMPTY = module(30, [])
COURSE = CourseOutline(course_id=1, modules=(M1, M2))
TWICE = CourseOutline(course_id=2, modules=(M1, M2, M1))
NO_ITEMS = CourseOutline(course_id=3, modules=(EMPTY,))
NO_MODULES = CourseOutline(course_id=4, modules=())


@pytest.mark.parametrize(
    ("outline", "completed", "done", "total", "percent", "complete"),
    [
        (COURSE, set(), 0, 4, 0, False),
        (COURSE, {1}, 1, 4, 25, False),
        (COURSE, {1, 3, 4}, 3, 4, 75, False),
        (COURSE, {1, 2, 3, 4}, 4, 4, 100, True),
        (COURSE, {1, 2, 3, 4, 99}, 4, 4, 100, True),  # items of other courses don't count
        (COURSE, {99}, 0, 4, 0, False),
        (TWICE, {1, 2}, 2, 4, 50, False),  # a module listed twice counts once
        (TWICE, {1, 2, 3, 4}, 4, 4, 100, True),
        (NO_ITEMS, set(), 0, 0, 0, False),  # an empty course is never complete
        (NO_MODULES, set(), 0, 0, 0, False),
        (NO_MODULES, {1, 2}, 0, 0, 0, False),
    ],
)
def test_course_progress(outline, completed, done, total, percent, complete):
    fraction = course_progress(outline, completed)
    assert fraction == Fraction(done=done, total=total)
    assert fraction.percent == percent
    assert fraction.complete is complete
    assert is_course_complete(outline, completed) is complete


@pytest.mark.parametrize(
    ("outline_module", "completed", "done", "total", "percent", "complete"),
    [
        (M1, set(), 0, 2, 0, False),
        (M1, {1}, 1, 2, 50, False),
        (M1, {1, 2}, 2, 2, 100, True),
        (M1, {3, 4}, 0, 2, 0, False),  # another module's items
        (module(40, [1, 2, 3]), {1}, 1, 3, 33, False),  # percent rounds down
        (module(41, [1, 2, 3]), {1, 2}, 2, 3, 66, False),
        (EMPTY, set(), 0, 0, 0, False),
    ],
)
def test_module_progress(outline_module, completed, done, total, percent, complete):
    fraction = module_progress(outline_module, completed)
    assert (fraction.done, fraction.total) == (done, total)
    assert fraction.percent == percent
    assert fraction.complete is complete


def test_course_items_are_in_course_order_and_each_once():
    assert [item.id for item in TWICE.items] == [1, 2, 3, 4]
    assert CourseOutline(course_id=5, modules=(M2, M1)).items[0].id == 3


@pytest.mark.parametrize(
    ("outline", "completed", "expected"),
    [
        (COURSE, set(), 1),
        (COURSE, {1}, 2),
        (COURSE, {1, 2}, 3),  # into the next module
        (COURSE, {2, 3}, 1),  # the first gap, not the one after the last completed
        (COURSE, {1, 2, 4}, 3),
        (CourseOutline(course_id=5, modules=(M2, M1)), set(), 3),  # course order, not ids
        (COURSE, {1, 2, 3, 4}, None),
        (NO_ITEMS, set(), None),
    ],
)
def test_next_item_follows_course_order(outline, completed, expected):
    item = next_item(outline, completed)
    assert (item.id if item else None) == expected


@pytest.mark.parametrize(
    ("item_id", "previous", "following"),
    [
        (1, None, 2),
        (2, 1, 3),  # last of module 1 → first of module 2
        (3, 2, 4),  # first of module 2 ← last of module 1
        (4, 3, None),
        (99, None, None),  # not in the course
    ],
)
def test_neighbours_cross_module_boundaries(item_id, previous, following):
    before, after = neighbours(COURSE, item_id)
    assert (before.id if before else None) == previous
    assert (after.id if after else None) == following


def test_neighbours_in_a_course_listing_a_module_twice():
    assert [x.id if x else None for x in neighbours(TWICE, 4)] == [3, None]


@pytest.mark.parametrize(
    ("outline", "codes"),
    [
        (COURSE, ("P2", "P3")),
        (TWICE, ("P2", "P3")),
        (CourseOutline(course_id=6, modules=(M2, M1)), ("P3", "P2")),
        (NO_ITEMS, ()),
    ],
)
def test_element_codes_in_course_order_without_repeats(outline, codes):
    assert outline.element_codes == codes
