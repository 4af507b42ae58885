//! The page in a real browser: headless Chromium (the system's, found on PATH) drawn on with
//! mouse events, given a file to upload, and shown the runs, one of them training.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchMouseEventParams, DispatchMouseEventType, MouseButton,
};
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::page::{Page, ScreenshotParams};
use futures::StreamExt;
use integration_tests::{copy_shipped_run, training_run, workspace_root, write_epochs};

use crate::web_server::WebServer;

/// Where the page's screenshot is saved (copied into `docs/` by hand).
fn screenshot_path() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-page.png")
}

/// Saves a screenshot of the page as `name` beside [`screenshot_path`]'s.
async fn save_screenshot(page: &Page, name: &str) {
    let png = page
        .screenshot(
            ScreenshotParams::builder()
                .format(CaptureScreenshotFormat::Png)
                .full_page(true)
                .build(),
        )
        .await
        .unwrap();
    std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(name), png).unwrap();
}

/// The system's Chromium: these tests need a real browser and say how to get one.
fn chromium() -> PathBuf {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("the page tests need Chromium on PATH: apt-get install chromium (.ci/run does)")
        })
}

/// Runs `test` against a fresh headless Chromium with one page open on `url`.
fn with_page<F, Fut>(url: &str, test: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    with_page_sized(url, (1200, 820), test)
}

/// [`with_page`] in a window `size` (width, height) pixels.
fn with_page_sized<F, Fut>(url: &str, size: (u32, u32), test: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let profile = tempfile::tempdir().unwrap();
        let config = BrowserConfig::builder()
            .chrome_executable(chromium())
            .no_sandbox() // CI runs as root
            .user_data_dir(profile.path())
            .window_size(size.0, size.1)
            .viewport(None)
            .build()
            .unwrap();
        let (mut browser, mut handler) = Browser::launch(config).await.unwrap();
        let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
        let page = browser.new_page(url).await.unwrap();
        page.find_element("#canvas").await.unwrap();
        test(page).await;
        browser.close().await.unwrap();
        let _ = browser.wait().await;
        events.abort();
    });
}

async fn eval<T: serde::de::DeserializeOwned>(page: &Page, js: &str) -> T {
    page.evaluate(js)
        .await
        .unwrap_or_else(|e| panic!("{js}: {e}"))
        .into_value()
        .unwrap_or_else(|e| panic!("{js}: {e}"))
}

/// Clicks the element `selector` picks, as a person would.
async fn click(page: &Page, selector: &str) {
    let element = page
        .find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"));
    element
        .click()
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"));
}

