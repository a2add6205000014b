//! Entry points for the catalog functions (SQLTables ... SQLGetTypeInfo), ANSI and W, made
//! from one table below. Each decodes its name arguments and hands them, with its other
//! arguments, to [`crate::odbc::catalog::request`], which checks, classifies and runs them.
//! The module contract is in [`crate::ffi`].

use super::guard::{self, call_stmt};
use super::text::{self, Enc};
use crate::odbc::catalog::request::{self, Name};
use crate::odbc::diag::OdbcResult;
use std::ffi::c_void;

/// Decodes name arguments, left to right; lengths are SQLSMALLINT here.
///
/// # Safety
/// Each pointer is null or a string of its length in units (NUL-terminated for SQL_NTS).
unsafe fn names<C, const N: usize>(enc: Enc, args: [(*const C, i16); N]) -> OdbcResult<[Name; N]> {
    let mut out: [Name; N] = std::array::from_fn(|_| None);
    for (slot, (ptr, len)) in out.iter_mut().zip(args) {
        // SAFETY: `ptr` is null or a string of `len` units (this function's contract).
        *slot = unsafe { text::read(enc, ptr.cast(), i32::from(len)) }?;
    }
    Ok(out)
}

/// One catalog function, ANSI and W: the statement handle, the arguments before the names,
/// the (name, length) pairs, the arguments after; `request::$run` gets them in that order
/// with the names decoded.
macro_rules! catalog_function {
    ($narrow:ident / $wide:ident => $run:ident(
        [$($pre:ident : $pre_t:ty),*]
        [$($name:ident / $len:ident),+]
        [$($post:ident : $post_t:ty),*]
    )) => {
        catalog_function!(@one $narrow, u8, Enc::Narrow, $run,
            [$($pre: $pre_t),*] [$($name / $len),+] [$($post: $post_t),*]);
        catalog_function!(@one $wide, u16, Enc::Wide, $run,
            [$($pre: $pre_t),*] [$($name / $len),+] [$($post: $post_t),*]);
    };
    (@one $fname:ident, $char:ty, $enc:expr, $run:ident,
        [$($pre:ident : $pre_t:ty),*] [$($name:ident / $len:ident),+] [$($post:ident : $post_t:ty),*]
    ) => {
        #[no_mangle]
        #[allow(clippy::too_many_arguments)]
        /// # Safety
        /// Each name argument is null or a string of its length (NUL-terminated for SQL_NTS).
        pub unsafe extern "C" fn $fname(
            h: *mut c_void,
            $($pre: $pre_t,)*
            $($name: *const $char, $len: i16,)+
            $($post: $post_t),*
        ) -> i16 {
            guard::raw(|| {
                call_stmt(h, |s| {
                    // SAFETY: each name pointer is null or a string of the length passed with
                    // it (this function's contract).
                    let names = unsafe { names($enc, [$(($name, $len)),+]) }?;
                    request::$run(s, $($pre,)* names, $($post),*)
                })
            })
        }
    };
}

catalog_function!(SQLTables / SQLTablesW => tables(
    [] [cat / cat_len, sch / sch_len, tab / tab_len, typ / typ_len] []));
catalog_function!(SQLColumns / SQLColumnsW => columns(
    [] [cat / cat_len, sch / sch_len, tab / tab_len, col / col_len] []));
catalog_function!(SQLPrimaryKeys / SQLPrimaryKeysW => primary_keys(
    [] [cat / cat_len, sch / sch_len, tab / tab_len] []));
catalog_function!(SQLForeignKeys / SQLForeignKeysW => foreign_keys(
    [] [pc / pcl, ps / psl, pt / ptl, fc / fcl, fs / fsl, ft / ftl] []));
catalog_function!(SQLStatistics / SQLStatisticsW => statistics(
    [] [cat / cat_len, sch / sch_len, tab / tab_len] [unique: u16, reserved: u16]));
catalog_function!(SQLSpecialColumns / SQLSpecialColumnsW => special_columns(
    [id_type: u16] [cat / cat_len, sch / sch_len, tab / tab_len] [scope: u16, nullable: u16]));
catalog_function!(SQLProcedures / SQLProceduresW => procedures(
    [] [cat / cat_len, sch / sch_len, pro / pro_len] []));
catalog_function!(SQLProcedureColumns / SQLProcedureColumnsW => procedure_columns(
    [] [cat / cat_len, sch / sch_len, pro / pro_len, col / col_len] []));
catalog_function!(SQLTablePrivileges / SQLTablePrivilegesW => table_privileges(
    [] [cat / cat_len, sch / sch_len, tab / tab_len] []));
catalog_function!(SQLColumnPrivileges / SQLColumnPrivilegesW => column_privileges(
    [] [cat / cat_len, sch / sch_len, tab / tab_len, col / col_len] []));

fn get_type_info(_enc: Enc, h: *mut c_void, data_type: i16) -> i16 {
    call_stmt(h, |s| request::type_info(s, data_type))
}

narrow_and_wide! {
    fn SQLGetTypeInfo / SQLGetTypeInfoW(h: *mut c_void, data_type: i16) => get_type_info;
}
