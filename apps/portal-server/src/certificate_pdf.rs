//! Certificates as PDF files (krilla), typeset in DejaVu Serif (bundled: the fonts' licence is
//! in `assets/fonts/`), A4 landscape: the organisation, the holder, the course, the date and
//! the code with the address where anyone can check it.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

const SERIF: &[u8] = include_bytes!("../assets/fonts/DejaVuSerif.ttf");
const SERIF_BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSerif-Bold.ttf");

/// A4 landscape, in points.
const WIDTH: f32 = 842.0;
const HEIGHT: f32 = 595.0;

/// What a certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateText {
    /// Who issues it.
    pub organisation: String,
    /// Who it is made out to.
    pub holder: String,
    /// For which course.
    pub course: String,
    /// When (a date).
    pub issued: String,
    /// The verification code.
    pub code: String,
    /// Where to check it.
    pub check_at: String,
}

/// Why no PDF could be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The bundled font could not be read.
    #[error("the bundled font cannot be read")]
    Font,
    /// krilla refused the document.
    #[error("the PDF could not be written: {0:?}")]
    Write(krilla::error::KrillaError),
}

/// One line of the certificate: its font, size, baseline and colour.
type Line<'a> = (&'a Font, f32, f32, String, (u8, u8, u8));

fn colour(r: u8, g: u8, b: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// The certificate as PDF bytes.
///
/// # Errors
/// [`PdfError`] when the font or the writer fails.
pub fn render(text: &CertificateText) -> Result<Vec<u8>, PdfError> {
    let serif = Font::new(SERIF.into(), 0).ok_or(PdfError::Font)?;
    let bold = Font::new(SERIF_BOLD.into(), 0).ok_or(PdfError::Font)?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("Certificate: {} — {}", text.course, text.holder))
            .creator(text.organisation.clone()),
    );
    let settings = PageSettings::from_wh(WIDTH, HEIGHT).ok_or(PdfError::Font)?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    // A border.
    if let Some(border) = Rect::from_xywh(28.0, 28.0, WIDTH - 56.0, HEIGHT - 56.0) {
        let mut path = PathBuilder::new();
        path.push_rect(border);
        if let Some(path) = path.finish() {
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: rgb::Color::new(91, 60, 196).into(),
                width: 3.0,
                ..Default::default()
            }));
            surface.draw_path(&path);
            surface.set_stroke(None);
        }
    }
    let lines: [Line<'_>; 7] = [
        (&bold, 22.0, 110.0, text.organisation.clone(), (91, 60, 196)),
        (
            &serif,
            16.0,
            170.0,
            "certifies that".to_owned(),
            (60, 60, 60),
        ),
        (&bold, 34.0, 230.0, text.holder.clone(), (20, 20, 20)),
        (
            &serif,
            16.0,
            285.0,
            "has completed the course".to_owned(),
            (60, 60, 60),
        ),
        (&bold, 26.0, 335.0, text.course.clone(), (20, 20, 20)),
        (
            &serif,
            14.0,
            420.0,
            format!("Issued on {}", text.issued),
            (60, 60, 60),
        ),
        (
            &serif,
            11.0,
            500.0,
            format!("Certificate {} · check it at {}", text.code, text.check_at),
            (90, 90, 90),
        ),
    ];
    for (font, size, y, line, (r, g, b)) in lines {
        surface.set_fill(Some(colour(r, g, b)));
        surface.draw_text(
            Point::from_xy(80.0, y),
            font.clone(),
            size,
            &line,
            false,
            TextDirection::Auto,
        );
    }
    surface.finish();
    page.finish();
    document.finish().map_err(PdfError::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_a_pdf_that_names_its_holder_and_code() {
        let pdf = render(&CertificateText {
            organisation: "Kexara".to_owned(),
            holder: "Ada Lovelace".to_owned(),
            course: "Privacy essentials".to_owned(),
            issued: "2026-12-02".to_owned(),
            code: "ABCD-EFGH-JKMN".to_owned(),
            check_at: "http://127.0.0.1:3000/certificates/verify".to_owned(),
        })
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 2_000);
        let tail = String::from_utf8_lossy(&pdf[pdf.len() - 64..]);
        assert!(tail.contains("%%EOF"), "{tail}");
    }
}
