"""The shared HTML -> PDF helper: page numbers, Greek and Arabic text, no network."""

import io

from pypdf import PdfReader

from notifications.documents import html_to_pdf


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_pdf_has_page_numbers_and_greek_text():
    body = "".join(f"<p>Παράγραφος {i}: τα στοιχεία σας.</p>" for i in range(120))
    pdf = html_to_pdf(
        f"<html lang='el'><head><title>Ειδοποίηση</title></head><body>{body}</body></html>"
    )
    pages = _text(pdf)
    assert pdf.startswith(b"%PDF-")
    assert len(pages) >= 2
    assert "Παράγραφος 0" in pages[0]
    assert f"1 / {len(pages)}" in pages[0]
    assert f"{len(pages)} / {len(pages)}" in pages[-1]
    assert PdfReader(io.BytesIO(pdf)).metadata.title == "Ειδοποίηση"


def test_arabic_right_to_left_renders():
    pdf = html_to_pdf("<html lang='ar' dir='rtl'><body><p>إشعار بخرق البيانات</p></body></html>")
    assert len(_text(pdf)) == 1


def test_external_resources_are_never_fetched():
    html = "<html><body><img src='http://127.0.0.1:9/x.png'><p>still renders</p></body></html>"
    assert "still renders" in _text(html_to_pdf(html))[0]
