//! `checkpoint.safetensors`: a model's parameters and the state training continues from, in
//! the [safetensors](https://huggingface.co/docs/safetensors) format, so that numpy and
//! PyTorch read the parameters too.
//!
//! Tensors (all `f64` except byte strings, stored as `u8`):
//! - `param/PATH`: each parameter under its module path (`net.Mlp.layers.0.weight`), with its shape;
//! - `weight/TERM`: the loss weight of each term;
//! - `optimizer/KEY`, `scalar/KEY`: the stage's optimizer state ([`StepperState`]);
//! - `collocation/interior`: `[N, d]`, the interior points adaptive collocation drew last.
//!
//! Metadata (strings): `format`, `config` (the run's TOML), `step`, `loss`, `params` (JSON: the
//! parameters' paths and burn ids in the model's visiting order; optimizer states are keyed by
//! the ids) and, when training can continue, `state` (JSON: `stage`, `iteration`,
//! `steps_before`) with `weights` (JSON: the loss terms in their order).

use std::collections::HashMap;

use pinn_model::params::NamedParam;
use pinn_optim::{StepperState, TrainState};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

/// The value of the `format` metadata entry.
pub const FORMAT: &str = "pinn-checkpoint/1";

/// The tensor of redrawn interior points.
const INTERIOR: &str = "collocation/interior";

/// What a checkpoint holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The config of the run (TOML), which describes the whole model.
    pub config: String,
    /// Steps reported when it was taken.
    pub step: usize,
    /// The loss of the saved model.
    pub loss: f64,
    /// The parameters.
    pub params: Vec<NamedParam>,
    /// Where training continues from this model, if it can.
    pub state: Option<TrainState>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Position {
    stage: usize,
    iteration: usize,
    steps_before: usize,
}

fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn f64_values(view: &TensorView<'_>, name: &str) -> Result<Vec<f64>, String> {
    if view.dtype() != Dtype::F64 {
        return Err(format!(
            "tensor `{name}` is {:?}, expected F64",
            view.dtype()
        ));
    }
    Ok(view
        .data()
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect())
}

fn f64_scalar(view: &TensorView<'_>, name: &str) -> Result<f64, String> {
    f64_values(view, name)?
        .first()
        .copied()
        .ok_or_else(|| format!("tensor `{name}` is empty"))
}

