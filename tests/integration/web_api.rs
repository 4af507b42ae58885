//! The web server's JSON API: predictions equal `infer --json`'s, runs read from real run
//! folders (live ones too), and every kind of bad request gets a 4xx with a one-line reason.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::binary;
use crate::web_server::WebServer;
use integration_tests::{
    copy_shipped_run, shipped_metrics_lines, shipped_test_accuracy, training_run, write_epochs,
};
use serde_json::Value;

/// A client that hands back 4xx/5xx answers instead of failing on them.
fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// `(status, JSON body)` of a request.
fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> (u16, Value) {
    let mut response = response.expect("the server answers");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().expect("a text body");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text:?} (status {status})"));
    (status, json)
}

fn post(server: &WebServer, route: &str, body: &[u8]) -> (u16, Value) {
    answer(client().post(format!("{}{route}", server.url)).send(body))
}

fn get(server: &WebServer, route: &str) -> (u16, Value) {
    answer(client().get(format!("{}{route}", server.url)).call())
}

/// Checks that `(code, answer)` is a refusal with `status` whose one-line reason contains
/// `reason`; `what` names the request in a failure.
fn assert_refused((code, answer): (u16, Value), status: u16, reason: &str, what: &str) {
    assert_eq!(code, status, "{what}: {answer}");
    let error = answer["error"].as_str().unwrap_or_default();
    assert!(error.contains(reason), "{what}: {answer}");
}

/// A request sent byte for byte, so the path reaches the server exactly as written (clients
/// tidy `..` away); returns the status line.
fn raw_request(server: &WebServer, path: &str) -> String {
    let addr = server.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("a connection");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply.lines().next().unwrap_or_default().to_string()
}

fn canvas_fixture(name: &str) -> std::path::PathBuf {
    integration_tests::workspace_root()
        .join("tests/fixtures/canvas")
        .join(name)
}

#[test]
fn a_prediction_is_infers_json_plus_the_image_the_network_saw() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    let file = canvas_fixture("7-canvas-22px.png");

    let (status, web) = post(&server, "/api/predict", &std::fs::read(&file).unwrap());
    assert_eq!(status, 200, "{web}");

    let out = std::process::Command::new(binary("infer"))
        .args(["--json", "--device", "cpu"])
        .arg(&file)
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["digit", "class", "confidence", "probabilities"] {
        assert_eq!(web[key], cli[key], "{key}: web {web} vs infer {cli}");
    }
    assert_eq!(web["digit"], 7);
    assert_eq!(web["model"], "shipped");
    let input = web["input"].as_array().unwrap();
    assert_eq!(input.len(), 28 * 28);
    let digit = infer::load_digit(&file).unwrap();
    let expected: Vec<Value> = digit.iter().map(|&v| Value::from(v)).collect();
    assert_eq!(input, &expected, "input is not the preprocessed digit");
}

#[test]
fn a_run_folder_answers_as_a_model() {
    let artifacts = tempfile::tempdir().unwrap();
    copy_shipped_run(artifacts.path(), "mine");
    let server = WebServer::start(artifacts.path());
    let bytes = std::fs::read(canvas_fixture("3-canvas-15px.png")).unwrap();

    let (status, json) = post(&server, "/api/predict?model=mine", &bytes);
    assert_eq!(
        (status, &json["model"]),
        (200, &Value::from("mine")),
        "{json}"
    );
    assert_eq!(json["digit"], 3);

    let (status, models) = get(&server, "/api/models");
    assert_eq!(status, 200);
    let names: Vec<&str> = models
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shipped", "mine"]);
    assert_eq!(models[0]["test_accuracy"], models[1]["test_accuracy"]);
}

