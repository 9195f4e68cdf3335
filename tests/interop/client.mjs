// An independent MCP client for pixapi-mcp: the official TypeScript SDK over stdio.
//
//   node client.mjs <python> [server args...]
//
// Launches `<python> -m pixapi_mcp <server args>` (default: serve --sandbox) with this process's
// environment, lists the tools, calls list_models and generate_image (with progress), reads the
// resource pixapi://docs/llms.txt, and prints one JSON summary on stdout. The SDK itself checks
// each structured result against the tool's outputSchema. On failure it prints
// {"error": ..., "stderr": <the server's last log lines>} and exits 1.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [python, ...rest] = process.argv.slice(2);
if (!python) {
  console.error("usage: node client.mjs <python> [server args...]");
  process.exit(2);
}
const serverArgs = rest.length > 0 ? rest : ["serve", "--sandbox"];
const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined));

const transport = new StdioClientTransport({
  command: python,
  args: ["-m", "pixapi_mcp", ...serverArgs],
  env,
  stderr: "pipe",
});
let serverLog = "";
transport.stderr?.on("data", (chunk) => {
  serverLog = (serverLog + chunk.toString()).slice(-4000);
});
let negotiated = null;
transport.setProtocolVersion = (version) => {
  negotiated = version;
};

const client = new Client({ name: "pixapi-interop", version: "1.0.0" }, { capabilities: {} });
const text = (result) =>
  (result.content ?? [])
    .filter((block) => block.type === "text")
    .map((block) => block.text)
    .join("\n");

try {
  await client.connect(transport);
  const summary = {
    protocolVersion: negotiated,
    server: client.getServerVersion(),
    hasInstructions: Boolean(client.getInstructions()),
  };

  const { tools } = await client.listTools();
  summary.tools = tools.map((tool) => ({
    name: tool.name,
    inputType: tool.inputSchema?.type ?? null,
    hasOutputSchema: Boolean(tool.outputSchema),
    readOnly: tool.annotations?.readOnlyHint ?? null,
  }));

  const models = await client.callTool({ name: "list_models", arguments: {} });
  summary.list_models = {
    isError: Boolean(models.isError),
    source: models.structuredContent?.source ?? null,
    ids: (models.structuredContent?.data ?? []).map((model) => model.id),
  };

  const progress = [];
  const generated = await client.callTool(
    { name: "generate_image", arguments: { prompt: "a lighthouse at dusk, from node", size: "256x256" } },
    undefined,
    { timeout: 120_000, onprogress: (update) => progress.push(update.progress) },
  );
  const image = generated.structuredContent?.data?.[0] ?? {};
  summary.generate_image = {
    isError: Boolean(generated.isError),
    error: generated.isError ? text(generated) : null,
    status: generated.structuredContent?.status ?? null,
    path: image.path ?? null,
    url: image.url ?? null,
    width: image.width ?? null,
    height: image.height ?? null,
    previews: (generated.content ?? []).filter((block) => block.type === "image").map((b) => b.mimeType),
    progress,
  };

  const resource = await client.readResource({ uri: "pixapi://docs/llms.txt" });
  const first = resource.contents?.[0] ?? {};
  summary.resource = {
    uri: first.uri ?? null,
    mimeType: first.mimeType ?? null,
    length: (first.text ?? "").length,
    head: (first.text ?? "").slice(0, 200),
  };

  await client.close();
  process.stdout.write(JSON.stringify(summary) + "\n");
} catch (error) {
  await client.close().catch(() => {});
  process.stdout.write(JSON.stringify({ error: String(error?.stack ?? error), stderr: serverLog }) + "\n");
  process.exit(1);
}
