// burn-mnist's page: drawing pad and predictions, what lights up inside the network, model
// choice, runs and their curves and mistakes, training from the page.
// Every answer comes from the server (`/api/...`), which runs the same code as `infer`.
"use strict";

const $ = (id) => document.getElementById(id);
const BRUSH = 20; // px on the 280x280 pad: a felt pen, like MNIST's strokes once scaled down
const PREDICT_DELAY = 120; // ms of quiet before a drawing is sent again

// ---------- tabs ----------
for (const tab of document.querySelectorAll("nav .tab")) {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
}
function showTab(name) {
  for (const t of document.querySelectorAll("nav .tab")) t.classList.toggle("active", t.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.classList.toggle("active", p.id === name);
  if (name === "runs") {
    loadRecipes();
    refreshRuns();
    refreshTraining();
  }
}

// ---------- drawing ----------
const pad = $("canvas");
const ink = pad.getContext("2d");
const strokes = [];
let current = null;

function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * (pad.width / r.width), (e.clientY - r.top) * (pad.height / r.height)];
}
function paint() {
  ink.fillStyle = "#fff";
  ink.fillRect(0, 0, pad.width, pad.height);
  ink.strokeStyle = "#000";
  ink.fillStyle = "#000";
  ink.lineWidth = BRUSH;
  ink.lineCap = "round";
  ink.lineJoin = "round";
  for (const s of strokes) {
    if (s.length === 1) {
      ink.beginPath();
      ink.arc(s[0][0], s[0][1], BRUSH / 2, 0, 2 * Math.PI);
      ink.fill();
      continue;
    }
    ink.beginPath();
    ink.moveTo(s[0][0], s[0][1]);
    for (const [x, y] of s.slice(1)) ink.lineTo(x, y);
    ink.stroke();
  }
}
pad.addEventListener("pointerdown", (e) => {
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  current = [padPoint(e)];
  strokes.push(current);
  paint();
  schedulePredict();
});
pad.addEventListener("pointermove", (e) => {
  if (!current) return;
  current.push(padPoint(e));
  paint();
  schedulePredict();
});
const endStroke = () => { current = null; schedulePredict(); };
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);
$("undo").addEventListener("click", () => { strokes.pop(); paint(); schedulePredict(); });
$("clear").addEventListener("click", () => { strokes.length = 0; paint(); schedulePredict(); });

let timer = null;
// `#digit[data-state]` is "waiting" until the answer to the latest drawing is shown, then "done".
const settle = (state) => { $("digit").dataset.state = state; };
function schedulePredict() {
  clearTimeout(timer);
  settle("waiting");
  timer = setTimeout(() => {
    if (strokes.length === 0) return showBlank();
    pad.toBlob((blob) => predict(blob, "drawing.png"), "image/png");
  }, PREDICT_DELAY);
}