#[test]
fn every_kind_of_bad_request_gets_a_4xx_with_its_reason() {
    let artifacts = tempfile::tempdir().unwrap();
    copy_shipped_run(artifacts.path(), "mine");
    let server = WebServer::start(artifacts.path());
    let digit = std::fs::read(canvas_fixture("1-canvas-22px.png")).unwrap();
    let blank = crate::infer::png_bytes(&image::GrayImage::from_pixel(50, 50, image::Luma([255])));

    let cases: Vec<(&str, (u16, Value), u16, &str)> = vec![
        (
            "empty body",
            post(&server, "/api/predict", b""),
            400,
            "empty",
        ),
        (
            "not an image",
            post(&server, "/api/predict", b"hello, world"),
            415,
            "not an image",
        ),
        (
            "over 10 MiB",
            post(&server, "/api/predict", &vec![0u8; web::MAX_UPLOAD + 1]),
            413,
            "over 10 MiB",
        ),
        (
            "decompression bomb",
            post(
                &server,
                "/api/predict",
                &crate::infer::png_claiming(20_000, 20_000),
            ),
            413,
            "too large",
        ),
        (
            "blank page",
            post(&server, "/api/predict", &blank),
            422,
            "no digit",
        ),
        (
            "unknown model",
            post(&server, "/api/predict?model=nope", &digit),
            404,
            "nope",
        ),
        (
            "model outside artifacts",
            post(&server, "/api/predict?model=..%2Fetc", &digit),
            400,
            "not a run name",
        ),
        (
            "unknown run",
            get(&server, "/api/runs/nope"),
            404,
            "run \"nope\" not found",
        ),
        (
            "a GET where a POST goes",
            get(&server, "/api/predict"),
            405,
            "GET is not allowed on /api/predict",
        ),
        (
            "run name with a slash",
            get(&server, "/api/runs/a%2Fb"),
            400,
            "not a run name",
        ),
        (
            "hidden run name",
            get(&server, "/api/runs/.hidden"),
            400,
            "not a run name",
        ),
        (
            "a file of a run",
            get(&server, "/api/runs/mine/model.bpk"),
            404,
            "not a run picture",
        ),
        (
            "unknown route",
            get(&server, "/api/nothing"),
            404,
            "no such route",
        ),
    ];
    let server_folder = artifacts.path().display().to_string();
    for (what, (status, json), expected, reason) in cases {
        let message = json["error"].as_str().unwrap_or_default();
        assert_eq!(status, expected, "{what}: {json}");
        assert!(
            message.contains(reason) && !message.contains('\n'),
            "{what}: {message:?} should say {reason:?} in one line"
        );
        assert!(
            !message.contains(&server_folder),
            "{what}: {message:?} shows the server's folder"
        );
    }
    // `..` sent as written, past any client tidying: never a file outside the artifacts folder.
    for path in [
        "/api/runs/..",
        "/api/runs/../config.toml",
        "/api/runs/%2E%2E/curves.png",
    ] {
        let status = raw_request(&server, path);
        assert!(
            status.contains(" 400 ") || status.contains(" 404 "),
            "{path}: {status}"
        );
    }
    // And the server still serves.
    assert_eq!(post(&server, "/api/predict", &digit).1["digit"], 1);
}

