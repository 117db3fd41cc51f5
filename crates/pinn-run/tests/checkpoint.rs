//! Checkpoints: a round trip through safetensors keeps every bit, and a model is only loaded
//! into one of the same structure.

use std::collections::BTreeMap;

use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::params;
use pinn_optim::{StepperState, TrainState};
use pinn_run::{Checkpoint, Config, TrainedRun};

fn config(width: usize, depth: usize) -> String {
    format!(
        "dtype = \"f64\"\n[pde]\nname = \"poisson2d\"\n[model]\nwidth = {width}\ndepth = {depth}\n\
         [[train.stages]]\noptimizer = \"adam\"\nsteps = 1\n"
    )
}

fn checkpoint(text: &str) -> Checkpoint {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let cfg = Config::parse(text, "test", None).unwrap();
    let model = cfg.model_at_init(&device).unwrap();
    Checkpoint {
        config: text.to_string(),
        step: 7,
        loss: 0.1 + 0.2,
        params: params::named(&model),
        state: Some(TrainState {
            stage: 1,
            iteration: 3,
            steps_before: 6,
            stepper: StepperState {
                scalars: BTreeMap::from([("mu".into(), 1.0 / 3.0), ("nu".into(), 2.0)]),
                vectors: BTreeMap::from([("theta".into(), vec![f64::MIN_POSITIVE, -0.0, 1e300])]),
                bytes: BTreeMap::from([("moments".into(), vec![0u8, 255, 7])]),
            },
            weights: vec![("boundary".into(), 10.0), ("residual".into(), 1.0)],
            interior: Some(vec![vec![0.1, 1.0 / 3.0], vec![-0.0, 5e-324]]),
        }),
    }
}

#[test]
fn a_checkpoint_survives_safetensors_bit_for_bit() {
    let ck = checkpoint(&config(6, 1));
    let back = Checkpoint::from_bytes(&ck.to_bytes().unwrap()).unwrap();
    assert_eq!(back, ck);
    assert_eq!(
        back.params[0].name, "net.Mlp.layers.0.weight",
        "{:?}",
        back.params[0].name
    );
}

#[test]
fn parameters_are_refused_by_a_model_of_another_shape_with_the_same_count() {
    // depth 1, width 6 and depth 2, width 3 both have 25 parameters.
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let mut ck = checkpoint(&config(6, 1));
    assert_eq!(ck.params.iter().map(|p| p.values.len()).sum::<usize>(), 25);
    assert!(TrainedRun::from_checkpoint(&ck, &device).is_ok());
    ck.config = config(3, 2);
    let e = TrainedRun::from_checkpoint(&ck, &device).err().unwrap();
    assert!(e.contains("shape") || e.contains("tensors"), "{e}");
}

#[test]
fn damaged_files_are_errors_not_panics() {
    let bytes = checkpoint(&config(6, 1)).to_bytes().unwrap();
    for cut in [0, 7, 8, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            Checkpoint::from_bytes(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut flipped = bytes.clone();
    flipped[10] ^= 0x55;
    let _ = Checkpoint::from_bytes(&flipped);
}