// ---------- predictions ----------
let asked = 0; // answers to older requests are dropped
async function predict(blob, name) {
  const ticket = ++asked;
  settle("waiting");
  const url = `/api/predict?model=${encodeURIComponent($("model").value || "shipped")}&name=${encodeURIComponent(name)}`;
  try {
    const response = await fetch(url, { method: "POST", body: blob });
    const answer = await response.json();
    if (ticket !== asked) return;
    if (!response.ok) showError(answer.error || response.statusText);
    else {
      showAnswer(answer);
      await explain(blob, ticket);
    }
  } catch (err) {
    if (ticket === asked) showError(`the server did not answer (${err})`);
  }
  if (ticket === asked) settle("done");
}
function showBlank() {
  asked++;
  drawInside(null);
  $("digit").textContent = "?";
  $("confidence").textContent = "";
  $("message").textContent = "";
  drawBars(null);
  drawSeen(null);
  settle("done");
}
function showError(text) {
  drawInside(null);
  $("digit").textContent = "?";
  $("confidence").textContent = "";
  $("message").textContent = text;
  drawBars(null);
  drawSeen(null);
}
function showAnswer(a) {
  $("message").textContent = "";
  if (a.number !== undefined) return showNumber(a);
  $("digit").textContent = a.class;
  $("confidence").textContent = sureText(a);
  drawBars(a);
  drawSeen([a.input]);
}
function sureText(a) {
  const percent = `${(100 * a.confidence).toFixed(1)}%`;
  const why = a.doubt && a.doubt !== "weak answer" ? `: ${a.doubt}` : "";
  return a.unsure ? `not sure (${percent})${why}` : `${percent} sure`;
}
// Several digits, read one by one as `infer` reads them: the number, each digit's certainty.
function showNumber(a) {
  $("digit").textContent = a.number;
  $("confidence").textContent = a.digits.map((d) => `${d.class}: ${sureText(d)}`).join("; ");
  drawBars(null);
  drawSeen(a.inputs);
}
function drawBars(a) {
  const list = $("bars");
  list.textContent = "";
  for (let d = 0; d < 10; d++) {
    const p = a ? a.probabilities[d] : 0;
    const li = document.createElement("li");
    if (a && d === a.digit) li.className = "best";
    li.innerHTML = `<span>${d}</span><span class="bar"><span class="fill"></span></span><span class="pct"></span>`;
    li.querySelector(".fill").style.width = `${(100 * p).toFixed(1)}%`;
    li.querySelector(".pct").textContent = a ? `${(100 * p).toFixed(1)}%` : "";
    list.appendChild(li);
  }
}
// The 28x28 inputs the network saw, side by side (none: a black square).
function drawSeen(digits) {
  const canvas = $("seen");
  const n = digits ? digits.length : 1;
  canvas.width = 28 * n;
  canvas.style.height = `${224 / n}px`;
  const seen = canvas.getContext("2d");
  const image = seen.createImageData(28 * n, 28);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < 28 * 28; i++) {
      const v = digits ? digits[k][i] : 0;
      const [y, x] = [Math.floor(i / 28), (i % 28) + 28 * k];
      image.data.set([v, v, v, 255], 4 * (y * 28 * n + x));
    }
  }
  seen.putImageData(image, 0, 0);
}

