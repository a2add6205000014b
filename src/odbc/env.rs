//! The environment handle.

use super::diag::Diagnostics;
use parking_lot::Mutex;

pub const SQL_OV_ODBC2: i32 = 2;
pub const SQL_OV_ODBC3: i32 = 3;
pub const SQL_OV_ODBC3_80: i32 = 380;

#[derive(Debug)]
pub struct EnvState {
    /// SQL_ATTR_ODBC_VERSION; the driver manager sets it right after allocation.
    pub odbc_version: i32,
    pub output_nts: bool,
    pub connection_pooling: u32,
}

#[derive(Debug)]
pub struct Environment {
    pub diag: Diagnostics,
    pub state: Mutex<EnvState>,
}

impl Environment {
    pub fn new() -> Self {
        Environment {
            diag: Diagnostics::default(),
            state: Mutex::new(EnvState {
                odbc_version: SQL_OV_ODBC3,
                output_nts: true,
                connection_pooling: 0,
            }),
        }
    }

    pub fn odbc_version(&self) -> i32 {
        self.state.lock().odbc_version
    }
}

impl Default for Environment {
    fn default() -> Self {
        Self::new()
    }
}
