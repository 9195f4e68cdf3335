// The host side of the MCP Apps bridge for the browser test, built on the official AppBridge.
//
// A conversation of tool calls: `pixapiHost.runTool(name, args)` plays the model calling a tool
// (through the relay, which holds the MCP connection and the token), shows the compact text a
// model would see, and, when the tool names a `ui://` resource, renders it the way web hosts do:
// an outer iframe on another origin (the sandbox proxy, sandbox.html) that loads the app's HTML
// into an inner `sandbox="allow-scripts"` iframe under a CSP built from the resource's
// `_meta.ui.csp`. AppBridge answers the app's ui/initialize, sends it the tool input and result,
// and proxies its tools/call and resources/read to the relay. Every call an app makes is logged
// in `pixapiHost.appCalls` for the test.
import {
  AppBridge,
  PostMessageTransport,
  getToolUiResourceUri,
} from "@modelcontextprotocol/ext-apps/app-bridge";

const HOST_INFO = { name: "pixapi-mcp-test-host", version: "1.0.0" };
const CAPABILITIES = {
  serverTools: {},
  serverResources: {},
  logging: {},
  openLinks: {},
};
const params = new URLSearchParams(location.search);
const SANDBOX_URL = params.get("sandbox");

async function relay(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${path}: HTTP ${response.status}: ${await response.text()}`);
  }
  return response.json();
}

let toolsPromise;
function tools() {
  toolsPromise ??= relay("/api/tools").then((listed) => listed.tools);
  return toolsPromise;
}

const appCalls = [];
const events = [];
const conversation = document.getElementById("conversation");

function textOf(result) {
  return (result.content || [])
    .filter((block) => block.type === "text")
    .map((block) => block.text)
    .join("\n");
}

async function mountApp(card, index, tool, args, result, html) {
  const uri = tool && getToolUiResourceUri(tool);
  const content = uri ? (await relay("/api/read-resource", { uri })).contents[0] : { _meta: {} };
  // The harness's own check mounts a hand-written probe in place of the app, under the app's CSP.
  if (html !== undefined) content.text = html;
  const ui = (content._meta && content._meta.ui) || {};

  const frame = document.createElement("iframe");
  frame.className = "app-frame";
  frame.dataset.card = String(index);
  // The proxy is on another origin than this page, so allow-same-origin gives it only its own.
  frame.setAttribute("sandbox", "allow-scripts allow-same-origin");
  frame.src = `${SANDBOX_URL}?card=${index}&host=${encodeURIComponent(location.origin)}`;
  card.appendChild(frame);

  const bridge = new AppBridge(null, HOST_INFO, CAPABILITIES, {
    hostContext: {
      theme: "light",
      displayMode: "inline",
      availableDisplayModes: ["inline"],
      containerDimensions: { maxHeight: 900, width: 760 },
      platform: "web",
      locale: "en-US",
      // Which call this app instance renders (the app names the tool from it).
      toolInfo: tool ? { id: `call-${index}`, tool } : undefined,
    },
  });
  bridge.oncalltool = async (params) => {
    const entry = { card: index, name: params.name, arguments: params.arguments || {} };
    appCalls.push(entry);
    const answer = await relay("/api/call-tool", { name: params.name, arguments: params.arguments || {} });
    entry.isError = Boolean(answer.isError);
    return answer;
  };
  bridge.onreadresource = async (params) => {
    events.push({ card: index, kind: "resources/read", uri: params.uri });
    return relay("/api/read-resource", { uri: params.uri });
  };
  bridge.onsizechange = ({ height }) => {
    if (height) frame.style.height = `${Math.min(Math.ceil(height), 900)}px`;
  };
  bridge.onmessage = async (params) => {
    events.push({ card: index, kind: "ui/message", params });
    return {};
  };
  bridge.onopenlink = async (params) => {
    events.push({ card: index, kind: "ui/open-link", params });
    return {};
  };
  bridge.onupdatemodelcontext = async (params) => {
    events.push({ card: index, kind: "ui/update-model-context", params });
    return {};
  };
  bridge.onloggingmessage = (params) => events.push({ card: index, kind: "log", params });
  bridge.onsandboxready = () => {
    bridge.sendSandboxResourceReady({
      html: content.text,
      csp: ui.csp,
      permissions: ui.permissions,
      sandbox: "allow-scripts",
    });
  };
  const initialized = new Promise((resolve) => {
    bridge.oninitialized = resolve;
  });
  await bridge.connect(new PostMessageTransport(frame.contentWindow, frame.contentWindow));
  await initialized;
  card.dataset.appState = "initialized";
  await bridge.sendToolInput({ arguments: args });
  await bridge.sendToolResult(result);
  card.dataset.appState = "result-sent";
  return bridge;
}

const bridges = [];

async function runTool(name, args, html) {
  const index = conversation.children.length;
  const card = document.createElement("section");
  card.className = "card";
  card.dataset.card = String(index);
  card.innerHTML = `<h2></h2><pre class="model-text"></pre>`;
  card.querySelector("h2").textContent = `${name}(${JSON.stringify(args)})`;
  conversation.appendChild(card);

  const result = await relay("/api/call-tool", { name, arguments: args });
  card.querySelector(".model-text").textContent = textOf(result);
  const tool = (await tools()).find((t) => t.name === name);
  if ((tool && getToolUiResourceUri(tool)) || html !== undefined) {
    bridges[index] = await mountApp(card, index, tool, args, result, html);
  }
  return { card: index, result };
}

window.pixapiHost = { runTool, appCalls, events, tools };
document.body.dataset.ready = "1";
