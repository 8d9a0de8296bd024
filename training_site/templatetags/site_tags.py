from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from accounts.admin_access import can_access_admin

from ..content_cache import cached, keeps_rendered_html
from ..csp import nonce_in, with_current_nonce

register = template.Library()


@register.simple_tag(takes_context=True)
def breadcrumb_trail(context, page) -> list[dict]:
    """The page's ancestors below the tree's root, as title/url/depth, cached until the
    content changes (one query saved on every page below the home page)."""
    request = context.get("request")
    host = request.get_host() if request is not None else ""

    def build() -> list[dict]:
        return [
            {"title": a.title, "url": a.get_url(request=request) or "", "depth": a.depth}
            for a in page.get_ancestors()[1:]
        ]

    if page.pk is None:
        return build()
    return cached("breadcrumbs", page.pk, host, build=build)


@register.simple_tag(takes_context=True)
def userbar(context, position="bottom-right"):
    """Wagtail's user bar, for people who may use the admin; for everyone else without
    the two permission queries (accounts.admin_access)."""
    request = context.get("request")
    if request is None or not can_access_admin(getattr(request, "user", None)):
        return ""
    return wagtailuserbar(context, position)


class KeptNode(template.Node):
    def __init__(self, name: str, parts, nodelist):
        self.name, self.parts, self.nodelist = name, parts, nodelist

    def render(self, context) -> str:
        request = context.get("request")
        if (
            request is None
            or getattr(request, "is_preview", False)  # a preview shows the draft as edited
            or not keeps_rendered_html()
        ):
            return self.nodelist.render(context)
        parts = [part.resolve(context) for part in self.parts]
        if any(part is None for part in parts):
            return self.nodelist.render(context)  # a part not known: nothing to keep it under

        def build() -> tuple[str, str | None]:
            html = str(self.nodelist.render(context))
            return html, nonce_in(request, html)

        html, nonce = self.keep(
            request,
            f"fragment-{self.name}",
            request.scheme,
            request.get_host(),
            get_language(),
            *parts,
            build=build,
        )
        # A CSP nonce it was rendered with is replaced by this request's (training_site.csp).
        html = with_current_nonce(request, html, nonce)
        # nosemgrep: migof-mark-safe -- the cached text is this tag's own nodelist output, escaped
        return mark_safe(html)  # noqa: S308 - the template's own output, escaped as it rendered

    def keep(self, request, *key, build):
        """`build()`, kept under the key until the content changes."""
        return cached(*key, build=build)


@register.tag("kept")
def kept(parser, token):
    """`{% kept "name" part … %}…{% endkept %}`: the enclosed markup, rendered once per
    name, parts, scheme, host and language, and kept until the content changes (the content
    cache, with this process's copy). For markup that depends on the page's content alone,
    never on the visitor: nothing per request (forms, tokens, progress) may stand inside; a
    CSP nonce may (each request gets its own in its place). A part that is None (a version
    not known while the cache does not answer) keeps nothing: the markup is rendered."""
    return parse_kept(parser, token, KeptNode)


def parse_kept(parser, token, node_class: type[KeptNode]) -> KeptNode:
    """`{% <tag> "name" part … %}…{% end<tag> %}` as a `node_class` (`{% kept %}`, and tags
    that keep the same way under other tokens: courses' `{% kept_for_learner %}`)."""
    bits = token.split_contents()
    tag = bits[0]
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            f"{{% {tag} %}} takes a name and the parts it depends on"
        )
    name = bits[1].strip("\"'")
    nodelist = parser.parse((f"end{tag}",))
    parser.delete_first_token()
    return node_class(name, [parser.compile_filter(bit) for bit in bits[2:]], nodelist)