/// Waits (up to 30 s) until `js` is true on the page.
async fn wait_for(page: &Page, js: &str) {
    let start = Instant::now();
    while !eval::<bool>(page, js).await {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {js}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Strokes of each digit in a unit box (x right, y down), as polylines: the shapes of
/// `tests/fixtures/make_samples.py`, drawn here with the mouse.
fn strokes(digit: usize) -> Vec<Vec<(f64, f64)>> {
    let arc = |cx: f64, cy: f64, rx: f64, ry: f64, a0: f64, a1: f64| -> Vec<(f64, f64)> {
        (0..=24)
            .map(|i| {
                let a = (a0 + (a1 - a0) * f64::from(i) / 24.0).to_radians();
                (cx + rx * a.cos(), cy + ry * a.sin())
            })
            .collect()
    };
    let then = |mut a: Vec<(f64, f64)>, b: &[(f64, f64)]| {
        a.extend_from_slice(b);
        a
    };
    match digit {
        0 => vec![arc(0.5, 0.5, 0.3, 0.42, 0.0, 360.0)],
        1 => vec![vec![(0.35, 0.25), (0.55, 0.08), (0.55, 0.92)]],
        2 => {
            let top = arc(0.5, 0.32, 0.3, 0.24, 200.0, 380.0);
            vec![then(
                top[..top.len() - 4].to_vec(),
                &[(0.74, 0.45), (0.2, 0.9), (0.82, 0.9)],
            )]
        }
        3 => vec![
            arc(0.48, 0.29, 0.28, 0.21, 210.0, 450.0),
            arc(0.48, 0.7, 0.32, 0.22, 270.0, 510.0),
        ],
        4 => vec![vec![(0.62, 0.92), (0.62, 0.08), (0.15, 0.62), (0.85, 0.62)]],
        5 => vec![then(
            vec![(0.8, 0.1), (0.3, 0.1), (0.26, 0.45)],
            &arc(0.5, 0.65, 0.3, 0.26, 230.0, 500.0),
        )],
        6 => vec![then(
            vec![(0.72, 0.1), (0.45, 0.3), (0.25, 0.62)],
            &arc(0.5, 0.68, 0.27, 0.23, 180.0, 540.0),
        )],
        7 => vec![vec![(0.15, 0.1), (0.85, 0.1), (0.42, 0.92)]],
        8 => vec![
            arc(0.5, 0.3, 0.24, 0.2, 0.0, 360.0),
            arc(0.5, 0.71, 0.3, 0.22, 0.0, 360.0),
        ],
        _ => vec![
            arc(0.5, 0.32, 0.27, 0.23, 0.0, 360.0),
            vec![(0.77, 0.32), (0.7, 0.6), (0.6, 0.92)],
        ],
    }
}

async fn mouse(page: &Page, kind: DispatchMouseEventType, (x, y): (f64, f64), buttons: i64) {
    let event = DispatchMouseEventParams::builder()
        .r#type(kind)
        .x(x)
        .y(y)
        .button(MouseButton::Left)
        .buttons(buttons)
        .click_count(1)
        .build()
        .unwrap();
    page.execute(event).await.unwrap();
}

/// Draws `digit` on the pad stroke by stroke, as a hand with a mouse would: press, move in
/// steps of at most 15 px (a brisk hand; the page joins them with lines), release. The digit
/// is 200 px tall on the 280 px pad.
async fn draw(page: &Page, digit: usize) {
    let [left, top]: [f64; 2] = eval(
        page,
        "(() => { const r = document.getElementById('canvas').getBoundingClientRect(); return [r.left, r.top]; })()",
    )
    .await;
    let at = |(x, y): (f64, f64)| (left + 60.0 + x * 160.0, top + 40.0 + y * 200.0);
    for stroke in strokes(digit) {
        let points: Vec<(f64, f64)> = stroke.into_iter().map(at).collect();
        mouse(page, DispatchMouseEventType::MouseMoved, points[0], 0).await;
        mouse(page, DispatchMouseEventType::MousePressed, points[0], 1).await;
        for pair in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let steps = ((x1 - x0).hypot(y1 - y0) / 15.0).ceil().max(1.0);
            for i in 1..=steps as usize {
                let t = i as f64 / steps;
                let p = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
                mouse(page, DispatchMouseEventType::MouseMoved, p, 1).await;
            }
        }
        let last = *points.last().unwrap();
        mouse(page, DispatchMouseEventType::MouseReleased, last, 0).await;
    }
}

/// The digit the page shows once the answer to the latest drawing is in.
async fn shown_digit(page: &Page) -> String {
    wait_for(
        page,
        "document.getElementById('digit').dataset.state === 'done'",
    )
    .await;
    eval(page, "document.getElementById('digit').textContent").await
}

#[test]
fn digits_drawn_with_the_mouse_are_read_live() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    with_page(&server.url, |page| async move {
        let mut read = Vec::new();
        for digit in 0..10 {
            click(&page, "#clear").await;
            assert_eq!(shown_digit(&page).await, "?", "Clear leaves an empty pad");
            draw(&page, digit).await;
            read.push(shown_digit(&page).await);
        }
        let right = read
            .iter()
            .enumerate()
            .filter(|(d, shown)| **shown == d.to_string())
            .count();
        println!("drawn 0..9 with the mouse, read as {read:?}: {right} of 10 right");
        assert!(right >= 9, "drawn 0..9, read as {read:?}");

        // The pad shows what it read: ten bars, and the 28x28 image the network saw has ink.
        let bars: usize = eval(&page, "document.querySelectorAll('#bars li').length").await;
        assert_eq!(bars, 10);
        let ink: f64 = eval(
            &page,
            "Array.from(document.getElementById('seen').getContext('2d').getImageData(0, 0, 28, 28).data).reduce((a, b) => a + b, 0)",
        )
        .await;
        assert!(ink > 28.0 * 28.0 * 255.0 * 1.01, "the 28x28 view is black");
        let png = page
            .screenshot(
                ScreenshotParams::builder()
                    .format(CaptureScreenshotFormat::Png)
                    .build(),
            )
            .await
            .unwrap();
        std::fs::write(screenshot_path(), png).unwrap();

        // Undo takes the last stroke away: the 9 without its tail is read again.
        click(&page, "#undo").await;
        let strokes_left: usize = eval(&page, "strokes.length").await;
        assert_eq!(strokes_left, 1);
        shown_digit(&page).await;
    });
}

