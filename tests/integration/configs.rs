//! Every file in `configs/` parses and validates; misspelt keys and bad values are refused by name.

use std::path::Path;

use mnist_runs::config::{OptimizerName, RunConfig};
use mnist_runs::RunsError;

fn parse(text: &str) -> Result<RunConfig, RunsError> {
    let file = Path::new("test.toml");
    let config = RunConfig::parse(text, file)?;
    config.validate(file)?;
    Ok(config)
}

fn error(text: &str) -> String {
    parse(text)
        .expect_err("this config must be refused")
        .to_string()
}

#[test]
fn every_config_file_parses_and_validates() {
    let dir = integration_tests::workspace_root().join("configs");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let config = RunConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert_eq!(
                config.name,
                stem,
                "{}: name should match the file",
                path.display()
            );
            seen.push(stem);
        }
    }
    seen.sort();
    for required in [
        "adam",
        "best",
        "deep",
        "fashion",
        "rmsprop",
        "sgd",
        "smoke",
        "smoke-sgd",
    ] {
        assert!(
            seen.iter().any(|s| s == required),
            "configs/{required}.toml is missing"
        );
    }
}

#[test]
fn best_and_fashion_keep_the_tutorial_network_and_the_issue_limits() {
    let load = |name: &str| RunConfig::load(&integration_tests::config(name)).unwrap();
    let best = load("best.toml");
    assert_eq!(best.model.hidden, vec![784, 32]);
    assert!(best.train.epochs <= 30);
    assert!(!best.data.augment.is_off());
    let fashion = load("fashion.toml");
    assert_eq!(fashion.data.dataset, mnist_data::DatasetKind::FashionMnist);
    assert_eq!(fashion.model.hidden, vec![784, 32]);
    assert!(fashion.train.keep_best && fashion.model.dropout > 0.0);
    // The model it trains names Fashion-MNIST's classes.
    let names = fashion.model.to_burn(fashion.data.dataset).class_names;
    assert_eq!(names[9], "Ankle boot");
}

#[test]
fn the_tutorial_recipes_are_as_the_tutorials_give_them() {
    let load = |name: &str| RunConfig::load(&integration_tests::config(name)).unwrap();
    let sgd = load("sgd.toml");
    assert_eq!(sgd.model.hidden, vec![784, 32]);
    assert_eq!((sgd.train.epochs, sgd.train.batch_size), (20, 500));
    assert_eq!(
        (sgd.optimizer.name, sgd.optimizer.lr()),
        (OptimizerName::Sgd, 0.01)
    );
    assert_eq!(sgd.data.validation_split, 0.1);
    let rms = load("rmsprop.toml");
    assert_eq!(
        (
            rms.model.hidden.as_slice(),
            rms.train.batch_size,
            rms.train.epochs
        ),
        (&[32][..], 128, 5)
    );
    assert_eq!(rms.optimizer.name, OptimizerName::Rmsprop);
    let adam = load("adam.toml");
    assert_eq!(
        (
            adam.model.hidden.as_slice(),
            adam.train.batch_size,
            adam.train.epochs
        ),
        (&[20][..], 32, 20)
    );
    let deep = load("deep.toml");
    assert_eq!(deep.model.hidden, vec![128, 64, 32]);
    assert_eq!((deep.optimizer.lr(), deep.train.batch_size), (0.1, 64));
}

#[test]
fn unknown_keys_are_refused_with_their_name_and_the_file() {
    let message = error("[train]\nepochs = 2\nbatchsize = 10\n");
    assert!(message.contains("batchsize"), "{message}");
    assert!(message.contains("test.toml"), "{message}");
    assert!(
        message.contains("batch_size"),
        "lists the allowed keys: {message}"
    );
    assert!(error("lerning_rate = 0.1\n").contains("lerning_rate"));
    assert!(error("[optimiser]\nname = \"sgd\"\n").contains("optimiser"));
}

