//! Random mutations of the shipped configs (proptest): whatever a config says, `pinn train`
//! ends with exit 0, 2 (refused, one line) or 3 (non-finite loss) — never a panic or an abort
//! — and writes nothing outside its run directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, TestRng, TestRunner};

/// Values a mutation puts in place of another: wrong types, zero, negative, huge, non-finite,
/// path-like and control-character strings.
fn wild_value() -> impl Strategy<Value = toml::Value> {
    use toml::Value as V;
    prop_oneof![
        Just(V::Integer(0)),
        Just(V::Integer(-1)),
        Just(V::Integer(1)),
        Just(V::Integer(3)),
        Just(V::Integer(1 << 31)),
        Just(V::Integer(i64::MAX)),
        Just(V::Integer(1_000_000_000_000)),
        Just(V::Float(f64::NAN)),
        Just(V::Float(f64::INFINITY)),
        Just(V::Float(-1.0)),
        Just(V::Float(0.0)),
        Just(V::Float(1e300)),
        Just(V::Float(1e-300)),
        Just(V::Float(0.5)),
        Just(V::Integer(2)),
        Just(V::Integer(16)),
        Just(V::Integer(100)),
        Just(V::Float(0.1)),
        Just(V::Float(10.0)),
        Just(V::String(String::new())),
        Just(V::String("../../escape".into())),
        Just(V::String("/tmp/abs".into())),
        Just(V::String("\u{1b}[31mred".into())),
        Just(V::String("poisson9".into())),
        Just(V::String("adam".into())),
        Just(V::Boolean(true)),
        Just(V::Array(Vec::new())),
        Just(V::Table(Default::default())),
    ]
}

/// One edit of a config.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the value at the `pick`-th key (in visiting order).
    Replace(usize, toml::Value),
    /// Add an unknown key to the `pick`-th table.
    Unknown(usize),
    /// Remove the `pick`-th key.
    Remove(usize),
    /// Cut the text at a fraction of its length.
    Truncate(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), wild_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => any::<usize>().prop_map(Mutation::Unknown),
        1 => any::<usize>().prop_map(Mutation::Remove),
        1 => (0.0..1.0f64).prop_map(Mutation::Truncate),
    ]
}

/// Paths to every key of `v` (tables and arrays entered), in visiting order.
fn keys(v: &toml::Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>, tables: bool) {
    match v {
        toml::Value::Table(t) => {
            if tables {
                out.push(prefix.clone());
            }
            for (k, v) in t {
                prefix.push(k.clone());
                if !tables {
                    out.push(prefix.clone());
                }
                keys(v, prefix, out, tables);
                prefix.pop();
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                prefix.push(i.to_string());
                keys(v, prefix, out, tables);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut toml::Value, path: &[String]) -> &'a mut toml::Value {
    path.iter().fold(v, |v, k| match v {
        toml::Value::Table(t) => t.get_mut(k).unwrap(),
        toml::Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
        _ => unreachable!(),
    })
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut value: toml::Value = toml::from_str(text).unwrap();
    let mut cut = None;
    for m in mutations {
        let mut all = Vec::new();
        match m {
            Mutation::Replace(i, new) => {
                keys(&value, &mut Vec::new(), &mut all, false);
                let path = all[i % all.len()].clone();
                *at(&mut value, &path) = new.clone();
            }
            Mutation::Remove(i) => {
                keys(&value, &mut Vec::new(), &mut all, false);
                let path = all[i % all.len()].clone();
                let (last, parent) = path.split_last().unwrap();
                match at(&mut value, parent) {
                    toml::Value::Table(t) => {
                        t.remove(last);
                    }
                    toml::Value::Array(a) => {
                        a.remove(last.parse::<usize>().unwrap());
                    }
                    _ => {}
                }
            }
            Mutation::Unknown(i) => {
                keys(&value, &mut Vec::new(), &mut all, true);
                if let toml::Value::Table(t) = at(&mut value, &all[i % all.len()]) {
                    t.insert("no_such_key".into(), toml::Value::Integer(1));
                }
            }
            Mutation::Truncate(f) => cut = Some(*f),
        }
    }
    let text = toml::to_string(&value).unwrap_or_default();
    match cut {
        Some(f) => {
            let mut n = (f * text.len() as f64) as usize;
            while !text.is_char_boundary(n) {
                n -= 1;
            }
            text[..n].to_string()
        }
        None => text,
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn mutated_configs_exit_0_2_or_3_and_stay_in_their_run_directory() {
    let configs: Vec<(String, String)> = [
        "poisson1d",
        "poisson2d",
        "heat1d",
        "advection",
        "helmholtz2d",
    ]
    .iter()
    .map(|n| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../configs/{n}.toml"));
        (n.to_string(), std::fs::read_to_string(path).unwrap())
    })
    .collect();
    let root = std::env::temp_dir().join(format!("pinn-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig {
            cases: 128,
            failure_persistence: None,
            ..ProptestConfig::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let case = std::cell::Cell::new(0);
    let codes = std::cell::RefCell::new(Vec::new());
    let strategy = (
        0..configs.len(),
        proptest::collection::vec(mutation(), 1..4),
    );
    runner
        .run(&strategy, |(which, mutations)| {
            case.set(case.get() + 1);
            let cwd = root.join(format!("case{}", case.get()));
            std::fs::create_dir_all(&cwd).unwrap();
            let text = mutate(&configs[which].1, &mutations);
            std::fs::write(cwd.join("c.toml"), &text).unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_pinn"))
                .current_dir(&cwd)
                .args(["train", "c.toml", "--quiet", "--steps", "2"])
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code();
            codes.borrow_mut().push(code);
            prop_assert!(
                matches!(code, Some(0 | 2 | 3)),
                "exit {code:?} for\n{text}\n{stderr}"
            );
            prop_assert!(!stderr.contains("panicked"), "{text}\n{stderr}");
            if code == Some(2) {
                prop_assert_eq!(stderr.trim_end().lines().count(), 1, "{}\n{}", text, stderr);
                prop_assert!(
                    !stderr.chars().any(|c| c.is_control() && c != '\n'),
                    "{:?}",
                    stderr
                );
            }
            for f in files_under(&cwd) {
                let rel = f.strip_prefix(&cwd).unwrap();
                prop_assert!(
                    rel == Path::new("c.toml") || rel.starts_with("runs"),
                    "wrote {} for\n{}",
                    rel.display(),
                    text
                );
            }
            let _ = std::fs::remove_dir_all(&cwd);
            Ok(())
        })
        .unwrap();
    let codes = codes.into_inner();
    let trained = codes.iter().filter(|c| **c == Some(0)).count();
    println!("exit codes of {} cases: {codes:?}", codes.len());
    assert!(
        trained >= 10,
        "only {trained} mutated configs trained: {codes:?}"
    );
    let left = files_under(&root);
    assert!(left.is_empty(), "left {left:?}");
}
