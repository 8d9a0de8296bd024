"""Guidance search. A first, database-backed version: the full service arrives with its issue."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from wagtail.models import Page

MAX_QUERY_LENGTH = 200
PAGE_SIZE = 10


@dataclass
class SearchResults:
    query: str
    page: object | None
    paginator: Paginator | None
    message: str = ""


def clean_query(raw: str | None) -> str:
    """Words only: quotes and operators would reach the full-text engine's own syntax."""
    text = re.sub(r"[^\w\s.\-]", " ", raw or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search_guidance(raw_query: str | None, page_number: str | None) -> SearchResults:
    query = clean_query(raw_query)
    if not any(ch.isalnum() for ch in query):
        return SearchResults(query=query, page=None, paginator=None)
    results = Page.objects.live().public().specific().search(query)
    paginator = Paginator(results, PAGE_SIZE)
    try:
        page = paginator.page(page_number or 1)
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    return SearchResults(query=query, page=page, paginator=paginator)