#[test]
fn bad_values_are_refused_naming_the_key_and_the_allowed_values() {
    let cases = [
        ("[optimizer]\nlr = 0.0\n", "optimizer.lr"),
        ("[optimizer]\nlr = -1.0\n", "optimizer.lr"),
        ("[train]\nbatch_size = 0\n", "train.batch_size"),
        ("[train]\nepochs = 0\n", "train.epochs"),
        ("[data]\nvalidation_split = 1.0\n", "data.validation_split"),
        ("[data]\nvalidation_split = -0.1\n", "data.validation_split"),
        ("[model]\nhidden = [784, 0]\n", "model.hidden"),
        (
            "[optimizer]\nname = \"adam\"\nmomentum = 0.9\n",
            "optimizer.momentum",
        ),
        (
            "[optimizer]\nname = \"sgd\"\nmomentum = 1.5\n",
            "optimizer.momentum",
        ),
        (
            "[optimizer]\nname = \"sgd\"\nnesterov = true\n",
            "optimizer.nesterov",
        ),
        ("[schedule]\nname = \"step\"\n", "schedule.step_epochs"),
        (
            "[schedule]\nname = \"constant\"\nmin_lr = 0.1\n",
            "schedule.min_lr",
        ),
        ("name = \"../escape\"\n", "name"),
        ("[model]\ndropout = 1.0\n", "model.dropout"),
        ("[model]\ndropout = -0.1\n", "model.dropout"),
        ("[train]\nlabel_smoothing = 1.5\n", "train.label_smoothing"),
        (
            "[data]\nvalidation_split = 0.0\n[train]\nkeep_best = true\n",
            "train.keep_best",
        ),
        (
            "[train]\nepochs = 5\n[schedule]\nname = \"cosine\"\nwarmup_epochs = 5\n",
            "schedule.warmup_epochs",
        ),
        (
            "[schedule]\nname = \"step\"\nstep_epochs = 1\nwarmup_epochs = 1\n",
            "schedule.warmup_epochs",
        ),
        (
            "[optimizer]\nlr = 0.1\n[schedule]\nname = \"onecycle\"\nmin_lr = 0.2\n",
            "schedule.min_lr",
        ),
        (
            "[data]\naugment = { letterforms = 1.5 }\n",
            "data.augment.letterforms",
        ),
        // Trousers and sneakers (Fashion-MNIST's classes 1 and 7) have no flags or crossbars.
        (
            "[data]\ndataset = \"fashion-mnist\"\naugment = { letterforms = 0.3 }\n",
            "data.augment.letterforms",
        ),
    ];
    for (text, key) in cases {
        let message = error(text);
        assert!(
            message.contains(&format!("`{key}`")),
            "{text:?} -> {message}"
        );
        assert!(message.contains("test.toml"), "{message}");
    }
    let message = error("[optimizer]\nname = \"adagrad\"\n");
    for allowed in ["sgd", "rmsprop", "adam", "adamw"] {
        assert!(message.contains(allowed), "{message}");
    }
    assert!(error("[model]\ninit = \"he\"\n").contains("glorot_uniform"));
    for empty in ["", "\n\n", "# only a comment\n"] {
        assert!(error(empty).contains("sets nothing"), "{empty:?}");
    }
}

#[test]
fn defaults_fill_what_a_file_leaves_out() {
    let config = parse("seed = 42\n").unwrap();
    assert_eq!(config.name, "test");
    assert_eq!(config.model.hidden, vec![784, 32]);
    assert_eq!(config.data.validation_split, 0.1);
    assert_eq!(config.optimizer.lr(), 0.01);
    assert_eq!(
        parse("[optimizer]\nname = \"rmsprop\"\n")
            .unwrap()
            .optimizer
            .lr(),
        0.001
    );
    // The resolved config written to a run folder reads back the same.
    let again = parse(&config.to_toml().unwrap()).unwrap();
    assert_eq!(again, config);
}

#[test]
fn one_run_name_rule_for_training_and_for_browsing() {
    use mnist_runs::is_plain_run_name;
    for name in ["sgd", "best-seed1", "run_2.b"] {
        assert!(is_plain_run_name(name), "{name}");
        let config =
            RunConfig::parse(&format!("name = \"{name}\"\n"), Path::new("t.toml")).unwrap();
        config.validate(Path::new("t.toml")).unwrap();
    }
    assert!(!is_plain_run_name(""));
    // (An empty `name` in a file means the file's stem.)
    for name in ["my run", "..", ".hidden", "a/b", "a\\b", "é"] {
        assert!(!is_plain_run_name(name), "{name:?}");
        let config =
            RunConfig::parse(&format!("name = {name:?}\nseed = 1\n"), Path::new("t.toml")).unwrap();
        assert!(config.validate(Path::new("t.toml")).is_err(), "{name:?}");
    }
}