#[test]
fn a_few_hundred_concurrent_requests_are_all_answered() {
    let artifacts = tempfile::tempdir().unwrap();
    copy_shipped_run(artifacts.path(), "mine");
    let server = WebServer::start(artifacts.path());
    let files: Vec<(u8, Vec<u8>)> = (0..10u8)
        .map(|d| {
            let bytes = std::fs::read(canvas_fixture(&format!("{d}-canvas-22px.png"))).unwrap();
            (d, bytes)
        })
        .collect();
    let answered = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..16)
            .map(|w| {
                let (server, files) = (&server, &files);
                scope.spawn(move || {
                    let mut statuses = Vec::new();
                    for i in 0..20 {
                        let (status, _) = match (w + i) % 3 {
                            0 => get(server, "/api/runs"),
                            1 => post(server, "/api/predict", b"junk"),
                            _ => post(server, "/api/predict", &files[(w + i) % 10].1),
                        };
                        statuses.push(status);
                    }
                    statuses
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect::<Vec<u16>>()
    });
    assert_eq!(answered.len(), 320);
    assert!(
        answered.iter().all(|s| *s == 200 || *s == 415),
        "{answered:?}"
    );
    let junk = (0..16)
        .flat_map(|w| (0..20).map(move |i| (w + i) % 3))
        .filter(|kind| *kind == 1)
        .count();
    assert_eq!(answered.iter().filter(|s| **s == 415).count(), junk);
}

#[test]
fn runs_list_finished_and_live_runs_with_their_metrics() {
    let artifacts = tempfile::tempdir().unwrap();
    copy_shipped_run(artifacts.path(), "done");
    // A run in the middle of training: what `train` has written after three epochs.
    let (live, lock) = training_run(artifacts.path(), "live", 3);
    std::fs::create_dir(artifacts.path().join("not-a-run")).unwrap();
    let server = WebServer::start(artifacts.path());

    let (status, runs) = get(&server, "/api/runs");
    assert_eq!(status, 200);
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let (done, running) = (&runs[0], &runs[1]);
    assert_eq!(done["status"], "finished");
    assert_eq!(done["test_accuracy"], shipped_test_accuracy());
    assert_eq!(done["epochs_completed"], 30);
    assert_eq!(done["dataset"], "mnist");
    assert_eq!(running["status"], "training");
    assert_eq!(running["epochs_completed"], 3);
    assert_eq!(running["test_accuracy"], Value::Null);
    assert_eq!(running["has_model"], false);

    // The next epoch lands: the run grows.
    write_epochs(&live, 4);
    let (_, detail) = get(&server, "/api/runs/live");
    let epochs = detail["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 4);
    let lines = shipped_metrics_lines();
    let fourth: Vec<&str> = lines[4].split(',').collect();
    assert_eq!(
        epochs[3]["valid_accuracy"],
        fourth[4].parse::<f64>().unwrap()
    );
    assert!(detail["config"].as_str().unwrap().contains("[optimizer]"));

    // Its process ends (stopped, interrupted or killed): the run says so at once.
    drop(lock);
    assert_eq!(get(&server, "/api/runs/live").1["status"], "stopped");
}

#[test]
fn a_run_serves_its_pictures_and_nothing_else() {
    let artifacts = tempfile::tempdir().unwrap();
    let run = copy_shipped_run(artifacts.path(), "pictured");
    let png = crate::infer::png_bytes(&image::GrayImage::from_pixel(4, 4, image::Luma([9])));
    std::fs::write(run.join("curves.png"), &png).unwrap();
    let server = WebServer::start(artifacts.path());

    let (_, detail) = get(&server, "/api/runs/pictured");
    assert_eq!(detail["pictures"], serde_json::json!(["curves.png"]));
    let mut response = client()
        .get(format!("{}/api/runs/pictured/curves.png", server.url))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.body_mut().read_to_vec().unwrap(), png);
    assert_eq!(get(&server, "/api/runs/pictured/weights.png").0, 404);
    assert!(Path::new(&run.join("config.toml")).is_file());
}

/// What the server answers a client that sends only `sent` and then waits: the status line,
/// the JSON body, and how long the answer took.
fn stalled_client(server: &WebServer, sent: &[u8]) -> (String, Value, Duration) {
    let addr = server.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let start = Instant::now();
    stream.write_all(sent).unwrap();
    let mut reply = Vec::new();
    let mut buffer = [0u8; 4096];
    // Until the server closes the connection (or the read times out).
    while let Ok(n @ 1..) = stream.read(&mut buffer) {
        reply.extend_from_slice(&buffer[..n]);
    }
    let took = start.elapsed();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let status = reply.lines().next().unwrap_or_default().to_string();
    let body = reply.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, json, took)
}

#[test]
fn a_client_that_stalls_is_answered_408_and_let_go() {
    let artifacts = tempfile::tempdir().unwrap();
    let second = Duration::from_secs(1);
    let server = WebServer::start_with(
        artifacts.path(),
        web::Timeouts {
            headers: second,
            body: second,
        },
    );
    // Ten bytes of a body announced as 1,000.
    let (status, json, took) = stalled_client(
        &server,
        b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789",
    );
    assert!(status.contains(" 408 "), "{status}");
    assert_eq!(json["error"], "the upload did not arrive within 1 s");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Half a request line, then nothing.
    let (status, json, took) = stalled_client(&server, b"GET /api/ru");
    assert!(status.contains(" 408 "), "{status}");
    assert_eq!(
        json["error"],
        "the request's headers did not arrive in time"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    // Nothing is held: the server answers the next client at once.
    let digit = std::fs::read(canvas_fixture("1-canvas-22px.png")).unwrap();
    assert_eq!(post(&server, "/api/predict", &digit).1["digit"], 1);
}

#[test]
fn a_number_is_read_as_infer_reads_it() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    let numbers = integration_tests::workspace_root().join("tests/fixtures/numbers");
    for name in ["42.png", "17-touching.png"] {
        let file = numbers.join(name);
        let (status, web) = post(&server, "/api/predict", &std::fs::read(&file).unwrap());
        assert_eq!(status, 200, "{name}: {web}");
        let out = std::process::Command::new(binary("infer"))
            .args(["--json", "--device", "cpu"])
            .arg(&file)
            .output()
            .unwrap();
        let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(web["number"], cli["number"], "{name}");
        assert_eq!(web["unsure"], cli["unsure"], "{name}");
        let digits = cli["digits"].as_array().unwrap();
        assert!(digits.len() >= 2, "{name}: {cli}");
        assert_eq!(web["inputs"].as_array().unwrap().len(), digits.len());
        for (w, c) in web["digits"].as_array().unwrap().iter().zip(digits) {
            assert_eq!(w["probabilities"], c["probabilities"], "{name}");
        }
    }
}

