// Builds the app into one self-contained HTML file: pixapi_mcp/app/assets/pixapi-app.html.
//
//   npm ci && npm run build            (from this folder; `node build.mjs --out FILE` writes elsewhere)
//
// The page inlines its script and style (a ui:// resource is one document; its CSP allows inline
// script and no network), and records the sha256 of its sources (the rule is written out in
// pixapi_mcp/app/bundle.py), so a test notices a source changed without a rebuild.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL(".", import.meta.url));
const outArg = process.argv.indexOf("--out");
const out = outArg > 0 ? process.argv[outArg + 1] : join(root, "..", "pixapi_mcp", "app", "assets", "pixapi-app.html");

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function sourcesDigest() {
  const names = ["package.json", "package-lock.json", "build.mjs"]
    .concat(walk(join(root, "src")).map((p) => relative(root, p).split(sep).join("/")))
    .sort();
  const hash = createHash("sha256");
  for (const name of names) {
    const file = createHash("sha256").update(readFileSync(join(root, name))).digest("hex");
    hash.update(`${name}\0${file}\n`);
  }
  return hash.digest("hex");
}

// zod's `z` namespace re-exports every locale (~200 KB); the app shows no zod messages, so only
// English (which zod loads itself) is kept.
const englishOnly = {
  name: "zod-locales-english-only",
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, () => ({ path: "locales", namespace: "stub" }));
    build.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

const result = await esbuild.build({
  entryPoints: [join(root, "src", "main.js")],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  legalComments: "none",
  write: false,
  plugins: [englishOnly],
});
// "</script" inside the inlined code would end the element early.
const script = result.outputFiles[0].text.replaceAll("</script", "<\\/script");
const style = readFileSync(join(root, "src", "style.css"), "utf8");
const page = readFileSync(join(root, "src", "index.html"), "utf8")
  .replace("<!--SOURCES-->", `<meta name="pixapi-app-sources" content="sha256:${sourcesDigest()}">`)
  .replace("/*STYLE*/", () => style)
  .replace("/*SCRIPT*/", () => script);
writeFileSync(out, page);
console.log(`${out}: ${page.length} bytes`);