#[test]
fn an_uploaded_file_is_read_and_a_bad_one_explained() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    let good = workspace_root().join("tests/fixtures/canvas/4-canvas-30px.png");
    let bad = artifacts.path().join("notes.txt");
    std::fs::write(&bad, "not a picture").unwrap();
    with_page(&server.url, |page| async move {
        for (file, expected) in [(&good, "4"), (&bad, "?")] {
            let input = page.find_element("#file").await.unwrap();
            let upload = SetFileInputFilesParams::builder()
                .files(vec![file.display().to_string()])
                .backend_node_id(input.backend_node_id)
                .build()
                .unwrap();
            page.execute(upload).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(shown_digit(&page).await, expected, "{}", file.display());
        }
        let message: String = eval(&page, "document.getElementById('message').textContent").await;
        assert!(message.contains("not an image"), "{message:?}");
    });
}

#[test]
fn the_runs_page_draws_curves_and_follows_a_run_that_is_training() {
    let artifacts = tempfile::tempdir().unwrap();
    copy_shipped_run(artifacts.path(), "finished-run");
    let (live, lock) = training_run(artifacts.path(), "training-now", 2);
    let server = WebServer::start(artifacts.path());
    with_page(&server.url, |page| async move {
        click(&page, "#tab-runs").await;
        wait_for(
            &page,
            "document.querySelectorAll('#runs-table tbody tr').length === 2",
        )
        .await;
        let row = |run: &str, cell: usize| {
            format!("document.querySelector('tr[data-run=\"{run}\"]').children[{cell}].textContent")
        };
        assert_eq!(
            eval::<String>(&page, &row("training-now", 2)).await,
            "training"
        );
        assert_eq!(
            eval::<String>(&page, &row("finished-run", 7)).await,
            format!("{:.2}%", integration_tests::shipped_test_accuracy())
        );

        // Open the finished run: its curves are drawn, one point per epoch.
        click(&page, "tr[data-run=\"finished-run\"] a").await;
        wait_for(
            &page,
            "document.querySelectorAll('#run-detail svg.chart path').length === 4",
        )
        .await;
        let points: usize = eval(
            &page,
            "document.querySelectorAll('#run-detail svg.chart circle').length",
        )
        .await;
        assert_eq!(points, 4 * 30);

        // The training run grows on the page as epochs land.
        assert_eq!(eval::<String>(&page, &row("training-now", 5)).await, "2/30");
        write_epochs(&live, 3);
        wait_for(&page, &format!("{} === '3/30'", row("training-now", 5))).await;

        // Two runs ticked: their curves on one chart.
        for run in ["finished-run", "training-now"] {
            let tick = format!("tr[data-run=\"{run}\"] input");
            click(&page, &tick).await;
        }
        wait_for(
            &page,
            "document.querySelectorAll('#compare svg.chart path').length === 4",
        )
        .await;

        // Its process ends (stopped, or killed): the page says so on its next look.
        drop(lock);
        wait_for(&page, &format!("{} === 'stopped'", row("training-now", 2))).await;
    });
}

