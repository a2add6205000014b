//! The exported ODBC entry points. Each is a few lines: catch panics, check the handle,
//! decode the arguments, and call the ODBC layer once; answers are written through [`out`].
//!
//! # Safety
//! Every exported function relies on its caller following the ODBC specification for it:
//! handles come from this driver (they are checked against the registry anyway), and every
//! pointer is null or valid for the length or type the call gives it. The `unsafe` blocks in
//! this layer say which pointer and length each relies on.

/// Defines ANSI entry points and their W twins from one argument list each. In the list,
/// `Char` is the character unit (`u8` for ANSI, `u16` for W); both functions pass their
/// arguments unchanged to `$imp`, after the encoding, inside the panic guard.
macro_rules! narrow_and_wide {
    ($( fn $narrow:ident / $wide:ident ( $($arg:ident : $ty:ty),* $(,)? ) => $imp:ident; )+) => {
        /// The ANSI entry points: strings are UTF-8 bytes.
        pub mod narrow {
            #[allow(unused_imports)]
            use super::*;
            #[allow(dead_code)]
            type Char = u8;
            const ENC: $crate::ffi::text::Enc = $crate::ffi::text::Enc::Narrow;
            $(
                /// # Safety
                /// The caller follows the ODBC specification of this function.
                #[no_mangle]
                #[allow(clippy::too_many_arguments, unused_unsafe)]
                pub unsafe extern "C" fn $narrow($($arg: $ty),*) -> i16 {
                    // SAFETY: the arguments are the caller's, passed on unchanged: the
                    // implementation's `# Safety` names the pointers and lengths it relies on.
                    $crate::ffi::guard::raw(|| unsafe { super::$imp(ENC, $($arg),*) })
                }
            )+
        }

        /// The W entry points: strings are wide (UTF-16, or UTF-32 under iODBC).
        pub mod wide {
            #[allow(unused_imports)]
            use super::*;
            #[allow(dead_code)]
            type Char = u16;
            const ENC: $crate::ffi::text::Enc = $crate::ffi::text::Enc::Wide;
            $(
                /// # Safety
                /// The caller follows the ODBC specification of this function.
                #[no_mangle]
                #[allow(clippy::too_many_arguments, unused_unsafe)]
                pub unsafe extern "C" fn $wide($($arg: $ty),*) -> i16 {
                    // SAFETY: the arguments are the caller's, passed on unchanged: the
                    // implementation's `# Safety` names the pointers and lengths it relies on.
                    $crate::ffi::guard::raw(|| unsafe { super::$imp(ENC, $($arg),*) })
                }
            )+
        }
    };
}

pub mod catalog_api;
pub mod desc_api;
pub mod diag_api;
pub mod env_conn;
pub mod guard;
pub mod handles;
pub mod out;
pub mod stmt_api;
pub mod stmt_attr;
pub mod stmt_extra;
pub mod text;
