//! Bad model folders given to `infer --model`: missing, torn or random weights, another
//! network's weights, a broken `model.json`. Each is one clear line naming the file, exit 1.

use std::path::Path;
use std::process::Command;

fn shipped() -> std::path::PathBuf {
    integration_tests::workspace_root()
        .join("artifacts")
        .join("shipped")
}

/// A copy of the shipped model's two files in `dir`.
fn copy_model(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for file in ["model.json", "model.bpk"] {
        std::fs::copy(shipped().join(file), dir.join(file)).unwrap();
    }
}

/// Runs `infer --model dir` on a sample digit: (exit code, stderr).
fn infer_with(model: &Path) -> (Option<i32>, String) {
    let digit = integration_tests::fixture_digit("4-drawn-0.png");
    let out = Command::new(crate::binary("infer"))
        .arg("--model")
        .arg(model)
        .arg(&digit)
        .output()
        .unwrap();
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn each_broken_model_folder_gets_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("no-such-run");
    let (code, stderr) = infer_with(&missing);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("no-such-run") && stderr.contains("not a model folder"),
        "{stderr}"
    );

    let torn = dir.path().join("torn");
    copy_model(&torn);
    let bytes = std::fs::read(torn.join("model.bpk")).unwrap();
    std::fs::write(torn.join("model.bpk"), &bytes[..bytes.len() / 2]).unwrap();
    let (code, stderr) = infer_with(&torn);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("torn/model.bpk") && stderr.contains("cannot load the weights"),
        "{stderr}"
    );

    let random = dir.path().join("random");
    copy_model(&random);
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(random.join("model.bpk"), noise).unwrap();
    let (code, stderr) = infer_with(&random);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("random/model.bpk"), "{stderr}");

    // Weights of a 784-16-10 network under a model.json of 784-784-32-10.
    let other = dir.path().join("other");
    copy_model(&other);
    use burn::module::Module;
    mnist_model::MlpConfig::new()
        .with_hidden(vec![16])
        .init(&burn::tensor::Device::flex())
        .save_file(other.join("model"))
        .unwrap();
    let (code, stderr) = infer_with(&other);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("other/model.bpk") && stderr.contains("784-784-32-10"),
        "{stderr}"
    );

    let garbled = dir.path().join("garbled");
    copy_model(&garbled);
    std::fs::write(garbled.join("model.json"), "{\"hidden\": \"wide\"}").unwrap();
    let (code, stderr) = infer_with(&garbled);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("garbled/model.json"), "{stderr}");

    // A dropout Burn's layer would refuse (it panics on a probability outside [0, 1)).
    let dropout = dir.path().join("dropout");
    copy_model(&dropout);
    let json = std::fs::read_to_string(dropout.join("model.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["dropout"] = serde_json::json!(1.5);
    std::fs::write(dropout.join("model.json"), value.to_string()).unwrap();
    let (code, stderr) = infer_with(&dropout);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("dropout/model.json") && stderr.contains("dropout must be in [0, 1)"),
        "{stderr}"
    );
}
