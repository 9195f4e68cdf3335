// The Pixapi MCP App: shows a tool result's images and videos, follows unfinished tasks itself,
// and offers the paid actions the server proposed, all through the host (tools/call,
// resources/read). It holds no key and makes no network request of its own: media come from the
// origins the server declared in the app's CSP, or as bounded pixapi://outputs/ resources.
import {
  App,
  applyDocumentTheme,
  applyHostFonts,
  applyHostStyleVariables,
} from "@modelcontextprotocol/ext-apps";
import { z } from "zod/v4";

// The app's CSP has no 'unsafe-eval': tell zod not to try compiling validators with new Function.
z.config({ jitless: true });

const META = "ai.pixapi/app"; // the server's facts for the app (pixapi_mcp/app/shape.py)
const UNFINISHED = new Set(["sending", "submitted", "processing", "unknown"]);
const FOLLOWABLE = new Set(["submitted", "processing"]);
// A paid call may wait for the person's confirmation and then for the tool deadline (~45 s).
const CALL_TIMEOUT_MS = 5 * 60 * 1000;
const POLL_MIN_S = 1;
const POLL_MAX_S = 5;

const app = new App({ name: "pixapi-app", version: "1.0.0" }, {});
let stopped = false;
let toolArgs = {};
const mediaCache = new Map();

// -- small DOM helpers: text only, never HTML from a result ------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child || child === 0) node.append(child);
  return node;
}

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
const textOf = (result) =>
  (result?.content ?? []).filter((b) => b.type === "text").map((b) => b.text).join("\n");
const factsOf = (result) => result?._meta?.[META] ?? {};

// -- talking to the server through the host ----------------------------------------------------

async function callTool(name, args) {
  try {
    return await app.callServerTool({ name, arguments: args }, { timeout: CALL_TIMEOUT_MS });
  } catch (error) {
    return { isError: true, content: [{ type: "text", text: `The host did not run ${name}: ${error.message ?? error}` }] };
  }
}

async function readResource(uri) {
  if (mediaCache.has(uri)) return mediaCache.get(uri);
  const res = await app.readServerResource({ uri });
  const item = res?.contents?.[0];
  const data = item?.blob ? `data:${item.mimeType};base64,${item.blob}` : null;
  if (mediaCache.size > 40) mediaCache.delete(mediaCache.keys().next().value);
  mediaCache.set(uri, data);
  return data;
}

// The origins this app may load directly: those the server declared, narrowed to those the host
// says it approved (when it says).
function allowedUrl(url, facts) {
  if (!url) return false;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const approved = app.getHostCapabilities()?.sandbox?.csp?.resourceDomains;
  const domains = (facts.mediaDomains ?? []).filter((d) => !approved || approved.includes(d));
  return domains.some((domain) => {
    const wild = domain.match(/^(https?):\/\/\*\.(.+)$/);
    if (wild) return parsed.protocol === `${wild[1]}:` && parsed.hostname.endsWith(`.${wild[2]}`);
    return parsed.origin === domain;
  });
}

// Sets `node[attr]` to the output's URL when the CSP lets it load, else (or when it fails) to the
// server's bounded resource for it.
async function setMedia(node, attr, url, uri, facts) {
  const fallback = async () => {
    node.onerror = null;
    if (!uri) return node.classList.add("missing");
    try {
      const data = await readResource(uri);
      if (data) node[attr] = data;
      else node.classList.add("missing");
    } catch (error) {
      node.classList.add("missing");
      node.title = String(error.message ?? error);
    }
  };
  if (allowedUrl(url, facts)) {
    node.onerror = fallback;
    node[attr] = url;
  } else {
    await fallback();
  }
}

// -- how a piece of work reads -----------------------------------------------------------------

