//! Expressions such as `g = "4*x*(1-x)"` in a config: parsed once into a tree, then evaluated
//! per point, on numbers or on jets ([`Real`]).
//!
//! ```text
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | power
//! power   := atom ("^" unary)?             right-associative: 2^3^2 = 2^9
//! atom    := number | variable | constant | function "(" sum ")" | "(" sum ")"
//! ```
//!
//! Variables are the domain's coordinate names (`x`, `y`, `z`, `t`); constants `pi`, `e`;
//! functions `sin cos tan exp ln log sqrt tanh sinh cosh` (`log` is the natural logarithm).
//! An integer exponent is `powi`; any other `a^b` is `exp(b ln a)`. (No expression crate is
//! in this build's registry, so the small recursive-descent parser is written here.)

use std::fmt;

use crate::real::Real;

/// A parsed expression in the variables it was parsed with.
#[derive(Clone, PartialEq)]
pub struct Expr {
    source: String,
    node: Node,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Number(f64),
    Variable(usize),
    Negate(Box<Node>),
    Binary(Op, Box<Node>, Box<Node>),
    /// `a^n` for a constant integer `n` (folded when parsed).
    Powi(Box<Node>, i32),
    Call(Function, Box<Node>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Function {
    Sin,
    Cos,
    Tan,
    Exp,
    Ln,
    Sqrt,
    Tanh,
    Sinh,
    Cosh,
}

const FUNCTIONS: [(&str, Function); 10] = [
    ("sin", Function::Sin),
    ("cos", Function::Cos),
    ("tan", Function::Tan),
    ("exp", Function::Exp),
    ("ln", Function::Ln),
    ("log", Function::Ln),
    ("sqrt", Function::Sqrt),
    ("tanh", Function::Tanh),
    ("sinh", Function::Sinh),
    ("cosh", Function::Cosh),
];

impl Expr {
    /// Parse `source` in the variables `variables`; the error gives the expression, the
    /// position (1-based, in characters) and what was expected there.
    pub fn parse(source: &str, variables: &[String]) -> Result<Self, String> {
        let mut p = Parser {
            chars: source.chars().collect(),
            at: 0,
            variables,
        };
        let fail = |at: usize, what: String| format!("`{source}` at position {}: {what}", at + 1);
        let node = p.sum().map_err(|(at, what)| fail(at, what))?;
        p.skip_space();
        if p.at < p.chars.len() {
            return Err(fail(
                p.at,
                format!("unexpected `{}`; expected an operator", p.chars[p.at]),
            ));
        }
        Ok(Self {
            source: source.into(),
            node,
        })
    }

    /// The value at the point `x` (coordinates in the order of the variables).
    pub fn eval(&self, x: &[f64]) -> f64 {
        eval(&self.node, x)
    }

    /// The expression over `x`, one entry per variable (numbers or jets).
    pub fn eval_real<T: Real>(&self, x: &[T]) -> T {
        eval(&self.node, x)
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

fn eval<T: Real>(node: &Node, x: &[T]) -> T {
    match node {
        Node::Number(c) => x[0].constant_like(*c),
        Node::Variable(i) => x[*i].clone(),
        Node::Negate(a) => eval(a, x).scale(-1.0),
        Node::Powi(a, n) => eval(a, x).powi(*n),
        Node::Binary(op, a, b) => {
            let (a, b) = (eval(a, x), eval(b, x));
            match op {
                Op::Add => a + b,
                Op::Sub => a - b,
                Op::Mul => a * b,
                Op::Div => a * b.recip(),
                Op::Pow => (b * a.ln()).exp(),
            }
        }
        Node::Call(f, a) => {
            let a = eval(a, x);
            match f {
                Function::Sin => a.sin(),
                Function::Cos => a.cos(),
                Function::Tan => a.clone().sin() * a.cos().recip(),
                Function::Exp => a.exp(),
                Function::Ln => a.ln(),
                Function::Sqrt => a.sqrt(),
                Function::Tanh => a.tanh(),
                Function::Sinh => (a.clone().exp() - a.scale(-1.0).exp()).scale(0.5),
                Function::Cosh => (a.clone().exp() + a.scale(-1.0).exp()).scale(0.5),
            }
        }
    }
}

/// The value of a node without variables.
fn constant(node: &Node) -> Option<f64> {
    let free = |n: &Node| constant(n).is_some();
    match node {
        Node::Number(c) => Some(*c),
        Node::Variable(_) => None,
        Node::Negate(a) | Node::Call(_, a) | Node::Powi(a, _) => {
            free(a).then(|| eval::<f64>(node, &[0.0]))
        }
        Node::Binary(_, a, b) => (free(a) && free(b)).then(|| eval::<f64>(node, &[0.0])),
    }
}

/// A parse failure: the position and what was expected.
type Failure = (usize, String);

struct Parser<'a> {
    chars: Vec<char>,
    at: usize,
    variables: &'a [String],
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    /// The next non-space character, if it is one of `ops` (consumed).
    fn eat(&mut self, ops: &[char]) -> Option<char> {
        self.skip_space();
        let c = *self.chars.get(self.at)?;
        ops.contains(&c).then(|| {
            self.at += 1;
            c
        })
    }

    fn sum(&mut self) -> Result<Node, Failure> {
        let mut a = self.product()?;
        while let Some(c) = self.eat(&['+', '-']) {
            let op = if c == '+' { Op::Add } else { Op::Sub };
            a = Node::Binary(op, Box::new(a), Box::new(self.product()?));
        }
        Ok(a)
    }

    fn product(&mut self) -> Result<Node, Failure> {
        let mut a = self.unary()?;
        while let Some(c) = self.eat(&['*', '/']) {
            let op = if c == '*' { Op::Mul } else { Op::Div };
            a = Node::Binary(op, Box::new(a), Box::new(self.unary()?));
        }
        Ok(a)
    }

    fn unary(&mut self) -> Result<Node, Failure> {
        if self.eat(&['-']).is_some() {
            return Ok(Node::Negate(Box::new(self.unary()?)));
        }
        let base = self.atom()?;
        if self.eat(&['^']).is_some() {
            let exponent = self.unary()?;
            return Ok(match constant(&exponent) {
                Some(n) if n.fract() == 0.0 && n.abs() <= 64.0 => {
                    Node::Powi(Box::new(base), n as i32)
                }
                _ => Node::Binary(Op::Pow, Box::new(base), Box::new(exponent)),
            });
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Node, Failure> {
        self.skip_space();
        let start = self.at;
        let Some(&c) = self.chars.get(start) else {
            return Err((
                start,
                "unexpected end; expected a number, a name or `(`".into(),
            ));
        };
        if c == '(' {
            self.at += 1;
            let inner = self.sum()?;
            return match self.eat(&[')']) {
                Some(_) => Ok(inner),
                None => Err((self.at, "expected `)`".into())),
            };
        }
        if c.is_ascii_digit() || c == '.' {
            return self.number();
        }
        if c.is_alphabetic() || c == '_' {
            while self
                .chars
                .get(self.at)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                self.at += 1;
            }
            let name: String = self.chars[start..self.at].iter().collect();
            if let Some(i) = self.variables.iter().position(|v| *v == name) {
                return Ok(Node::Variable(i));
            }
            match name.as_str() {
                "pi" => return Ok(Node::Number(std::f64::consts::PI)),
                "e" => return Ok(Node::Number(std::f64::consts::E)),
                _ => {}
            }
            let Some(&(_, f)) = FUNCTIONS.iter().find(|(n, _)| *n == name) else {
                let functions: Vec<&str> = FUNCTIONS.iter().map(|(n, _)| *n).collect();
                return Err((
                    start,
                    format!(
                        "unknown name `{name}`; variables are {}, constants pi and e, \
                         functions {}",
                        self.variables.join(", "),
                        functions.join(", ")
                    ),
                ));
            };
            if self.eat(&['(']).is_none() {
                return Err((self.at, format!("expected `(` after `{name}`")));
            }
            let arg = self.sum()?;
            if self.eat(&[')']).is_none() {
                return Err((self.at, "expected `)`".into()));
            }
            return Ok(Node::Call(f, Box::new(arg)));
        }
        Err((
            start,
            format!("unexpected `{c}`; expected a number, a name or `(`"),
        ))
    }

    fn number(&mut self) -> Result<Node, Failure> {
        let start = self.at;
        let digits = |p: &mut Self| {
            while p
                .chars
                .get(p.at)
                .is_some_and(|c| c.is_ascii_digit() || *c == '.')
            {
                p.at += 1;
            }
        };
        digits(self);
        if self
            .chars
            .get(self.at)
            .is_some_and(|c| *c == 'e' || *c == 'E')
        {
            let mark = self.at;
            self.at += 1;
            if self
                .chars
                .get(self.at)
                .is_some_and(|c| *c == '+' || *c == '-')
            {
                self.at += 1;
            }
            if self.chars.get(self.at).is_some_and(char::is_ascii_digit) {
                digits(self);
            } else {
                self.at = mark;
            }
        }
        let text: String = self.chars[start..self.at].iter().collect();
        text.parse()
            .map(Node::Number)
            .map_err(|_| (start, format!("`{text}` is not a number")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xy() -> Vec<String> {
        vec!["x".into(), "y".into()]
    }

    #[test]
    fn precedence_associativity_and_functions() {
        let e = |s: &str| Expr::parse(s, &xy()).unwrap().eval(&[0.5, 2.0]);
        assert_eq!(e("4*x*(1-x)"), 1.0);
        assert_eq!(e("1 - 2 - 3"), -4.0);
        assert_eq!(e("2^3^2"), 512.0);
        assert_eq!(e("-x^2"), -0.25);
        assert_eq!(e("y/2/2"), 0.5);
        assert_eq!(e("1e-3 * 2.5E2"), 0.25);
        assert!((e("sin(pi*x) + cos(0) + ln(e) + sqrt(y*y)") - 5.0).abs() < 1e-15);
        assert!((e("y^0.5") - 2f64.sqrt()).abs() < 1e-15);
        assert!((e("cosh(x)^2 - sinh(x)^2") - 1.0).abs() < 1e-14);
    }

    #[test]
    fn errors_give_the_position_and_the_fix() {
        let err = |s: &str| Expr::parse(s, &xy()).unwrap_err();
        assert_eq!(err("4*x*(1-x"), "`4*x*(1-x` at position 9: expected `)`");
        assert!(err("2*z").contains("position 3: unknown name `z`; variables are x, y"));
        assert!(err("x +").contains("position 4: unexpected end"));
        assert!(err("x y").contains("position 3: unexpected `y`; expected an operator"));
        assert!(err("sin x").contains("expected `(` after `sin`"));
        assert!(err("1..2").contains("`1..2` is not a number"));
    }
}