#[test]
fn the_inside_view_shows_what_lights_up_and_the_weights_into_a_unit() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    with_page(&server.url, |page| async move {
        draw(&page, 4).await;
        assert_eq!(shown_digit(&page).await, "4");
        wait_for(
            &page,
            "document.querySelectorAll('#layers canvas').length === 3",
        )
        .await;
        // What the page drew is what the API computes for the same drawing.
        let same: bool = eval(
            &page,
            "(async () => {
                const blob = await new Promise((done) => pad.toBlob(done, 'image/png'));
                const a = await (await fetch('/api/explain', { method: 'POST', body: blob })).json();
                const drawn = (k) => JSON.parse(document.querySelector(`#layers canvas[data-layer=\"${k}\"]`).dataset.values);
                const e = a.explanation;
                return JSON.stringify(drawn(0)) === JSON.stringify(e.hidden[0])
                    && JSON.stringify(drawn(1)) === JSON.stringify(e.hidden[1])
                    && JSON.stringify(drawn(2)) === JSON.stringify(e.probabilities);
            })()",
        )
        .await;
        assert!(same, "the layers drawn differ from /api/explain's");
        let lit: f64 = eval(
            &page,
            "(() => { const c = document.querySelector('#layers canvas[data-layer=\"0\"]');
                return Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data)
                    .filter((_, i) => i % 4 === 0).reduce((a, b) => a + b, 0); })()",
        )
        .await;
        assert!(lit > 255.0, "the first layer is drawn black");
        let why: String = eval(&page, "document.getElementById('why').textContent").await;
        assert!(
            why.starts_with("Why 4: the units of hidden layer 2"),
            "{why:?}"
        );

        // Pointing at unit 5 of the second hidden layer shows the 784 weights into it, as a
        // 28x28 picture with positive (red) and negative (blue) weights.
        let [left, top, width, height]: [f64; 4] = eval(
            &page,
            "(() => { const c = document.querySelector('#layers canvas[data-layer=\"1\"]');
                c.scrollIntoView({ block: 'center' });
                const r = c.getBoundingClientRect();
                return [r.left, r.top, r.width, r.height]; })()",
        )
        .await;
        let at = (left + 5.5 * width / 32.0, top + height / 2.0);
        mouse(&page, DispatchMouseEventType::MouseMoved, at, 0).await;
        wait_for(
            &page,
            "document.getElementById('unit-weights').dataset.unit === 'shipped/1/5'",
        )
        .await;
        let [side, red, blue]: [f64; 3] = eval(
            &page,
            "(() => { const c = document.getElementById('unit-weights');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let red = 0, blue = 0;
                for (let i = 0; i < d.length; i += 4) {
                    if (d[i] === 255 && d[i + 2] < 200) red++;
                    if (d[i + 2] === 255 && d[i] < 200) blue++;
                }
                return [c.width * c.height, red, blue]; })()",
        )
        .await;
        assert_eq!(side, 784.0);
        assert!(red > 10.0 && blue > 10.0, "{red} red, {blue} blue");
        let text: String = eval(&page, "document.getElementById('unit-text').textContent").await;
        assert!(
            text.starts_with("hidden layer 2, unit 5: activation"),
            "{text:?}"
        );
        save_screenshot(&page, "web-inside.png").await;
    });
}

/// Shows the Runs tab and opens `run`'s detail, once its row is there.
async fn open_run(page: &Page, run: &str) {
    click(page, "#tab-runs").await;
    let link = format!("tr[data-run=\"{run}\"] a");
    wait_for(page, &format!("document.querySelector('{link}') !== null")).await;
    click(page, &link).await;
}

/// Sets the New run form's fields and presses Start.
async fn start_from_form(page: &Page, recipe: &str, epochs: usize, seed: u64, run: &str) {
    wait_for(page, "document.getElementById('recipe').options.length > 3").await;
    let js = format!(
        "(() => {{ $('recipe').value = '{recipe}'; $('epochs').value = '{epochs}';
            $('seed').value = '{seed}'; $('run-name').value = '{run}'; return true; }})()"
    );
    assert!(eval::<bool>(page, &js).await);
    wait_for(page, "!document.getElementById('start').disabled").await;
    click(page, "#start").await;
}