/// Waits (up to 120 s) until `GET /api/train` says the page's run ended, and returns how.
fn training_ended(server: &WebServer) -> Value {
    let start = Instant::now();
    loop {
        let (status, state) = get(server, "/api/train");
        assert_eq!(status, 200, "{state}");
        if state["current"].is_null() && !state["last"].is_null() {
            return state["last"].clone();
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{state}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_run_started_through_the_api_is_the_command_lines_run() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    let (status, recipes) = get(&server, "/api/recipes");
    assert_eq!(status, 200);
    assert!(
        recipes.as_array().unwrap().contains(&"smoke".into()),
        "{recipes}"
    );

    let request = br#"{"recipe": "smoke", "epochs": 2, "seed": 5, "run_name": "from-api"}"#;
    let (status, started) = post(&server, "/api/train", request);
    assert_eq!(status, 202, "{started}");
    assert_eq!(started["run"], "from-api");
    let ended = training_ended(&server);
    assert_eq!(ended["outcome"], "finished", "{ended}");

    // The same recipe, epochs and seed from the command line: the same figures.
    crate::train_from_cli("smoke.toml", 2, 5, "from-cli", artifacts.path());
    let metrics = |run: &str| {
        integration_tests::metrics_rows(&artifacts.path().join(run).join("metrics.csv"))
    };
    assert_eq!(metrics("from-api"), metrics("from-cli"));
    let (_, cli) = get(&server, "/api/runs/from-cli");
    assert_eq!(
        ended["test_accuracy"], cli["test_accuracy"],
        "{ended} {cli}"
    );

    // Its network (784-64-10: one hidden layer) is explained as any other.
    let image = std::fs::read(canvas_fixture("4-canvas-30px.png")).unwrap();
    let (status, explained) = post(&server, "/api/explain?model=from-api", &image);
    assert_eq!(status, 200, "{explained}");
    let hidden = explained["explanation"]["hidden"].as_array().unwrap();
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0].as_array().unwrap().len(), 64);
    let (status, w) = get(&server, "/api/weights?model=from-api&layer=1&unit=9");
    assert_eq!(status, 200, "{w}");
    assert_eq!(w["weights"].as_array().unwrap().len(), 64);

    // A finished run is not started again under its name.
    assert_refused(post(&server, "/api/train", request), 409, "exists", "taken");
}

