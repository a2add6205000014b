//! Piecewise SQL_C_WCHAR reads of long text values. Each SQLGetData piece encodes only its
//! own part of the value, resuming where the previous piece stopped, so reading a value of
//! n bytes in pieces costs O(n) in all rather than O(n) per piece.
//!
//! The pieces are exactly what encoding the whole value and cutting it into whole wide units
//! gives (see the module docs of `convert`): a surrogate pair may be split between two
//! pieces, and their concatenation restores the text.

use super::Written;
use crate::odbc::wide;

/// Where a piecewise SQL_C_WCHAR read of one text value stands.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WideCursor {
    /// Set once the value was checked as UTF-8 and measured; a default cursor is unset.
    ready: bool,
    /// Wide bytes delivered when the cursor was saved: a call at another offset starts over.
    delivered: usize,
    /// Byte position in the UTF-8 value of the first character not wholly delivered.
    src: usize,
    /// Wide units of that character already delivered (1 after a split surrogate pair).
    units_done: usize,
    /// Wide bytes the whole value takes.
    total: usize,
}

/// The wide units of one character: (units, how many of them are used).
fn units_of(ch: char, unit: usize) -> ([u32; 2], usize) {
    if unit == 4 {
        return ([u32::from(ch), 0], 1);
    }
    let mut pair = [0u16; 2];
    let used = ch.encode_utf16(&mut pair).len();
    ([u32::from(pair[0]), u32::from(pair[1])], used)
}

/// Stores one wide unit at the start of `dst` (which is `unit` bytes long).
fn put_unit(dst: &mut [u8], value: u32, unit: usize) {
    if unit == 4 {
        dst.copy_from_slice(&value.to_ne_bytes());
    } else {
        // Values come from `units_of`, which gives 16-bit units when `unit` is 2.
        let half = u16::try_from(value).unwrap_or(u16::MAX);
        dst.copy_from_slice(&half.to_ne_bytes());
    }
}

impl WideCursor {
    /// A cursor at `offset` wide bytes into `raw`, checking and measuring the whole value:
    /// `None` when `raw` is not UTF-8 or `offset` is not on a wide unit.
    fn start(raw: &[u8], offset: usize, unit: usize) -> Option<WideCursor> {
        let text = std::str::from_utf8(raw).ok()?;
        if !offset.is_multiple_of(unit) {
            return None;
        }
        let mut cursor = WideCursor {
            ready: true,
            delivered: offset,
            src: 0,
            units_done: 0,
            total: wide::len_units(text) * unit,
        };
        // Only when the application changed targets mid-value: walk to the offset.
        let mut skip = offset / unit;
        for (at, ch) in text.char_indices() {
            if skip == 0 {
                break;
            }
            let used = units_of(ch, unit).1;
            cursor.src = at;
            if skip < used {
                cursor.units_done = skip;
                return Some(cursor);
            }
            skip -= used;
            cursor.src = at + ch.len_utf8();
        }
        Some(cursor)
    }
}

/// Delivers the text value `raw` (UTF-8) as SQL_C_WCHAR from `offset` wide bytes on into
/// `out`, with a terminator when it fits, resuming from `cursor` when it was saved at the
/// same offset. Gives exactly what encoding the whole value and writing it from `offset`
/// would; `None` when `raw` is not UTF-8 (the general path reports that).
pub fn write_wide_text(
    raw: &[u8],
    out: &mut [u8],
    offset: usize,
    cursor: &mut WideCursor,
) -> Option<Written> {
    let unit = wide::unit();
    let mut at = if cursor.ready && cursor.delivered == offset {
        *cursor
    } else {
        WideCursor::start(raw, offset, unit)?
    };
    let remaining = at.total.saturating_sub(offset);
    let room = out.len().saturating_sub(unit) / unit;
    // A unit takes at least one source byte and a character at most four, so this window
    // holds every character the piece can take.
    let window_end = raw.len().min(
        at.src
            .saturating_add(room.saturating_mul(4))
            .saturating_add(4),
    );
    let window = raw.get(at.src..window_end)?;
    let text = match std::str::from_utf8(window) {
        Ok(text) => text,
        // The window may end inside a character; anything else is not UTF-8.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&window[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let mut written = 0usize;
    'chars: for ch in text.chars() {
        let (units, used) = units_of(ch, unit);
        while at.units_done < used {
            if written == room * unit {
                break 'chars;
            }
            put_unit(
                &mut out[written..written + unit],
                units[at.units_done],
                unit,
            );
            written += unit;
            at.units_done += 1;
        }
        at.src += ch.len_utf8();
        at.units_done = 0;
    }
    if let Some(terminator) = out.get_mut(written..written + unit) {
        terminator.fill(0);
    }
    at.delivered = offset + written;
    *cursor = at;
    Some(Written {
        len: written,
        total: Some(remaining),
        truncated: written < remaining,
        fractional_truncation: false,
    })
}