impl Checkpoint {
    /// Read `dir/checkpoint.safetensors`; errors name the file and say what a run directory is.
    pub fn read(dir: &std::path::Path) -> Result<Self, String> {
        let path = dir.join(crate::run_dir::CHECKPOINT);
        let bytes = std::fs::read(&path).map_err(|e| {
            format!(
                "cannot read {}: {e}; is {} a run directory of `pinn train` (a run writes its \
                 checkpoint at its first evaluation step)?",
                path.display(),
                dir.display()
            )
        })?;
        Self::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The checkpoint as the bytes of a safetensors file.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        // (name, dtype, shape, bytes)
        let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = self
            .params
            .iter()
            .map(|p| {
                (
                    format!("param/{}", p.name),
                    Dtype::F64,
                    p.shape.clone(),
                    f64_bytes(&p.values),
                )
            })
            .collect();
        let mut metadata = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("config".to_string(), self.config.clone()),
            ("step".to_string(), self.step.to_string()),
            ("loss".to_string(), self.loss.to_string()),
            (
                "params".to_string(),
                serde_json::to_string(
                    &self
                        .params
                        .iter()
                        .map(|p| (&p.name, p.id))
                        .collect::<Vec<_>>(),
                )
                .map_err(|e| e.to_string())?,
            ),
        ]);
        if let Some(state) = &self.state {
            let position = Position {
                stage: state.stage,
                iteration: state.iteration,
                steps_before: state.steps_before,
            };
            metadata.insert(
                "state".into(),
                serde_json::to_string(&position).map_err(|e| e.to_string())?,
            );
            let terms: Vec<&String> = state.weights.iter().map(|(n, _)| n).collect();
            metadata.insert(
                "weights".into(),
                serde_json::to_string(&terms).map_err(|e| e.to_string())?,
            );
            for (name, w) in &state.weights {
                tensors.push((
                    format!("weight/{name}"),
                    Dtype::F64,
                    vec![1],
                    f64_bytes(&[*w]),
                ));
            }
            if let Some(points) = &state.interior {
                let d = points.first().map_or(0, Vec::len);
                tensors.push((
                    INTERIOR.into(),
                    Dtype::F64,
                    vec![points.len(), d],
                    f64_bytes(&points.concat()),
                ));
            }
            let s = &state.stepper;
            for (k, v) in &s.scalars {
                tensors.push((format!("scalar/{k}"), Dtype::F64, vec![1], f64_bytes(&[*v])));
            }
            for (k, v) in &s.vectors {
                tensors.push((
                    format!("optimizer/{k}"),
                    Dtype::F64,
                    vec![v.len()],
                    f64_bytes(v),
                ));
            }
            for (k, v) in &s.bytes {
                tensors.push((
                    format!("optimizer/{k}"),
                    Dtype::U8,
                    vec![v.len()],
                    v.clone(),
                ));
            }
        }
        let views = tensors
            .iter()
            .map(|(name, dtype, shape, bytes)| {
                TensorView::new(*dtype, shape.clone(), bytes)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| format!("tensor `{name}`: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        safetensors::serialize(views, Some(metadata)).map_err(|e| e.to_string())
    }

    /// Read a checkpoint from the bytes of a safetensors file; errors say what is missing or
    /// malformed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let file = SafeTensors::deserialize(bytes).map_err(|e| format!("not safetensors: {e}"))?;
        let (_, header) =
            SafeTensors::read_metadata(bytes).map_err(|e| format!("not safetensors: {e}"))?;
        let metadata = header.metadata().clone().unwrap_or_default();
        let meta = |key: &str| {
            metadata
                .get(key)
                .ok_or_else(|| format!("no `{key}` in the metadata"))
        };
        if meta("format")? != FORMAT {
            return Err(format!("format {:?}, expected {FORMAT:?}", meta("format")?));
        }
        let number = |key: &str| {
            meta(key)?
                .parse::<f64>()
                .map_err(|e| format!("metadata `{key}`: {e}"))
        };
        let order: Vec<(String, u64)> =
            serde_json::from_str(meta("params")?).map_err(|e| format!("metadata `params`: {e}"))?;
        let mut params = Vec::with_capacity(order.len());
        for (path, id) in order {
            let name = format!("param/{path}");
            let view = file
                .tensor(&name)
                .map_err(|_| format!("no tensor `{name}`"))?;
            params.push(NamedParam {
                shape: view.shape().to_vec(),
                values: f64_values(&view, &name)?,
                name: path,
                id,
            });
        }
        let mut stepper = StepperState::default();
        for (name, view) in file.iter() {
            if let Some(key) = name.strip_prefix("scalar/") {
                stepper
                    .scalars
                    .insert(key.to_string(), f64_scalar(&view, name)?);
            } else if let Some(key) = name.strip_prefix("optimizer/") {
                if view.dtype() == Dtype::U8 {
                    stepper.bytes.insert(key.to_string(), view.data().to_vec());
                } else {
                    stepper
                        .vectors
                        .insert(key.to_string(), f64_values(&view, name)?);
                }
            }
        }
        let state = match metadata.get("state") {
            None => None,
            Some(json) => {
                let p: Position =
                    serde_json::from_str(json).map_err(|e| format!("metadata `state`: {e}"))?;
                let terms: Vec<String> = serde_json::from_str(meta("weights")?)
                    .map_err(|e| format!("metadata `weights`: {e}"))?;
                let weights = terms
                    .into_iter()
                    .map(|term| {
                        let name = format!("weight/{term}");
                        let view = file
                            .tensor(&name)
                            .map_err(|_| format!("no tensor `{name}`"))?;
                        Ok((term, f64_scalar(&view, &name)?))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                let interior = match file.tensor(INTERIOR) {
                    Err(_) => None,
                    Ok(view) => {
                        let d = view.shape().get(1).copied().unwrap_or(0).max(1);
                        let values = f64_values(&view, INTERIOR)?;
                        Some(values.chunks(d).map(<[f64]>::to_vec).collect())
                    }
                };
                Some(TrainState {
                    stage: p.stage,
                    iteration: p.iteration,
                    steps_before: p.steps_before,
                    stepper,
                    weights,
                    interior,
                })
            }
        };
        Ok(Self {
            config: meta("config")?.clone(),
            step: number("step")? as usize,
            loss: number("loss")?,
            params,
            state,
        })
    }
}