#[test]
fn a_run_is_trained_stopped_and_resumed_from_the_page() {
    let artifacts = tempfile::tempdir().unwrap();
    let server = WebServer::start(artifacts.path());
    let dir = artifacts.path().to_path_buf();
    with_page(&server.url, |page| async move {
        click(&page, "#tab-runs").await;
        // The smoke recipe from the page, and the same from the command line: same figures.
        start_from_form(&page, "smoke", 2, 5, "page-smoke").await;
        wait_for(
            &page,
            "document.getElementById('train-status').dataset.state === 'finished'",
        )
        .await;
        crate::train_from_cli("smoke.toml", 2, 5, "cli-smoke", &dir);
        let test_cell = |run: &str| {
            format!("document.querySelector('tr[data-run=\"{run}\"]')?.children[7].textContent")
        };
        wait_for(
            &page,
            &format!(
                "({0} || '-') !== '-' && ({1} || '-') !== '-'",
                test_cell("cli-smoke"),
                test_cell("page-smoke")
            ),
        )
        .await;
        assert_eq!(
            eval::<String>(&page, &test_cell("page-smoke")).await,
            eval::<String>(&page, &test_cell("cli-smoke")).await
        );

        // The same name again is refused, and the page says why until the next Start.
        start_from_form(&page, "smoke", 2, 5, "page-smoke").await;
        wait_for(
            &page,
            "document.getElementById('train-status').dataset.state === 'refused'",
        )
        .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let refused: String =
            eval(&page, "document.getElementById('train-status').textContent").await;
        assert!(refused.contains("\"page-smoke\" exists"), "{refused:?}");

        // A longer run (15 epochs of about a second): stopped once an epoch is in, it keeps
        // the epochs it finished, and resumes from there to the end.
        start_from_form(&page, "sgd", 15, 1, "page-sgd").await;
        let row = |cell: usize| {
            format!(
                "document.querySelector('tr[data-run=\"page-sgd\"]')?.children[{cell}].textContent"
            )
        };
        let done = format!("parseInt({} || '0')", row(5));
        wait_for(&page, &format!("{done} >= 1")).await;
        // A reload does not lose the run: the server holds it.
        page.reload().await.unwrap();
        page.find_element("#canvas").await.unwrap();
        click(&page, "#tab-runs").await;
        wait_for(
            &page,
            "document.getElementById('train-status').textContent.startsWith('training page-sgd')",
        )
        .await;
        click(&page, "#stop").await;
        wait_for(
            &page,
            "document.getElementById('train-status').dataset.state === 'stopped'",
        )
        .await;
        wait_for(&page, &format!("{} === 'stopped'", row(2))).await;
        let kept: usize = eval(&page, &done).await;
        assert!((1..15).contains(&kept), "stopped at {kept}/15");
        assert_eq!(
            integration_tests::metrics_rows(&dir.join("page-sgd/metrics.csv")).len(),
            kept,
            "the stopped run keeps the epochs it finished"
        );
        let resume = "tr[data-run=\"page-sgd\"] button.resume";
        wait_for(
            &page,
            &format!("document.querySelector('{resume}') !== null"),
        )
        .await;
        click(&page, resume).await;
        wait_for(
            &page,
            "document.getElementById('train-status').dataset.state === 'finished'",
        )
        .await;
        wait_for(&page, &format!("{} === '15/15'", row(5))).await;
        let status: String =
            eval(&page, "document.getElementById('train-status').textContent").await;
        assert!(
            status.starts_with("page-sgd: finished, test accuracy"),
            "{status:?}"
        );
        save_screenshot(&page, "web-train.png").await;
    });
}

