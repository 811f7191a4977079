//! A page as a list of shared pieces: text rendered for this response, with kept renderings
//! (a review page's body, its round blocks) placed in it by reference instead of copied, and
//! the body that sends them in order with their total length. A rendering kept for many
//! responses can have its short pieces copied together once, so that it goes out in few buffers.
//!
//! A template marks where a kept piece goes with [`SLOT`]. The marker starts with `<`, which
//! escaped text never contains, so only the template itself can write it.

use std::{
    collections::VecDeque,
    convert::Infallible,
    pin::Pin,
    task::{Context, Poll},
};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};

/// Where a template places a kept piece (a constant, written with the `safe` filter).
pub const SLOT: &str = "<!--piece-->";

/// Text in order, each piece shared rather than copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pieces(Vec<Bytes>);

/// A rendering whose [`SLOT`]s did not match the pieces given for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{slots} slots in the template, {fills} pieces for them")]
pub struct SlotMismatch {
    pub slots: usize,
    pub fills: usize,
}

impl Pieces {
    /// `rendered` with its slots filled, in order, by `fills`: the text between the slots is
    /// cut out of `rendered` without copying, and each fill goes in as it is.
    pub fn fill(rendered: String, fills: Vec<Pieces>) -> Result<Self, SlotMismatch> {
        Self::filled(rendered, fills, Joined::by_reference())
    }

    /// Like [`fill`](Self::fill), but runs of pieces shorter than [`COPY_UNDER`] are copied
    /// into one, so the result has few pieces: for a rendering that is kept and sent many
    /// times, which then pays the copy once.
    pub fn fill_compact(rendered: String, fills: Vec<Pieces>) -> Result<Self, SlotMismatch> {
        Self::filled(rendered, fills, Joined::compact())
    }

    fn filled(
        rendered: String,
        fills: Vec<Pieces>,
        mut pieces: Joined,
    ) -> Result<Self, SlotMismatch> {
        let at: Vec<usize> = memchr::memmem::find_iter(rendered.as_bytes(), SLOT).collect();
        if at.len() != fills.len() {
            return Err(SlotMismatch {
                slots: at.len(),
                fills: fills.len(),
            });
        }
        let text = Bytes::from(rendered);
        let mut start = 0;
        for (slot, fill) in at.into_iter().zip(fills) {
            pieces.push(text.slice(start..slot));
            fill.0.into_iter().for_each(|p| pieces.push(p));
            start = slot + SLOT.len();
        }
        pieces.push(text.slice(start..));
        Ok(pieces.finish())
    }

    /// Bytes in all.
    fn byte_len(&self) -> usize {
        self.0.iter().map(Bytes::len).sum()
    }

    /// A response body sending the pieces in order, with their total length known up front.
    pub fn into_body(self) -> PiecesBody {
        PiecesBody {
            remaining: self.byte_len() as u64,
            pieces: self.0.into(),
        }
    }
}

/// In [`Pieces::fill_compact`], pieces shorter than this are copied together with their short
/// neighbours rather than kept as buffers of their own: hyper writes at most 16 buffers at
/// once, and a response in more than one write costs another system call and segment. Longer
/// pieces (the kept round blocks) still go by reference.
const COPY_UNDER: usize = 4096;

/// [`Pieces`] being put together: long pieces by reference, and (when compacting) runs of
/// short ones copied into one.
struct Joined {
    pieces: Vec<Bytes>,
    run: BytesMut,
    copy_under: usize,
}

impl Joined {
    fn by_reference() -> Self {
        Self::copying_under(1)
    }

    fn compact() -> Self {
        Self::copying_under(COPY_UNDER)
    }

    /// Copies only pieces shorter than `copy_under` (1: only empty ones, which vanish).
    fn copying_under(copy_under: usize) -> Self {
        Self {
            pieces: Vec::new(),
            run: BytesMut::new(),
            copy_under,
        }
    }

    fn push(&mut self, piece: Bytes) {
        if piece.len() >= self.copy_under {
            self.end_run();
            self.pieces.push(piece);
        } else {
            self.run.extend_from_slice(&piece);
        }
    }

