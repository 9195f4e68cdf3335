// An OAuth-capable MCP client against pixapi-mcp: the official TypeScript SDK's own discovery and
// token flow (client_credentials), then a real session.
//
//   node auth_client.mjs <mcp-url> <client-id> <client-secret> <issuer> <scope>
//
// 1. An unauthenticated POST gets the 401 challenge; the SDK parses it (extractWWWAuthenticateParams).
// 2. The SDK discovers the protected-resource metadata (RFC 9728) and the authorization server's
//    metadata (RFC 8414) from it (discoverOAuthServerInfo), and picks the resource (RFC 8707).
// 3. A StreamableHTTPClientTransport with a ClientCredentialsProvider does the whole auth() flow
//    on its own, gets a token for the resource, and the client lists tools and calls whoami.
// Prints one JSON summary on stdout; on failure {"error": ...} and exit 1.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  discoverOAuthServerInfo,
  extractWWWAuthenticateParams,
  selectResourceURL,
} from "@modelcontextprotocol/sdk/client/auth.js";
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";

const [mcpUrl, clientId, clientSecret, issuer, scope] = process.argv.slice(2);
const summary = {};
try {
  const refused = await fetch(mcpUrl, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
  });
  const challenge = extractWWWAuthenticateParams(refused);
  summary.challenge = {
    status: refused.status,
    resourceMetadataUrl: challenge.resourceMetadataUrl?.href ?? null,
    scope: challenge.scope ?? null,
    error: challenge.error ?? null,
  };

  const info = await discoverOAuthServerInfo(mcpUrl, { resourceMetadataUrl: challenge.resourceMetadataUrl });
  summary.resourceMetadata = info.resourceMetadata ?? null;
  summary.authorizationServerUrl = String(info.authorizationServerUrl);
  summary.authorizationServerIssuer = info.authorizationServerMetadata?.issuer ?? null;
  summary.tokenEndpoint = info.authorizationServerMetadata?.token_endpoint ?? null;
  summary.resource = String(await selectResourceURL(mcpUrl, {}, info.resourceMetadata));

  const provider = new ClientCredentialsProvider({ clientId, clientSecret, expectedIssuer: issuer, scope });
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const client = new Client({ name: "pixapi-auth-interop", version: "1.0.0" }, { capabilities: {} });
  await client.connect(transport);
  const { tools } = await client.listTools();
  summary.tools = tools.map((tool) => tool.name);
  const who = await client.callTool({ name: "whoami", arguments: {} });
  summary.whoami = who.structuredContent ?? null;
  await client.close();
  process.stdout.write(JSON.stringify(summary) + "\n");
} catch (error) {
  process.stdout.write(JSON.stringify({ error: String(error?.stack ?? error), summary }) + "\n");
  process.exit(1);
}