// ---------- inside the network ----------
// Every layer's activations for the digit (`POST /api/explain`), drawn unit by unit; pointing at
// a unit fetches the weights into it (`GET /api/weights`).
let explained = null; // the last explanation, as the server sent it
async function explain(blob, ticket) {
  try {
    const response = await fetch(`/api/explain?model=${encodeURIComponent(currentModel())}`, { method: "POST", body: blob });
    const answer = await response.json();
    if (ticket !== asked) return;
    drawInside(response.ok ? answer : null);
  } catch (err) {
    if (ticket === asked) drawInside(null);
  }
}
const currentModel = () => $("model").value || "shipped";
// The side of the grid a layer of `n` units is drawn in (784 units: 28x28).
const gridSide = (n) => Math.ceil(Math.sqrt(n));
function drawInside(answer) {
  explained = answer;
  const box = $("layers");
  box.textContent = "";
  $("why").textContent = "";
  if (!answer) return;
  const e = answer.explanation;
  e.hidden.forEach((units, k) => {
    const cols = units.length > 64 ? gridSide(units.length) : units.length;
    box.append(layerView(`hidden layer ${k + 1}: ${units.length} units`, units, cols, k));
  });
  box.append(layerView(`output: ${e.probabilities.length} classes`, e.probabilities, e.probabilities.length, e.hidden.length));
  const top = e.contributions.slice(0, 5)
    .map((c) => `unit ${c.unit} (${c.activation.toFixed(2)} x ${c.weight.toFixed(2)} = ${c.product.toFixed(2)})`);
  const last = e.hidden.length;
  $("why").textContent = top.length
    ? `Why ${answer.class}: the units of hidden layer ${last} that added most to its score, activation x weight: ${top.join(", ")}.`
    : "";
}
// One layer as a canvas of `cols` columns, a pixel per unit, brightness = value / the layer's
// largest; `data-values` holds the numbers drawn.
function layerView(title, values, cols, layer) {
  const rows = Math.ceil(values.length / cols);
  const figure = document.createElement("figure");
  figure.className = "layer";
  const canvas = document.createElement("canvas");
  canvas.width = cols;
  canvas.height = rows;
  // A grid is drawn about 224 px square; a row of units in cells up to 28 px wide.
  const scale = rows === 1
    ? Math.max(1, Math.min(28, Math.floor(448 / cols)))
    : Math.max(1, Math.min(8, Math.floor(224 / Math.max(cols, rows))));
  canvas.style.width = `${cols * scale}px`;
  canvas.style.height = `${rows * scale}px`;
  canvas.dataset.layer = layer;
  canvas.dataset.values = JSON.stringify(values);
  const top = Math.max(...values, 1e-9);
  const g = canvas.getContext("2d");
  const image = g.createImageData(cols, rows);
  values.forEach((v, i) => {
    const b = Math.round(255 * Math.max(0, v) / top);
    image.data.set([b, Math.round(b * 0.85), Math.round(b * 0.4), 255], 4 * i);
  });
  g.putImageData(image, 0, 0);
  canvas.addEventListener("mousemove", (ev) => {
    const r = canvas.getBoundingClientRect();
    const x = Math.floor((ev.clientX - r.left) / r.width * cols);
    const y = Math.floor((ev.clientY - r.top) / r.height * rows);
    const unit = y * cols + x;
    if (unit >= 0 && unit < values.length) showUnit(layer, unit, values[unit]);
  });
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  figure.append(canvas, caption);
  return figure;
}
const weightsCache = new Map();
let pointed = "";
async function showUnit(layer, unit, value) {
  const key = `${currentModel()}/${layer}/${unit}`;
  if (key === pointed) return;
  pointed = key;
  if (!weightsCache.has(key)) {
    const response = await fetch(`/api/weights?model=${encodeURIComponent(currentModel())}&layer=${layer}&unit=${unit}`);
    if (!response.ok) return;
    weightsCache.set(key, await response.json());
  }
  if (pointed !== key) return;
  const w = weightsCache.get(key);
  const canvas = $("unit-weights");
  const side = gridSide(w.weights.length);
  canvas.width = side;
  canvas.height = Math.ceil(w.weights.length / side);
  canvas.dataset.unit = key;
  const top = Math.max(...w.weights.map(Math.abs), 1e-9);
  const g = canvas.getContext("2d");
  const image = g.createImageData(canvas.width, canvas.height);
  w.weights.forEach((v, i) => {
    const a = Math.round(255 * Math.min(1, Math.abs(v) / top));
    image.data.set(v >= 0 ? [255, 255 - a, 255 - a, 255] : [255 - a, 255 - a, 255, 255], 4 * i);
  });
  g.putImageData(image, 0, 0);
  const what = layer < (explained ? explained.explanation.hidden.length : 0) ? `hidden layer ${layer + 1}, unit ${unit}` : `output ${unit}`;
  const measure = layer < (explained ? explained.explanation.hidden.length : 0) ? "activation" : "probability";
  $("unit-text").textContent = `${what}: ${measure} ${value.toFixed(3)}, bias ${w.bias.toFixed(3)}; its ${w.weights.length} incoming weights, largest ${top.toFixed(3)}`;
}