function creditsText(credits = {}) {
  const parts = [];
  if (credits.charged != null) parts.push(`${credits.charged} credits charged`);
  if (credits.estimate != null) {
    parts.push(credits.charged != null ? `estimate ${credits.estimate}` : `≈${credits.estimate} credits (estimate)`);
  } else if (credits.charged == null) parts.push("price unknown");
  if (credits.held != null && credits.charged == null) parts.push(`${credits.held} held`);
  if (credits.warning) parts.push(credits.warning);
  return parts.join(" · ");
}

function fileName(item) {
  const where = item.path ?? item.url ?? "";
  return where.split(/[\\/]/).pop().split("?")[0];
}

function outputsOf(sc) {
  return sc?.data?.length ? sc.data : (sc?.result?.data ?? []);
}

function gallery(items, described, facts) {
  const figures = items.map((item, i) => {
    const entry = described?.[i];
    if (entry?.kind === "video" || item.media_type?.startsWith("video/")) return videoFigure(item, entry, facts);
    const img = el("img", { alt: item.path ? `Image saved at ${item.path}` : "Generated image", loading: "lazy" });
    const figure = el("figure", { class: "tile" }, img, el("figcaption", { text: fileName(item) }));
    setMedia(img, "src", item.url, entry?.preview, facts);
    img.addEventListener("click", () => {
      const open = figure.classList.toggle("full");
      if (open) setMedia(img, "src", item.url, entry?.full, facts);
    });
    return figure;
  });
  return el("div", { class: "gallery" }, figures);
}

function videoFigure(item, entry, facts) {
  const video = el("video", { controls: true, preload: "metadata", playsinline: true });
  const caption = el("figcaption", { text: fileName(item) });
  const figure = el("figure", { class: "player" }, video, caption);
  if (entry?.preview) readResource(entry.preview).then((poster) => poster && (video.poster = poster)).catch(() => {});
  if (allowedUrl(item.url, facts) || entry?.full) setMedia(video, "src", item.url, entry?.full, facts);
  else figure.append(el("p", { class: "muted", text: entry?.note ?? "This video cannot be played here: open the saved file." }));
  if (item.duration) caption.textContent += ` · ${item.duration} s`;
  return figure;
}

function progressBar(progress) {
  const value = clamp(Number(progress) || 0, 0, 100);
  return el(
    "div",
    { class: "progress", role: "progressbar", "aria-valuenow": value, "aria-valuemin": 0, "aria-valuemax": 100 },
    el("div", { class: "fill", style: `width:${value}%` }),
    el("span", { text: `${value}%` }),
  );
}

// -- a card: one piece of work, live while it is unfinished --------------------------------------

function card(result, tool, args = {}) {
  const node = el("section", { class: "card" });
  const children = el("div", { class: "children" });
  const update = (res) => fill(node, res, tool, args, children);
  update(result);
  return node;
}

function fill(node, result, tool, args, children) {
  const sc = result.structuredContent ?? {};
  const facts = factsOf(result);
  const status = result.isError ? "failed" : (sc.status ?? "unknown");
  node.dataset.status = status;
  if (sc.progress != null) node.dataset.progress = sc.progress;
  const prompt = facts.prompt ?? args.prompt;
  const head = el(
    "div",
    { class: "head" },
    el("span", { class: `badge ${status}`, text: result.isError ? "error" : status }),
    sc.model && el("span", { class: "model", text: sc.model }),
    sc.id && el("code", { class: "task", text: sc.id }),
    !result.isError && el("span", { class: "cost", text: creditsText(sc.credits) }),
  );
  const body = [head, prompt && el("p", { class: "prompt", text: prompt })];
  if (result.isError) body.push(el("p", { class: "notice refused", text: textOf(result) }));
  else if (FOLLOWABLE.has(status)) {
    body.push(progressBar(sc.progress), el("p", { class: "muted", text: "Following the task here; it turns into the result when it completes." }));
  } else {
    const items = outputsOf(sc);
    if (items.length) body.push(gallery(items, facts.outputs, facts));
    const saved = items.filter((o) => o.path).map((o) => el("li", { text: `Saved: ${o.path}` }));
    const missing = items.filter((o) => !o.path).map((o) => el("li", { text: `Not saved: ${o.download_error ?? "no file"}` }));
    if (saved.length || missing.length) body.push(el("ul", { class: "files" }, saved, missing));
  }
  if (sc.summary && !FOLLOWABLE.has(status)) body.push(el("p", { class: "summary muted", text: sc.summary }));
  body.push(actionBar(facts, children));
  node.replaceChildren(...body.filter(Boolean), children);
  if (!result.isError && FOLLOWABLE.has(status) && sc.id && !node.dataset.following) follow(node, sc, tool, args, children);
}