#[test]
fn a_confusion_cell_shows_the_mistakes_of_that_kind() {
    let artifacts = tempfile::tempdir().unwrap();
    copy_shipped_run(artifacts.path(), "finished-run");
    let server = WebServer::start(artifacts.path());
    with_page(&server.url, |page| async move {
        open_run(&page, "finished-run").await;
        wait_for(&page, "document.getElementById('show-mistakes') !== null").await;
        click(&page, "#show-mistakes").await;
        wait_for(&page, "document.querySelector('table.confusion') !== null").await;
        let shown: usize = eval(&page, "document.querySelectorAll('.tiles figure').length").await;
        let misread = (10_000.0 - 100.0 * integration_tests::shipped_test_accuracy()).round();
        assert_eq!(
            shown,
            (misread as usize).min(120),
            "every mistake, up to 120"
        );
        // The off-diagonal cell with the most mistakes.
        let [t, p, count]: [usize; 3] = eval(
            &page,
            "(() => { let best = [0, 0, -1];
                for (const td of document.querySelectorAll('table.confusion td:not(.diagonal)')) {
                    const n = Number(td.textContent);
                    if (n > best[2]) best = [Number(td.dataset.true), Number(td.dataset.answer), n];
                }
                return best; })()",
        )
        .await;
        assert!(count > 0);
        click(
            &page,
            &format!("td[data-true=\"{t}\"][data-answer=\"{p}\"]"),
        )
        .await;
        wait_for(
            &page,
            &format!("document.querySelectorAll('.tiles figure').length === {count}"),
        )
        .await;
        let all_of_that_kind: bool = eval(
            &page,
            &format!(
                "Array.from(document.querySelectorAll('.tiles figure'))
                    .every((f) => f.dataset.label === '{t}' && f.dataset.answer === '{p}')"
            ),
        )
        .await;
        assert!(all_of_that_kind);
        save_screenshot(&page, "web-mistakes.png").await;
    });
}

/// The elements of the shown tab whose boxes overlap, though neither holds the other.
const OVERLAPS: &str = "(() => {
    const panel = document.querySelector('.panel.active');
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') + ' ' + (e.textContent || '').trim().slice(0, 20);
    const boxes = Array.from(panel.querySelectorAll('button, label, select, input, canvas, img, li, h2, p, figcaption, th, td, svg.chart, pre, table'))
        .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
    const found = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        if (a.contains(b) || b.contains(a)) continue;
        const [r, s] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
        const w = Math.min(r.right, s.right) - Math.max(r.left, s.left);
        const h = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
        if (w > 1 && h > 1) found.push(name(a) + ' / ' + name(b));
    }
    return found;
})()";

#[test]
fn nothing_overlaps_and_pictures_keep_their_shape_at_desktop_and_phone_widths() {
    let artifacts = tempfile::tempdir().unwrap();
    let run = copy_shipped_run(artifacts.path(), "finished-run");
    // Its pictures, as `train` draws them at the end of a run.
    crate::run_ok("report", &["--model", &run.display().to_string()]);
    let server = WebServer::start(artifacts.path());
    for size in [(1280, 900), (390, 844)] {
        with_page_sized(&server.url, size, |page| async move {
            draw(&page, 7).await;
            shown_digit(&page).await;
            wait_for(
                &page,
                "document.querySelectorAll('#layers canvas').length === 3",
            )
            .await;
            let overlaps: Vec<String> = eval(&page, OVERLAPS).await;
            assert!(overlaps.is_empty(), "{size:?}, Draw: {overlaps:#?}");

            open_run(&page, "finished-run").await;
            wait_for(
                &page,
                "document.querySelectorAll('.pictures img').length > 0 && Array.from(document.querySelectorAll('.pictures img')).every((i) => i.complete && i.naturalWidth > 0)",
            )
            .await;
            let overlaps: Vec<String> = eval(&page, OVERLAPS).await;
            assert!(overlaps.is_empty(), "{size:?}, Runs: {overlaps:#?}");
            let width: f64 = eval(&page, "document.documentElement.clientWidth").await;
            let shapes: Vec<[f64; 4]> = eval(
                &page,
                "Array.from(document.querySelectorAll('.pictures img')).map((i) => { const r = i.getBoundingClientRect(); return [i.naturalWidth, i.naturalHeight, r.width, r.height]; })",
            )
            .await;
            for [nw, nh, w, h] in shapes {
                assert!(
                    ((w / h) - (nw / nh)).abs() / (nw / nh) < 0.03,
                    "{size:?}: {nw}x{nh} drawn {w}x{h}"
                );
                assert!(
                    w <= width,
                    "{size:?}: {nw}x{nh} drawn {w} wide in a page {width} wide"
                );
            }
            // A picture opens full size on a click: it is a link to the picture itself.
            let linked: bool = eval(
                &page,
                "Array.from(document.querySelectorAll('.pictures img')).every((i) => i.parentElement.tagName === 'A' && i.parentElement.href === i.src)",
            )
            .await;
            assert!(linked);
        });
    }
}
