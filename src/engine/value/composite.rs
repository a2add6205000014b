//! Values built of other values: arrays (and int2vector / oidvector), records, ranges and
//! multiranges, rendered with PostgreSQL's quoting rules. Elements go back through
//! `decode_at` one level deeper, so [`super::MAX_DEPTH`] bounds the nesting.

use super::{decode_at, oid, raw_fallback, Reader, ValueError};
use std::fmt::Write as _;
use tokio_postgres::types::{Field, Type};

/// The type to decode an embedded value with: the declared type if its oid matches,
/// else whatever tokio-postgres knows for the oid, else `None` (raw fallback).
fn resolve(oid: u32, hint: Option<&Type>) -> Option<Type> {
    match hint {
        Some(h) if h.oid() == oid => Some(h.clone()),
        _ => Type::from_oid(oid),
    }
}

/// Decodes an embedded value and renders it as text; `None` for SQL NULL.
fn embedded_text(
    ty: Option<&Type>,
    raw: Option<&[u8]>,
    depth: usize,
) -> Result<Option<String>, ValueError> {
    let Some(raw) = raw else { return Ok(None) };
    let datum = match ty {
        Some(t) => decode_at(t, raw, depth + 1)?,
        None => raw_fallback(raw),
    };
    Ok(Some(datum.pg_text().into_owned()))
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ArrayStyle {
    /// `{1,2,NULL}` with PostgreSQL's quoting rules.
    Braces,
    /// int2vector / oidvector: `1 2 3`.
    Vector,
}

#[inline]
pub(super) fn decode_array(
    ty: &Type,
    elem_hint: Option<&Type>,
    raw: &[u8],
    depth: usize,
    style: ArrayStyle,
) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let ndim = r.i32()?;
    let _has_null = r.i32()?;
    let elem_oid = r.u32()?;
    let ndim = usize::try_from(ndim).map_err(|_| r.err("negative dimension count"))?;
    if ndim > 6 {
        return Err(r.err("more than 6 array dimensions"));
    }
    let mut dims = Vec::with_capacity(ndim);
    let mut total: usize = 1;
    for _ in 0..ndim {
        let size = usize::try_from(r.i32()?).map_err(|_| r.err("negative dimension size"))?;
        let lower = r.i32()?;
        total = total
            .checked_mul(size)
            .ok_or_else(|| r.err("array too large"))?;
        dims.push((size, lower));
    }
    if ndim == 0 {
        total = 0;
    }
    // Each element takes at least its 4-byte length: refuse counts the data cannot hold
    // before allocating for them.
    if total > r.remaining() / 4 {
        return Err(r.err("element count exceeds data"));
    }
    let elem_ty = resolve(elem_oid, elem_hint);
    let mut elems = Vec::with_capacity(total);
    for _ in 0..total {
        let v = r.sub_value()?;
        elems.push(embedded_text(elem_ty.as_ref(), v, depth)?);
    }
    r.finish()?;

    if style == ArrayStyle::Vector {
        let parts: Vec<&str> = elems.iter().map(|e| e.as_deref().unwrap_or("")).collect();
        return Ok(parts.join(" "));
    }
    if total == 0 {
        return Ok("{}".into());
    }
    let delim = if elem_oid == oid::BOX { ';' } else { ',' };
    let mut out = String::new();
    if dims.iter().any(|&(_, lower)| lower != 1) {
        for &(size, lower) in &dims {
            // size <= total fits i64; computing in i64 avoids i32 overflow at the top end.
            let upper = i64::from(lower) + i64::try_from(size).unwrap_or(i64::MAX) - 1;
            let _ = write!(out, "[{lower}:{upper}]");
        }
        out.push('=');
    }
    let mut next = elems.iter();
    write_dims(&mut out, &dims, &mut next, delim);
    Ok(out)
}

fn write_dims<'e>(
    out: &mut String,
    dims: &[(usize, i32)],
    elems: &mut impl Iterator<Item = &'e Option<String>>,
    delim: char,
) {
    let Some((&(size, _), inner)) = dims.split_first() else {
        return;
    };
    out.push('{');
    for i in 0..size {
        if i > 0 {
            out.push(delim);
        }
        if inner.is_empty() {
            match elems.next() {
                Some(Some(text)) => push_array_elem(out, text, delim),
                _ => out.push_str("NULL"),
            }
        } else {
            write_dims(out, inner, elems, delim);
        }
    }
    out.push('}');
}