// ---------- upload and drop ----------
$("file").addEventListener("change", (e) => {
  const file = e.target.files[0];
  if (file) usePicture(file);
  e.target.value = "";
});
document.addEventListener("dragover", (e) => { e.preventDefault(); document.body.classList.add("dropping"); });
document.addEventListener("dragleave", () => document.body.classList.remove("dropping"));
document.addEventListener("drop", (e) => {
  e.preventDefault();
  document.body.classList.remove("dropping");
  const file = e.dataTransfer.files[0];
  if (file) { showTab("draw"); usePicture(file); }
});
function usePicture(file) {
  strokes.length = 0;
  paint();
  // Show the picture on the pad (scaled to fit) so the person sees what was read.
  const url = URL.createObjectURL(file);
  const picture = new Image();
  picture.onload = () => {
    const k = Math.min(pad.width / picture.width, pad.height / picture.height);
    const w = picture.width * k, h = picture.height * k;
    ink.drawImage(picture, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    URL.revokeObjectURL(url);
  };
  picture.src = url;
  predict(file, file.name);
}

// ---------- models ----------
async function loadModels() {
  const select = $("model");
  try {
    const models = await (await fetch("/api/models")).json();
    select.textContent = "";
    for (const m of models) {
      const option = document.createElement("option");
      option.value = m.name;
      const acc = m.test_accuracy == null ? "" : `, ${m.test_accuracy.toFixed(2)}% on the test set`;
      option.textContent = `${m.name} (${m.dataset}${acc})`;
      select.appendChild(option);
    }
  } catch (err) {
    $("message").textContent = `cannot list the models (${err})`;
  }
}
$("model").addEventListener("change", schedulePredict);

// ---------- runs ----------
const compared = new Set();
let opened = null;
let runsTimer = null;

let shown = ""; // the runs as last drawn: redraw only when something changed
async function refreshRuns() {
  clearTimeout(runsTimer);
  if (!$("runs").classList.contains("active")) return;
  try {
    const text = await (await fetch("/api/runs")).text();
    if (text !== shown) {
      shown = text;
      drawRunsTable(JSON.parse(text));
      await drawComparison();
      if (opened) await openRun(opened);
    }
  } finally {
    runsTimer = setTimeout(refreshRuns, 2000); // a run training now grows epoch by epoch
  }
}
const pct = (v) => (v == null ? "-" : `${v.toFixed(2)}%`);
const duration = (s) => (s < 90 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);
function drawRunsTable(runs) {
  const body = $("runs-table").querySelector("tbody");
  body.textContent = "";
  for (const r of runs) {
    const tr = document.createElement("tr");
    tr.dataset.run = r.name;
    tr.innerHTML = `<td><input type="checkbox" title="compare"></td><td><a></a></td>
      <td class="status-${r.status}">${r.status}</td><td>${r.dataset}</td><td></td>
      <td>${r.epochs_completed}/${r.epochs_planned}</td><td>${pct(r.best_valid_accuracy)}</td>
      <td>${pct(r.test_accuracy)}</td><td>${duration(r.seconds)}</td><td></td>`;
    tr.querySelector("a").textContent = r.name;
    tr.children[4].textContent = r.recipe;
    const box = tr.querySelector("input");
    box.checked = compared.has(r.name);
    box.addEventListener("change", () => {
      box.checked ? compared.add(r.name) : compared.delete(r.name);
      drawComparison();
    });
    tr.querySelector("a").addEventListener("click", () => openRun(r.name));
    if (r.status === "stopped") {
      const resume = document.createElement("button");
      resume.className = "resume";
      resume.textContent = "Resume";
      resume.addEventListener("click", () => startTraining(`/api/runs/${encodeURIComponent(r.name)}/resume`, null));
      tr.children[9].appendChild(resume);
    }
    body.appendChild(tr);
  }
}
async function runDetail(name) {
  const response = await fetch(`/api/runs/${encodeURIComponent(name)}`);
  return response.ok ? response.json() : null;
}
async function drawComparison() {
  const box = $("compare");
  box.textContent = "";
  if (compared.size < 2) return;
  const runs = (await Promise.all([...compared].map(runDetail))).filter(Boolean);
  const series = (key) => runs.map((r, i) => ({ name: r.name, color: COLORS[i % COLORS.length], points: points(r.epochs, key) }));
  const charts = document.createElement("div");
  charts.className = "charts";
  charts.append(
    chart("validation accuracy (%)", series("valid_accuracy")),
    chart("validation loss", series("valid_loss")),
  );
  box.append(heading(`Comparing ${runs.map((r) => r.name).join(", ")}`), charts);
}
async function openRun(name) {
  opened = name;
  const r = await runDetail(name);
  const box = $("run-detail");
  box.textContent = "";
  if (!r) return;
  const charts = document.createElement("div");
  charts.className = "charts";
  charts.append(
    chart("loss", [
      { name: "train", color: COLORS[0], points: points(r.epochs, "train_loss") },
      { name: "validation", color: COLORS[1], points: points(r.epochs, "valid_loss") },
    ]),
    chart("accuracy (%)", [
      { name: "train", color: COLORS[0], points: points(r.epochs, "train_accuracy") },
      { name: "validation", color: COLORS[1], points: points(r.epochs, "valid_accuracy") },
    ]),
  );
  const pictures = document.createElement("div");
  pictures.className = "pictures";
  for (const p of r.pictures) {
    // Each picture keeps its aspect ratio, at most as wide as the page; a click opens it full
    // size.
    const link = document.createElement("a");
    link.href = `/api/runs/${encodeURIComponent(name)}/${p}`;
    link.target = "_blank";
    const img = document.createElement("img");
    img.alt = p;
    img.src = link.href;
    link.appendChild(img);
    pictures.appendChild(link);
  }
  const config = document.createElement("pre");
  config.className = "config";
  config.textContent = r.config;
  const wrong = document.createElement("div");
  wrong.className = "mistakes-view";
  wrong.id = "mistakes";
  if (r.has_model) {
    const show = document.createElement("button");
    show.id = "show-mistakes";
    show.textContent = "What it gets wrong";
    show.addEventListener("click", () => loadMistakes(name));
    wrong.append(show);
  }
  box.append(heading(`${r.name}: ${r.status}, ${r.epochs_completed}/${r.epochs_planned} epochs, test ${pct(r.test_accuracy)}`), charts, pictures, wrong, config);
  if (mistakes && mistakes.model === name) drawMistakes();
}

// ---------- what a run gets wrong ----------
// Its misread test images (`GET /api/runs/NAME/mistakes`), filtered by a cell of the confusion
// matrix (true class x answer).
let mistakes = null; // { model, data, picked: [true, answer] or null }
async function loadMistakes(name) {
  const box = $("mistakes");
  box.textContent = "Evaluating on the test set...";
  const response = await fetch(`/api/runs/${encodeURIComponent(name)}/mistakes`);
  const data = await response.json();
  if (!response.ok) { box.textContent = data.error; return; }
  mistakes = { model: name, data, picked: null };
  drawMistakes();
}
function drawMistakes() {
  const box = $("mistakes");
  if (!box) return;
  const { data, picked } = mistakes;
  box.textContent = "";
  const names = data.class_names;
  const table = document.createElement("table");
  table.className = "confusion";
  const head = document.createElement("tr");
  head.innerHTML = "<th>true (rows), read as (columns)</th>";
  for (const n of names) head.append(Object.assign(document.createElement("th"), { textContent: n }));
  table.append(head);
  data.confusion.forEach((row, t) => {
    const tr = document.createElement("tr");
    tr.append(Object.assign(document.createElement("th"), { textContent: names[t] }));
    row.forEach((count, p) => {
      const td = document.createElement("td");
      td.textContent = count;
      td.dataset.true = t;
      td.dataset.answer = p;
      if (t === p) td.className = "diagonal";
      else {
        if (picked && picked[0] === t && picked[1] === p) td.className = "picked";
        td.title = `${count} ${names[t]} read as ${names[p]}: click to see them`;
        td.addEventListener("click", () => { mistakes.picked = [t, p]; drawMistakes(); });
      }
      tr.append(td);
    });
    table.append(tr);
  });
  const shown = data.mistakes.filter((m) => !picked || (m.label === picked[0] && m.answer === picked[1]));
  const LIMIT = 120;
  const note = document.createElement("p");
  note.id = "mistakes-note";
  note.textContent = `${data.right} of ${data.test_images} test images read right; ${data.mistakes.length} misread`
    + (picked ? `, ${shown.length} of them ${names[picked[0]]} read as ${names[picked[1]]}` : " (click a cell to pick one kind)")
    + (shown.length > LIMIT ? `; the first ${LIMIT} shown` : "");
  const tiles = document.createElement("div");
  tiles.className = "tiles";
  for (const m of shown.slice(0, LIMIT)) tiles.append(tile(m, names));
  box.append(heading("What it gets wrong"), note, table, tiles);
}
function tile(m, names) {
  const figure = document.createElement("figure");
  figure.dataset.label = m.label;
  figure.dataset.answer = m.answer;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 28;
  const g = canvas.getContext("2d");
  const image = g.createImageData(28, 28);
  m.pixels.forEach((v, i) => image.data.set([v, v, v, 255], 4 * i));
  g.putImageData(image, 0, 0);
  const caption = document.createElement("figcaption");
  caption.textContent = `${names[m.label]}, read ${names[m.answer]} (${(100 * m.confidence).toFixed(0)}%) #${m.index}`;
  figure.append(canvas, caption);
  return figure;
}

// ---------- training from the page ----------
// One run at a time, through the same call `cargo xtask train` makes (`POST /api/train`);
// Stop is Ctrl-C's; a stopped run resumes from its row.
let trainingTimer = null;
async function loadRecipes() {
  const select = $("recipe");
  if (select.options.length) return;
  const recipes = await (await fetch("/api/recipes")).json();
  for (const name of recipes) select.append(new Option(name, name, name === "smoke", name === "smoke"));
}
async function refreshTraining() {
  clearTimeout(trainingTimer);
  if (!$("runs").classList.contains("active")) return;
  try {
    const t = await (await fetch("/api/train")).json();
    const status = $("train-status");
    $("start").disabled = !t.allowed || t.current != null;
    $("stop").disabled = t.current == null || t.current.stopping;
    status.classList.toggle("error", refusal != null);
    status.dataset.state = refusal ? "refused" : t.current ? "training" : (t.last ? t.last.outcome : "idle");
    if (refusal) status.textContent = refusal;
    else if (!t.allowed) status.textContent = "Training from the page is off on this server (start it with --allow-training).";
    else if (t.current) status.textContent = `${t.current.resumed ? "resuming" : "training"} ${t.current.run} (${t.current.recipe}), ${duration(t.seconds)}${t.current.stopping ? ", stopping after this batch" : ""}`;
    else if (t.last) status.textContent = `${t.last.run}: ${t.last.outcome}, ${t.last.message}`;
    else status.textContent = "";
  } finally {
    trainingTimer = setTimeout(refreshTraining, 1000);
  }
}
// Why the last Start or Resume was refused, shown until the next one.
let refusal = null;
async function startTraining(url, body) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
  refusal = response.ok ? null : (await response.json()).error;
  refreshTraining();
  refreshRuns();
}
$("new-run").addEventListener("submit", (e) => {
  e.preventDefault();
  const number = (id) => ($(id).value === "" ? undefined : Number($(id).value));
  const body = { recipe: $("recipe").value, epochs: number("epochs"), seed: number("seed") };
  if ($("run-name").value.trim()) body.run_name = $("run-name").value.trim();
  startTraining("/api/train", body);
});
$("stop").addEventListener("click", async () => {
  await fetch("/api/train/stop", { method: "POST" });
  refreshTraining();
});
function heading(text) {
  const h = document.createElement("h2");
  h.textContent = text;
  return h;
}
const points = (epochs, key) => epochs.filter((e) => e[key] != null).map((e) => [e.epoch, e[key]]);

