//! Inspecting and exporting a model, and the evaluation figures the report draws.

use burn::tensor::Device;
use infer::shipped_model_dir;
use mnist_data::MnistData;
use mnist_train::evaluate::evaluate;
use mnist_train::export::{export_safetensors, torch_layout};
use safetensors::SafeTensors;

#[test]
fn the_confusion_matrix_rows_add_up_to_the_test_class_counts() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let device = Device::flex();
    let (model, _) = mnist_model::load_trained(&shipped_model_dir(), &device).unwrap();
    let eval = evaluate(&model, &data.test, &device).unwrap();
    let rows: Vec<usize> = eval.confusion.iter().map(|r| r.iter().sum()).collect();
    assert_eq!(
        rows,
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    // The answers `infer` would mark "not sure" on MNIST: few, and the others right more
    // often (measured: 93 marked, 99.44% right among the other 9,907). The test digits
    // themselves look like digits, but for a few in four or more pieces.
    let odd = mnist_train::evaluate::odd_shapes(&data.test, mnist_data::DatasetKind::Mnist);
    let odd_count = odd.iter().filter(|&&o| o).count();
    assert!((1..=20).contains(&odd_count), "{odd_count} odd shapes");
    let sure = eval.sure(infer::DEFAULT_MIN_CONFIDENCE, &odd);
    assert!(sure.unsure >= eval.sure(infer::DEFAULT_MIN_CONFIDENCE, &[]).unsure);
    assert_eq!(sure.images, 10_000);
    assert!(sure.unsure > 0 && sure.unsure <= 150, "{sure:?}");
    assert!(sure.sure_accuracy() > eval.accuracy + 0.2, "{sure:?}");
    let diagonal: usize = (0..10).map(|c| eval.confusion[c][c]).sum();
    assert!((eval.accuracy - diagonal as f64 / 100.0).abs() < 1e-9);
    assert_eq!(
        eval.confusion_table(&mnist_data::DatasetKind::Mnist.class_names())
            .lines()
            .count(),
        11,
        "a header and ten rows"
    );
}

#[test]
fn exported_safetensors_reload_with_the_same_values_in_torch_layout() {
    let device = Device::flex();
    let (model, config) = mnist_model::load_trained(&shipped_model_dir(), &device).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.safetensors");
    export_safetensors(&model, &out).unwrap();

    let bytes = std::fs::read(&out).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let format = header.metadata().as_ref().and_then(|m| m.get("format"));
    assert_eq!(format.map(String::as_str), Some("pt"), "PyTorch's metadata");
    let shapes = config.layer_shapes();
    assert_eq!(file.len(), 2 * shapes.len());
    for (i, (d_in, d_out)) in shapes.iter().enumerate() {
        let weight = file.tensor(&format!("layers.{i}.weight")).unwrap();
        assert_eq!(weight.dtype(), safetensors::Dtype::F32);
        assert_eq!(weight.shape(), [*d_out, *d_in]);
        let bias = file.tensor(&format!("layers.{i}.bias")).unwrap();
        assert_eq!(bias.shape(), [*d_out]);

        // Element (o, k) of the file is Burn's weight[k][o].
        let burn: Vec<f32> = model.layers()[i]
            .weight
            .val()
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap();
        let stored: Vec<f32> = weight
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        for (o, k) in [(0, 0), (d_out - 1, d_in - 1), (d_out / 2, d_in / 3)] {
            assert_eq!(
                stored[o * d_in + k],
                burn[k * d_out + o],
                "layer {i} ({o}, {k})"
            );
        }
    }
    // The layout the file holds is the one `torch_layout` describes (and docs/getting-started.md documents).
    let names: Vec<String> = torch_layout(&model)
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names[0], "layers.0.weight");
}
