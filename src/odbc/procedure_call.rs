//! `{[?=] call name(args)}` as a whole statement: ODBC's procedure call with a return value
//! and output parameters. PostgreSQL has no output parameters on the wire, so the call runs
//! as `SELECT * FROM name(inputs)` and its first result row fills the return value and the
//! arguments bound as SQL_PARAM_OUTPUT / SQL_PARAM_INPUT_OUTPUT, in order, as psqlODBC does.
//! Which arguments are sent depends on how each parameter is bound, which an application may
//! change after SQLPrepare: the call is kept as its parts and planned again at each execution.

use super::sqltext::{self, Quoting, SqlPiece};

/// InputOutputType of SQLBindParameter (the IPD's SQL_DESC_PARAMETER_TYPE).
pub mod io_type {
    pub const INPUT_OUTPUT: i16 = 2;
    pub const OUTPUT: i16 = 4;
    pub const INPUT_OUTPUT_STREAM: i16 = 8;
    pub const OUTPUT_STREAM: i16 = 16;
}

/// One argument of the call: its text (escapes translated) and how many markers it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Argument {
    text: String,
    markers: usize,
}

impl Argument {
    /// A bare `?`: the only kind of argument that can be an output parameter.
    fn is_bare_marker(&self) -> bool {
        self.text == "?"
    }
}

/// The parts of a `{[?=] call ...}` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureCall {
    /// `?=`: the statement's first marker receives the return value and is never sent.
    returns_value: bool,
    name: String,
    args: Vec<Argument>,
}

/// A call planned for the parameters as they are bound: which markers go to the server and
/// which parameters the result fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallPlan {
    pub call: ProcedureCall,
    /// The application's parameter number (1-based) of each `$k` sent, in order.
    pub sent: Vec<usize>,
    /// The parameters the first result row fills, column 1 first.
    pub outputs: Vec<usize>,
}

/// The procedure call `text` is, when the whole statement (a trailing `;` aside) is one
/// `{[?=] call ...}` escape; `None` for any other text. An error names a malformed call.
pub fn parse(text: &str, quoting: Quoting) -> Option<Result<ProcedureCall, String>> {
    let text = text.trim().trim_end_matches(';').trim_end();
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'{')
        || sqltext::matching_brace(bytes, 0, quoting)? + 1 != bytes.len()
    {
        return None;
    }
    let inner = text[1..text.len() - 1].trim();
    let (returns_value, rest) = match inner.strip_prefix('?') {
        Some(after) => (true, after.trim_start().strip_prefix('=')?.trim_start()),
        None => (false, inner),
    };
    let (word, rest) = sqltext::keyword(rest);
    if word != "call" {
        return None;
    }
    Some(parse_call(returns_value, rest, quoting))
}

fn parse_call(returns_value: bool, rest: &str, quoting: Quoting) -> Result<ProcedureCall, String> {
    let (name, raw_args) = sqltext::call_parts(rest, quoting)?;
    if name.is_empty() {
        return Err("a procedure call names no procedure".to_string());
    }
    let mut args = Vec::with_capacity(raw_args.len());
    for raw in raw_args {
        let text = sqltext::translate_escapes_in(&raw, quoting)?;
        let markers = sqltext::split_statements_in(&text, quoting)
            .iter()
            .map(|p| p.param_count)
            .sum();
        args.push(Argument { text, markers });
    }
    Ok(ProcedureCall {
        returns_value,
        name,
        args,
    })
}

impl ProcedureCall {
    /// How many markers the application's text has (the return value's included): what
    /// SQLNumParams reports.
    pub fn markers(&self) -> usize {
        usize::from(self.returns_value) + self.args.iter().map(|a| a.markers).sum::<usize>()
    }