/// array_out quoting: quote when empty, when the text is "NULL" in any case, or when it
/// contains a brace, the delimiter, a quote, a backslash or white space; inside quotes
/// `"` and `\` are backslash-escaped.
fn push_array_elem(out: &mut String, text: &str, delim: char) {
    let needs_quote = text.is_empty()
        || text.eq_ignore_ascii_case("NULL")
        || text
            .chars()
            .any(|c| matches!(c, '{' | '}' | '"' | '\\') || c == delim || is_pg_space(c));
    if !needs_quote {
        out.push_str(text);
        return;
    }
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// C `isspace` in the "C" locale, which is what PostgreSQL's output functions test.
fn is_pg_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// record_out quoting: quote when empty or when the text contains a quote, backslash,
/// parenthesis, comma or white space; inside quotes `"` and `\` are doubled.
fn push_record_field(out: &mut String, text: &str, specials: &[char]) {
    let needs_quote = text.is_empty()
        || text
            .chars()
            .any(|c| specials.contains(&c) || is_pg_space(c));
    if !needs_quote {
        out.push_str(text);
        return;
    }
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('"');
}

const RECORD_SPECIALS: &[char] = &['"', '\\', '(', ')', ','];
const RANGE_SPECIALS: &[char] = &['"', '\\', '(', ')', '[', ']', ','];

#[inline]
pub(super) fn decode_record(
    ty: &Type,
    fields: Option<&[Field]>,
    raw: &[u8],
    depth: usize,
) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let count = usize::try_from(r.i32()?).map_err(|_| r.err("negative field count"))?;
    if count > r.remaining() / 8 {
        return Err(r.err("field count exceeds data"));
    }
    let mut out = String::from("(");
    for i in 0..count {
        let field_oid = r.u32()?;
        let value = r.sub_value()?;
        let hint = fields.and_then(|f| f.get(i)).map(Field::type_);
        let field_ty = resolve(field_oid, hint);
        if i > 0 {
            out.push(',');
        }
        if let Some(text) = embedded_text(field_ty.as_ref(), value, depth)? {
            push_record_field(&mut out, &text, RECORD_SPECIALS);
        }
    }
    r.finish()?;
    out.push(')');
    Ok(out)
}

const RANGE_EMPTY: u8 = 0x01;
const RANGE_LB_INC: u8 = 0x02;
const RANGE_UB_INC: u8 = 0x04;
const RANGE_LB_INF: u8 = 0x08;
const RANGE_UB_INF: u8 = 0x10;
const RANGE_LB_NULL: u8 = 0x20;
const RANGE_UB_NULL: u8 = 0x40;

#[inline]
pub(super) fn decode_range(
    ty: &Type,
    sub: &Type,
    raw: &[u8],
    depth: usize,
) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let text = range_from_reader(&mut r, sub, depth)?;
    r.finish()?;
    Ok(text)
}

fn range_from_reader(
    r: &mut Reader<'_, '_>,
    sub: &Type,
    depth: usize,
) -> Result<String, ValueError> {
    let flags = r.u8()?;
    if flags & RANGE_EMPTY != 0 {
        return Ok("empty".into());
    }
    let mut bound = |absent: u8| -> Result<Option<String>, ValueError> {
        if flags & absent != 0 {
            return Ok(None);
        }
        let len = usize::try_from(r.i32()?).map_err(|_| r.err("negative range bound length"))?;
        let raw = r.take(len)?;
        embedded_text(Some(sub), Some(raw), depth)
    };
    let lower = bound(RANGE_LB_INF | RANGE_LB_NULL)?;
    let upper = bound(RANGE_UB_INF | RANGE_UB_NULL)?;
    let mut out = String::new();
    out.push(if flags & RANGE_LB_INC != 0 { '[' } else { '(' });
    if let Some(l) = lower {
        push_record_field(&mut out, &l, RANGE_SPECIALS);
    }
    out.push(',');
    if let Some(u) = upper {
        push_record_field(&mut out, &u, RANGE_SPECIALS);
    }
    out.push(if flags & RANGE_UB_INC != 0 { ']' } else { ')' });
    Ok(out)
}

#[inline]
pub(super) fn decode_multirange(
    ty: &Type,
    sub: &Type,
    raw: &[u8],
    depth: usize,
) -> Result<String, ValueError> {
    let mut r = Reader::new(raw, ty);
    let count = usize::try_from(r.i32()?).map_err(|_| r.err("negative range count"))?;
    if count > r.remaining() / 5 {
        return Err(r.err("range count exceeds data"));
    }
    let mut parts = Vec::with_capacity(count);
    for _ in 0..count {
        let len = usize::try_from(r.i32()?).map_err(|_| r.err("negative range length"))?;
        let mut inner = Reader::new(r.take(len)?, ty);
        parts.push(range_from_reader(&mut inner, sub, depth + 1)?);
        inner.finish()?;
    }
    r.finish()?;
    Ok(format!("{{{}}}", parts.join(",")))
}