async function follow(node, sc, tool, args, children) {
  node.dataset.following = "1";
  let wait = sc.poll_after_s ?? POLL_MIN_S;
  // The card is put on the page right after it is made: look for it only after the first wait.
  while (!stopped) {
    await sleep(clamp(wait, POLL_MIN_S, POLL_MAX_S));
    if (stopped || !node.isConnected) break;
    const res = await callTool("get_task", { task_id: sc.id, wait_s: 0 });
    fill(node, res, tool, args, children);
    const next = res.structuredContent ?? {};
    if (res.isError || !FOLLOWABLE.has(next.status)) break;
    wait = next.poll_after_s ?? POLL_MAX_S;
  }
  delete node.dataset.following;
}

function actionBar(facts, children) {
  if (facts.readOnly) return el("p", { class: "muted", text: "Read-only server: no paid actions." });
  const actions = facts.actions ?? [];
  if (!actions.length) return null;
  const bar = el("div", { class: "actions" });
  const notice = el("p", { class: "notice", hidden: true });
  for (const action of actions) {
    const fields = {};
    const inputs = (action.editable ?? []).map((name) => {
      const input = el("input", { type: "text", "aria-label": `${action.label}: ${name}`, value: action.arguments[name] ?? "" });
      fields[name] = input;
      return input;
    });
    const cost = action.estimate != null ? `≈${action.estimate} credits` : "price unknown";
    const button = el("button", {
      type: "button",
      "data-action": action.id,
      title: action.note,
      text: `${action.label} · ${cost}${action.asks_first ? " · asks you first" : ""}`,
    });
    button.addEventListener("click", async () => {
      const args = { ...action.arguments };
      for (const [name, input] of Object.entries(fields)) if (input.value.trim()) args[name] = input.value.trim();
      for (const b of bar.querySelectorAll("button")) b.disabled = true;
      notice.hidden = false;
      notice.className = "notice";
      notice.textContent = `Sending ${action.tool}…`;
      const res = await callTool(action.tool, args);
      for (const b of bar.querySelectorAll("button")) b.disabled = false;
      if (res.isError) {
        notice.className = "notice refused";
        notice.textContent = textOf(res) || "Refused.";
        return;
      }
      notice.hidden = true;
      children.prepend(card(res, action.tool, args));
    });
    bar.append(el("div", { class: "action" }, inputs, button));
  }
  return el("div", {}, bar, notice);
}

// -- history: list_tasks, unfinished first -------------------------------------------------------