#[test]
fn every_bad_training_request_gets_a_4xx_with_its_reason() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    for (body, status, reason) in [
        (
            &br#"{"recipe": "nosuch"}"#[..],
            400,
            "unknown recipe \"nosuch\"",
        ),
        (br#"{"recipe": "../Cargo"}"#, 400, "unknown recipe"),
        (
            br#"{"recipe": "smoke", "epochs": 0}"#,
            400,
            "epochs 0: from 1 to 100",
        ),
        (br#"{"recipe": "smoke", "epochs": 101}"#, 400, "epochs 101"),
        (
            br#"{"recipe": "smoke", "run_name": "../up"}"#,
            400,
            "run name \"../up\"",
        ),
        (
            br#"{"recipe": "smoke", "rate": 2}"#,
            400,
            "unknown field `rate`",
        ),
        (b"not json", 400, "the request"),
    ] {
        let what = String::from_utf8_lossy(body);
        assert_refused(post(&server, "/api/train", body), status, reason, &what);
    }
    let stop = post(&server, "/api/train/stop", b"");
    assert_refused(stop, 409, "no run is training", "stop");
    let resume = post(&server, "/api/runs/nosuch/resume", b"");
    assert_refused(resume, 404, "not found", "resume");
    assert!(
        artifacts.path().read_dir().unwrap().next().is_none(),
        "nothing was written"
    );

    // A server others can reach trains only when told it may.
    let closed = WebServer::start_without_training(artifacts.path());
    let refused = post(&closed, "/api/train", br#"{"recipe": "smoke"}"#);
    assert_refused(refused, 403, "--allow-training", "closed server");
    let (_, state) = get(&closed, "/api/train");
    assert_eq!(state["allowed"], false);
}

#[test]
fn the_explanation_is_the_networks_own_arithmetic() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    let image = std::fs::read(canvas_fixture("4-canvas-30px.png")).unwrap();
    let (status, predicted) = post(&server, "/api/predict", &image);
    assert_eq!(status, 200, "{predicted}");
    let (status, explained) = post(&server, "/api/explain", &image);
    assert_eq!(status, 200, "{explained}");
    let e = &explained["explanation"];
    assert_eq!(explained["answer"], predicted["digit"]);
    assert_eq!(explained["seen"], predicted["input"]);
    let sizes: Vec<usize> = e["hidden"]
        .as_array()
        .unwrap()
        .iter()
        .map(|layer| layer.as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [784, 32]);
    for (a, b) in e["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .zip(predicted["probabilities"].as_array().unwrap())
    {
        assert!(
            (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-4,
            "{a} vs {b}"
        );
    }
    // The second hidden layer recomputed from the first and the weights the API gives.
    let first: Vec<f64> = e["hidden"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for unit in [0, 7, 31] {
        let (status, w) = get(&server, &format!("/api/weights?layer=1&unit={unit}"));
        assert_eq!(status, 200, "{w}");
        let weights = w["weights"].as_array().unwrap();
        assert_eq!(weights.len(), 784);
        let z: f64 = first
            .iter()
            .zip(weights)
            .map(|(a, w)| a * w.as_f64().unwrap())
            .sum::<f64>()
            + w["bias"].as_f64().unwrap();
        let shown = e["hidden"][1][unit].as_f64().unwrap();
        assert!(
            (z.max(0.0) - shown).abs() < 1e-3,
            "unit {unit}: {z} vs {shown}"
        );
    }
    // Contributions: activation x weight into the answer, largest first.
    let contributions = e["contributions"].as_array().unwrap();
    assert!(!contributions.is_empty());
    let products: Vec<f64> = contributions
        .iter()
        .map(|c| c["product"].as_f64().unwrap())
        .collect();
    assert!(products.windows(2).all(|p| p[0] >= p[1]), "{products:?}");

    for (route, reason) in [
        (
            "/api/weights?layer=3&unit=0",
            "layer=3: the network has layers 0 to 2",
        ),
        (
            "/api/weights?layer=1&unit=32",
            "unit=32: layer 1 has units 0 to 31",
        ),
        ("/api/weights?layer=x&unit=0", "layer=\"x\": not a number"),
        ("/api/weights?unit=0", "layer=N is missing"),
        (
            "/api/weights?model=nosuch&layer=0&unit=0",
            "model \"nosuch\"",
        ),
    ] {
        let (code, answer) = get(&server, route);
        assert!((400..500).contains(&code), "{route}: {code} {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains(reason),
            "{route}: {answer}"
        );
    }
    let second = post(&server, "/api/explain?digit=1", &image);
    assert_refused(second, 400, "holds 1 digit", "digit=1");
}

#[test]
fn a_runs_mistakes_are_the_test_images_eval_counts_wrong() {
    let artifacts = tempfile::tempdir().unwrap();
    copy_shipped_run(artifacts.path(), "finished-run");
    let server = WebServer::start(artifacts.path());
    let (status, wrong) = get(&server, "/api/runs/finished-run/mistakes");
    assert_eq!(status, 200, "{}", wrong["error"]);
    let mistakes = wrong["mistakes"].as_array().unwrap();
    let right = wrong["right"].as_u64().unwrap() as f64;
    assert!(
        (right / 100.0 - shipped_test_accuracy()).abs() < 1e-6,
        "{right}"
    );
    assert_eq!(mistakes.len() as f64, 10_000.0 - right);
    let confusion = wrong["confusion"].as_array().unwrap();
    let off_diagonal: u64 = confusion
        .iter()
        .enumerate()
        .flat_map(|(t, row)| {
            row.as_array()
                .unwrap()
                .iter()
                .enumerate()
                .filter(move |(p, _)| *p != t)
                .map(|(_, n)| n.as_u64().unwrap())
        })
        .sum();
    assert_eq!(off_diagonal as usize, mistakes.len());
    for m in mistakes {
        assert_ne!(m["label"], m["answer"]);
        assert_eq!(m["pixels"].as_array().unwrap().len(), 784);
    }
    let (code, answer) = get(&server, "/api/runs/nosuch/mistakes");
    assert_eq!(code, 404, "{answer}");
}