    /// The statement to send for the parameters as bound now. `first_param` is the number of
    /// markers before the call in the application's text (0 for a whole statement);
    /// `io_type_of(n)` gives parameter `n`'s InputOutputType (0 when not described).
    pub fn plan(
        &self,
        first_param: usize,
        quoting: Quoting,
        io_type_of: impl Fn(usize) -> i16,
    ) -> Result<SqlPiece, String> {
        let mut next = first_param + 1;
        let mut sent = Vec::new();
        let mut outputs = Vec::new();
        if self.returns_value {
            outputs.push(next);
            next += 1;
        }
        let mut kept = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            if arg.is_bare_marker() {
                let number = next;
                next += 1;
                match io_type_of(number) {
                    io_type::OUTPUT | io_type::OUTPUT_STREAM => outputs.push(number),
                    io_type::INPUT_OUTPUT | io_type::INPUT_OUTPUT_STREAM => {
                        outputs.push(number);
                        sent.push(number);
                        kept.push(arg.text.as_str());
                    }
                    _ => {
                        sent.push(number);
                        kept.push(arg.text.as_str());
                    }
                }
            } else {
                sent.extend(next..next + arg.markers);
                next += arg.markers;
                kept.push(arg.text.as_str());
            }
        }
        let text = format!("SELECT * FROM {}({})", self.name, kept.join(", "));
        let mut pieces = sqltext::split_statements_in(&text, quoting);
        if pieces.len() != 1 || pieces[0].param_count != sent.len() {
            return Err(format!(
                "malformed procedure call: {{call {}(...)}}",
                self.name
            ));
        }
        let mut piece = pieces.remove(0);
        piece.first_param = first_param;
        piece.call = Some(Box::new(CallPlan {
            call: self.clone(),
            sent,
            outputs,
        }));
        Ok(piece)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(text: &str) -> ProcedureCall {
        parse(text, Quoting::STANDARD)
            .expect("a call")
            .expect("well formed")
    }

    fn plan_with(text: &str, io: &[i16]) -> SqlPiece {
        call(text)
            .plan(0, Quoting::STANDARD, |n| {
                io.get(n - 1).copied().unwrap_or(0)
            })
            .expect("planned")
    }

    #[test]
    fn only_a_whole_call_statement_is_a_call() {
        assert!(parse("SELECT {fn UCASE('a')}", Quoting::STANDARD).is_none());
        assert!(parse("SELECT 1; {call f()}", Quoting::STANDARD).is_none());
        assert!(parse("{fn NOW()}", Quoting::STANDARD).is_none());
        assert!(parse("{call f()} + 1", Quoting::STANDARD).is_none());
        assert!(parse("  { ? = CALL f(?) } ; ", Quoting::STANDARD).is_some());
        assert!(parse("{?=call f}", Quoting::STANDARD).is_some());
        assert!(matches!(
            parse("{call f(?}", Quoting::STANDARD),
            None | Some(Err(_))
        ));
    }

    #[test]
    fn return_value_is_not_sent_and_inputs_keep_their_numbers() {
        let p = plan_with("{? = call add_one(?)}", &[4, 1]);
        assert_eq!(p.sql, "SELECT * FROM add_one($1)");
        assert_eq!(p.param_count, 1);
        let plan = p.call.expect("a plan");
        assert_eq!(plan.sent, vec![2]);
        assert_eq!(plan.outputs, vec![1]);
        assert_eq!(plan.call.markers(), 2);
    }

    #[test]
    fn output_arguments_are_dropped_and_in_out_ones_sent_and_read() {
        let p = plan_with("{call f(?, ?, 'a,b', ?, ?)}", &[1, 4, 2, 0]);
        assert_eq!(p.sql, "SELECT * FROM f($1, 'a,b', $2, $3)");
        let plan = p.call.expect("a plan");
        assert_eq!(plan.sent, vec![1, 3, 4]);
        assert_eq!(plan.outputs, vec![2, 3]);
    }

    #[test]
    fn expressions_with_markers_are_inputs_and_escapes_inside_are_translated() {
        let p = plan_with("{?=call g(? + 1, {d '2024-01-02'}, ?)}", &[4, 4, 4]);
        // An expression is always sent, whatever its parameter says.
        assert_eq!(p.sql, "SELECT * FROM g($1 + 1, DATE '2024-01-02')");
        let plan = p.call.expect("a plan");
        assert_eq!(plan.sent, vec![2]);
        assert_eq!(plan.outputs, vec![1, 3]);
    }

    #[test]
    fn quoted_markers_are_not_markers() {
        let p = plan_with("{call f('?', \"?\")}", &[]);
        assert_eq!(p.sql, "SELECT * FROM f('?', \"?\")");
        assert_eq!(p.param_count, 0);
        assert_eq!(p.call.expect("a plan").call.markers(), 0);
    }
}