function historyRow(task, facts) {
  const rowFacts = { ...facts, ...(facts.rows?.[String(task.ledger_id)] ?? {}) };
  const sc = {
    id: task.id,
    status: task.status,
    progress: task.progress,
    model: task.model,
    credits: { estimate: task.credits_estimate, charged: task.credits_charged },
    data: task.paths.map((path, i) => ({ path, url: task.urls?.length === task.paths.length ? task.urls[i] : null })),
  };
  const result = { structuredContent: sc, _meta: { [META]: { ...rowFacts, prompt: task.prompt } } };
  const node = el("section", { class: "card row", "data-ledger-id": task.ledger_id, "data-status": task.status });
  const head = el(
    "div",
    { class: "head" },
    el("span", { class: `badge ${task.status}`, text: task.status }),
    el("span", { class: "model", text: `${task.tool} · ${task.model}` }),
    el("span", { class: "muted", text: task.created }),
    el("span", { class: "cost", text: creditsText(sc.credits) }),
  );
  const parts = [head, el("p", { class: "prompt", text: task.prompt })];
  if (UNFINISHED.has(task.status)) parts.push(progressBar(task.progress));
  if (task.error) parts.push(el("p", { class: "notice refused", text: task.error }));
  if (task.paths.length) parts.push(gallery(sc.data, rowFacts.outputs, rowFacts));
  const children = el("div", { class: "children" });
  parts.push(actionBar(rowFacts, children));
  if (FOLLOWABLE.has(task.status) && task.id) {
    parts.push(
      el("button", {
        type: "button",
        "data-action": "follow",
        text: "Follow live",
        onclick: () => node.replaceWith(card(result, "get_task")),
      }),
    );
  }
  node.append(...parts.filter(Boolean), children);
  return node;
}

function showHistory(result) {
  const view = document.getElementById("history");
  const sc = result.structuredContent ?? {};
  const facts = factsOf(result);
  const tasks = [...(sc.tasks ?? [])].sort(
    (a, b) => Number(UNFINISHED.has(b.status)) - Number(UNFINISHED.has(a.status)),
  );
  const refresh = el("button", { type: "button", class: "link", text: "Refresh", onclick: loadHistory });
  const intro = el("p", { class: "muted" }, sc.summary ?? "", " ", refresh);
  const error = result.isError ? el("p", { class: "notice refused", text: textOf(result) }) : null;
  view.replaceChildren(...[intro, error, ...tasks.map((task) => historyRow(task, facts))].filter(Boolean));
}

async function loadHistory() {
  document.getElementById("history").replaceChildren(el("p", { class: "muted", text: "Loading history…" }));
  showHistory(await callTool("list_tasks", { limit: 30 }));
}

function showTab(name) {
  for (const view of ["result", "history"]) {
    document.getElementById(view).hidden = view !== name;
    document.getElementById(`tab-${view}`).setAttribute("aria-pressed", String(view === name));
  }
}

document.getElementById("tab-result").addEventListener("click", () => showTab("result"));
document.getElementById("tab-history").addEventListener("click", () => {
  showTab("history");
  loadHistory();
});

// -- the host's notifications ---------------------------------------------------------------

function applyContext(ctx) {
  if (!ctx) return;
  if (ctx.theme) applyDocumentTheme(ctx.theme);
  if (ctx.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
  if (ctx.styles?.css?.fonts) applyHostFonts(ctx.styles.css.fonts);
}

app.ontoolinput = ({ arguments: args }) => {
  toolArgs = args ?? {};
  if (toolArgs.prompt) {
    const waiting = document.getElementById("waiting");
    if (waiting) waiting.textContent = `Working on “${toolArgs.prompt}”…`;
  }
};

app.ontoolresult = (result) => {
  const tool = app.getHostContext()?.toolInfo?.tool?.name;
  if (tool === "list_tasks" || Array.isArray(result.structuredContent?.tasks)) {
    document.getElementById("result").replaceChildren(el("p", { class: "muted", text: "Recent work is under History." }));
    showTab("history");
    showHistory(result);
    return;
  }
  document.getElementById("result").replaceChildren(card(result, tool, toolArgs));
};

app.ontoolcancelled = ({ reason }) => {
  document.getElementById("result").replaceChildren(el("p", { class: "notice", text: `Cancelled${reason ? `: ${reason}` : ""}.` }));
};

app.onhostcontextchanged = applyContext;
app.onteardown = async () => {
  stopped = true;
  return {};
};

await app.connect();
applyContext(app.getHostContext());