// ---------- SVG line charts ----------
const COLORS = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#3949ab"];
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text != null) el.textContent = text;
  return el;
}
function chart(title, series) {
  const W = 440, H = 260, L = 52, R = 12, T = 24, B = 36;
  const root = svg("svg", { class: "chart", width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  root.append(svg("text", { x: L, y: 16 }, title));
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    root.append(svg("text", { x: L, y: H / 2 }, "no epochs yet"));
    return root;
  }
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs, 1), x1 = Math.max(...xs, x0 + 1);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  const X = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const Y = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  for (const y of ticks(y0, y1)) {
    root.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: Y(y), y2: Y(y) }));
    root.append(svg("text", { x: L - 6, y: Y(y) + 4, "text-anchor": "end" }, formatTick(y)));
  }
  for (const x of ticks(x0, x1).filter(Number.isInteger)) {
    root.append(svg("text", { x: X(x), y: H - B + 16, "text-anchor": "middle" }, x));
  }
  root.append(svg("text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle" }, "epoch"));
  root.append(svg("line", { class: "axis", x1: L, x2: L, y1: T, y2: H - B }));
  root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");
    root.append(svg("path", { d, fill: "none", stroke: s.color, "stroke-width": 2, "data-series": s.name }));
    for (const p of s.points) root.append(svg("circle", { cx: X(p[0]), cy: Y(p[1]), r: 2.5, fill: s.color }));
    root.append(svg("text", { x: W - R - 4, y: T + 14 * i + 10, "text-anchor": "end", fill: s.color, style: `fill:${s.color}` }, s.name));
  });
  return root;
}
function ticks(lo, hi) {
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
const formatTick = (v) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(v) : v.toPrecision(3));

// ---------- start ----------
paint();
showBlank();
loadModels();
