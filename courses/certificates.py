"""The certificate PDF: learner, course, date, MIGOF elements, verification code, URL and QR."""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

BRAND = HexColor("#0b3c74")
INK = HexColor("#1b1f24")
MUTED = HexColor("#4a5563")


def verification_url(code: str) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("certificate_verify", args=[code])


def render_certificate_pdf(certificate) -> bytes:
    """The PDF, in the active language (the service activates the learner's)."""
    url = verification_url(certificate.code)
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(_("Certificate %(code)s") % {"code": certificate.code})
    pdf.setAuthor("MIGOF Academy")
    pdf.setSubject(certificate.course_title)

    pdf.setStrokeColor(BRAND)
    pdf.setLineWidth(6)
    pdf.rect(24, 24, width - 48, height - 48)

    pdf.setFillColor(BRAND)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawCentredString(width / 2, height - 90, "MIGOF Academy")
    pdf.setFillColor(INK)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 140, _("Certificate of completion"))
    pdf.setFont("Helvetica-Bold", 30)
    pdf.drawCentredString(width / 2, height - 200, certificate.learner_name)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 235, _("has completed the course"))
    pdf.setFont("Helvetica-Bold", 20)
    pdf.drawCentredString(width / 2, height - 270, certificate.course_title[:90])
    pdf.setFont("Helvetica", 12)
    pdf.setFillColor(MUTED)
    completed_on = date_format(certificate.completed_on, "j F Y")
    pdf.drawCentredString(
        width / 2, height - 300, _("Completed on %(date)s") % {"date": completed_on}
    )
    if certificate.elements_covered:
        pdf.drawCentredString(
            width / 2,
            height - 320,
            _("Migration Governance Framework elements covered: %(codes)s")
            % {"codes": certificate.elements_covered},
        )

    qr = QrCodeWidget(url)
    x0, y0, x1, y1 = qr.getBounds()
    size = 110
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, 60, 50)
    pdf.setFillColor(INK)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(180, 110, _("Verification code: %(code)s") % {"code": certificate.code})
    pdf.drawString(180, 94, _("Verify at: %(url)s") % {"url": url})
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