    fn end_run(&mut self) {
        if !self.run.is_empty() {
            self.pieces.push(self.run.split().freeze());
        }
    }

    fn finish(mut self) -> Pieces {
        self.end_run();
        Pieces(self.pieces)
    }
}

impl From<Bytes> for Pieces {
    fn from(piece: Bytes) -> Self {
        Self(vec![piece])
    }
}

/// The body of a page sent as [`Pieces`]: one frame per piece, and an exact size, so the
/// response carries a `Content-Length`.
#[derive(Debug)]
pub struct PiecesBody {
    pieces: VecDeque<Bytes>,
    remaining: u64,
}

impl http_body::Body for PiecesBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = self.pieces.pop_front();
        if let Some(piece) = &next {
            self.remaining -= piece.len() as u64;
        }
        Poll::Ready(next.map(|p| Ok(Frame::data(p))))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use http_body::Body as _;
    use http_body_util::BodyExt;

    use super::*;

    fn text(s: &'static str) -> Pieces {
        Pieces::from(Bytes::from_static(s.as_bytes()))
    }

    fn joined(p: &Pieces) -> Vec<u8> {
        p.0.concat()
    }

    #[test]
    fn slots_are_filled_in_order_and_the_text_around_them_kept() {
        let page = format!("<main>{SLOT}<hr>{SLOT}</main>");
        let filled = Pieces::fill(page, vec![text("one"), text("two")]).unwrap();
        assert_eq!(joined(&filled), b"<main>one<hr>two</main>");
        assert_eq!(filled.byte_len(), 23);
        let nested = Pieces::fill(format!("a{SLOT}c"), vec![filled]).unwrap();
        assert_eq!(joined(&nested), b"a<main>one<hr>two</main>c");
    }

    #[test]
    fn compacting_joins_short_pieces_and_keeps_long_ones_by_reference() {
        let long = Bytes::from(vec![b'x'; COPY_UNDER]);
        let page = format!("<a>{SLOT}<b>{SLOT}<c>{SLOT}{SLOT}<d>");
        let fills = vec![text("1"), Pieces::from(long.clone()), text("2"), text("3")];
        let plain = Pieces::fill(page.clone(), fills.clone()).unwrap();
        assert_eq!(plain.0.len(), 8, "every non-empty piece by reference");
        let filled = Pieces::fill_compact(page, fills).unwrap();
        assert_eq!(filled.0.len(), 3, "short run, the long piece, short run");
        assert_eq!(joined(&plain), joined(&filled));
        assert_eq!(&filled.0[0][..], b"<a>1<b>");
        assert_eq!(filled.0[1].as_ptr(), long.as_ptr(), "not copied");
        assert_eq!(&filled.0[2][..], b"<c>23<d>");
        let mut expected = b"<a>1<b>".to_vec();
        expected.extend_from_slice(&long);
        expected.extend_from_slice(b"<c>23<d>");
        assert_eq!(joined(&filled), expected);
    }

    #[test]
    fn slots_and_fills_that_do_not_match_are_refused() {
        assert_eq!(
            Pieces::fill(format!("{SLOT}{SLOT}"), vec![text("x")]),
            Err(SlotMismatch { slots: 2, fills: 1 })
        );
        assert_eq!(
            Pieces::fill("no slot".into(), vec![text("x")]),
            Err(SlotMismatch { slots: 0, fills: 1 })
        );
        let plain = Pieces::fill("no slot".into(), Vec::new()).unwrap();
        assert_eq!(joined(&plain), b"no slot");
    }

    #[tokio::test]
    async fn the_body_sends_every_piece_and_says_its_length_first() {
        let body = Pieces::fill(format!("<p>{SLOT}</p>"), vec![text("ü")])
            .unwrap()
            .into_body();
        assert_eq!(body.size_hint().exact(), Some(9));
        let sent = body.collect().await.unwrap().to_bytes();
        assert_eq!(&sent[..], "<p>ü</p>".as_bytes());
    }
}
