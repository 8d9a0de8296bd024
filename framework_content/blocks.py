"""StreamField blocks shared across the site. App-specific blocks compose these."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

# Editors get formatting, links and lists; never raw HTML.
RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"]


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        template = "framework_content/blocks/heading.html"
        form_classname = "title"


class KeyPointBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=120)
    text = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link"])

    class Meta:
        icon = "pick"
        label = _("Key point")
        template = "framework_content/blocks/key_point.html"


class DocumentQuoteBlock(blocks.StructBlock):
    """A quotation from a key document, always with its citation."""

    quote = blocks.TextBlock(label=_("Quotation"))
    document = SnippetChooserBlock("framework_content.KeyDocument", label=_("Key document"))
    location = blocks.CharBlock(
        label=_("Paragraph or page"), required=False, max_length=60, help_text=_("e.g. para. 63")
    )

    class Meta:
        icon = "openquote"
        label = _("Quote from a key document")
        template = "framework_content/blocks/document_quote.html"


class AccessibleImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_("What the image shows, for people who cannot see it. Required."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "framework_content/blocks/image.html"

    def clean(self, value):
        value = super().clean(value)
        if not value.get("alt_text", "").strip():
            raise blocks.StructBlockValidationError(
                block_errors={"alt_text": ValidationError(_("Describe the image."))}
            )
        return value


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(label=_("Video URL"))
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    transcript = blocks.RichTextBlock(
        label=_("Transcript"),
        features=["bold", "italic", "ol", "ul"],
        help_text=_("Required: people on slow connections or who cannot hear read this."),
    )

    class Meta:
        icon = "media"
        label = _("Video with transcript")
        template = "framework_content/blocks/video.html"


class ReflectionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock(label=_("Question to reflect on"))

    class Meta:
        icon = "help"
        label = _("Reflection prompt")
        template = "framework_content/blocks/reflection.html"


class IndicatorReferenceBlock(blocks.StructBlock):
    indicator = SnippetChooserBlock("framework_content.Indicator", label=_("Indicator"))
    note = blocks.TextBlock(label=_("Why it matters here"), required=False)

    class Meta:
        icon = "list-ul"
        label = _("Indicator reference")
        template = "framework_content/blocks/indicator_reference.html"


class LessonStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock(label=_("Heading"))
    paragraph = blocks.RichTextBlock(label=_("Rich text"), features=RICH_TEXT_FEATURES)
    key_point = KeyPointBlock()
    quote = DocumentQuoteBlock()
    image = AccessibleImageBlock()
    video = VideoBlock()
    reflection = ReflectionBlock()
    indicator_reference = IndicatorReferenceBlock()


class BodyStreamBlock(blocks.StreamBlock):
    """For overview pages: fewer block types than a lesson."""

    heading = HeadingBlock(label=_("Heading"))
    paragraph = blocks.RichTextBlock(label=_("Rich text"), features=RICH_TEXT_FEATURES)
    key_point = KeyPointBlock()
    quote = DocumentQuoteBlock()
    image = AccessibleImageBlock()
