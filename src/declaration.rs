//! Whether a keyset function is declared as this library reads it.
//!
//! Replacing the library (a new .deb, `cargo pgrx install`) comes before `ALTER EXTENSION
//! pg_keyset UPDATE`, and in between every database still has the old version's declarations
//! calling the new code. 0.1.0's keyset_explain declares argument 7 `with_analyze boolean` where
//! 0.2.0 reads `key text`: read as text, a boolean is dereferenced as a pointer (a crash). So
//! each function's declared arguments are compared with what `Args::read` reads (once per
//! function and backend: an update gives the functions new OIDs), and an older declaration is
//! 55000 with the HINT to run the update.

use std::cell::RefCell;
use std::ffi::CStr;

use keyset_core::KeysetError;
use pgrx::pg_sys;
use rustc_hash::FxHashSet;

/// The declared types of arguments 1 to 7, shared by every keyset function: sort, direction,
/// after, page_size, before, filter, key (argument 0 is the relation or the row type; keyset_explain
/// adds `with_analyze boolean` as argument 8).
const SHARED: [pg_sys::Oid; 7] = [
    pg_sys::TEXTOID,
    pg_sys::TEXTOID,
    pg_sys::TEXTOID,
    pg_sys::INT4OID,
    pg_sys::TEXTOID,
    pg_sys::JSONBOID,
    pg_sys::TEXTOID,
];

thread_local! {
    /// Functions (by OID) whose declaration was checked in this backend.
    static CHECKED: RefCell<FxHashSet<pg_sys::Oid>> = RefCell::new(FxHashSet::default());
}

/// Refuses a call whose function is declared by an older SQL script (see the module comment).
///
/// # Safety
/// `fcinfo` must be the current call's.
pub unsafe fn check(fcinfo: pg_sys::FunctionCallInfo) -> Result<(), KeysetError> {
    let fn_oid = (*(*fcinfo).flinfo).fn_oid;
    if CHECKED.with(|c| c.borrow().contains(&fn_oid)) {
        return Ok(());
    }
    let mut argtypes: *mut pg_sys::Oid = std::ptr::null_mut();
    let mut nargs: std::os::raw::c_int = 0;
    pg_sys::get_func_signature(fn_oid, &mut argtypes, &mut nargs);
    let declared = if argtypes.is_null() {
        &[][..]
    } else {
        std::slice::from_raw_parts(argtypes, nargs.max(0) as usize)
    };
    let ok = declared.get(1..=SHARED.len()) == Some(&SHARED[..]);
    if !ok {
        let name = pg_sys::get_func_name(fn_oid);
        let function = if name.is_null() {
            "keyset function".to_string()
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        };
        return Err(KeysetError::StaleDeclaration { function });
    }
    CHECKED.with(|c| c.borrow_mut().insert(fn_oid));
    Ok(())
}
