//! Data at execution (SQLParamData / SQLPutData): parameters whose length is SQL_DATA_AT_EXEC
//! or SQL_LEN_DATA_AT_EXEC(n) are supplied piece by piece after SQLExecute/SQLExecDirect
//! returned SQL_NEED_DATA. pyodbc, for one, sends every string longer than the VARCHAR size
//! SQLGetTypeInfo reports this way.

use std::collections::HashMap;

/// One parameter value the application still owes.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Parameter number (1-based) and parameter set (0-based).
    pub number: usize,
    pub set: u64,
    /// What SQLParamData hands back: the parameter's value pointer for that set.
    pub token: usize,
    /// The C type of the pieces SQLPutData will receive.
    pub c_type: i16,
}

/// The data-at-execution state of one statement.
#[derive(Debug, Default)]
pub struct DataAtExec {
    pub pending: Vec<Pending>,
    /// Index in `pending` of the parameter SQLPutData now feeds.
    pub current: Option<usize>,
    /// Supplied values by (number, set); `None` is SQL NULL.
    pub values: HashMap<(usize, u64), Option<Vec<u8>>>,
    /// Every value is in and the statement has been executed with them.
    pub complete: bool,
}

impl DataAtExec {
    /// The supplied value of parameter `number` in set `set`: `None` when never supplied.
    pub fn value(&self, number: usize, set: u64) -> Option<Option<&[u8]>> {
        self.values.get(&(number, set)).map(|v| v.as_deref())
    }

    /// Appends one SQLPutData piece (or records NULL) for the current parameter.
    pub fn put(&mut self, piece: Option<&[u8]>) {
        let Some(p) = self.current.and_then(|i| self.pending.get(i)) else {
            return;
        };
        let key = (p.number, p.set);
        match piece {
            None => {
                self.values.insert(key, None);
            }
            Some(bytes) => match self.values.entry(key).or_insert_with(|| Some(Vec::new())) {
                Some(v) => v.extend_from_slice(bytes),
                slot @ None => *slot = Some(bytes.to_vec()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_concatenated() {
        let mut d = DataAtExec {
            pending: vec![Pending {
                number: 1,
                set: 0,
                token: 7,
                c_type: 1,
            }],
            current: Some(0),
            ..Default::default()
        };
        d.put(Some(b"ab"));
        d.put(Some(b"cd"));
        assert_eq!(d.value(1, 0), Some(Some(&b"abcd"[..])));
        assert_eq!(d.value(2, 0), None);
    }
}
