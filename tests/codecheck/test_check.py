"""check_code end to end: correct code (the templates, this project's recipes, Pixapi's own
examples) produces no finding at all; every planted mistake is covered in every language; the
detector registry follows the contract's rule table; and arbitrary text never breaks the checker."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixapi_mcp import codecheck, contract
from pixapi_mcp.codecheck import check_code
from tests.codecheck.samples import MUTATIONS, TEMPLATES, found
from tests.seed_examples import CURL_EDIT, CURL_GENERATIONS

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "llms" / "pages"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
FENCE_LANGUAGES = {"bash": "curl", "python": "python", "js": "node", "go": "go", "java": "java", "php": "php"}


@pytest.mark.parametrize("language", sorted(TEMPLATES))
def test_templates_are_clean(language: str) -> None:
    assert found(check_code(TEMPLATES[language], language)) == []
    assert codecheck.detect_language(TEMPLATES[language]) == language


def test_every_language_has_the_documented_mistakes() -> None:
    documented = {
        "async-endpoint",
        "video-async-only",
        "input-image-field",
        "duration-field",
        "image-model-on-video-endpoint",
        "task-result-field",
        "key-server-side",
        "edit-multipart",
    }
    for language in TEMPLATES:
        covered = {rule for lang, _, _, _, rule in MUTATIONS if lang == language}
        assert documented <= covered, (language, documented - covered)


def test_every_planted_mistake_runs_in_its_family_test_file() -> None:
    """samples.planted() hands each row to the test file of its detector's module: that file must
    exist, or the row silently runs nowhere."""
    here = Path(__file__).parent
    for _, name, _, _, rule in MUTATIONS:
        module = codecheck.DETECTORS[rule].__module__.rsplit(".", 1)[1]
        assert (here / f"test_{module}.py").is_file(), (name, rule, module)


def test_unrelated_code_is_left_alone() -> None:
    code = """\
from datetime import timedelta

timeout = timedelta(seconds=30)
messages = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]}]
status = "done"
"""
    assert found(check_code(code, "python")) == []


def recipe_blocks() -> list[tuple[str, str, str]]:
    blocks: list[tuple[str, str, str]] = []
    for page in sorted(PAGES.glob("recipe-*.md")):
        for index, match in enumerate(FENCE.finditer(page.read_text(encoding="utf-8"))):
            language = FENCE_LANGUAGES.get(match.group(1))
            if language is not None:
                blocks.append((f"{page.stem}#{index}", language, match.group(2)))
    return blocks


@pytest.mark.parametrize(("name", "language", "code"), [pytest.param(*b, id=b[0]) for b in recipe_blocks()])
def test_recipes_have_no_findings(name: str, language: str, code: str) -> None:
    assert found(check_code(code, language)) == []
    assert found(check_code(code)) == [], "auto-detection must not change the verdict"


def test_every_recipe_has_a_program() -> None:
    programs = {name.split("#")[0] for name, _, code in recipe_blocks() if "/v1/tasks/" in code}
    assert programs == {p.stem for p in PAGES.glob("recipe-*.md")}
    assert len(programs) == 6


# Pixapi's own examples, from the captured pages in shared/seeds; the curl ones are shared with the
# sandbox tests (tests/seed_examples.py).
SEED_EXAMPLES: dict[str, tuple[str, str]] = {
    "api-reference python": (
        "python",
        """import os
import requests
response = requests.post(
    "https://api.pixapi.ai/v1/images/generations",
    headers={
        "Authorization": f"Bearer {os.environ['PIXAPI_KEY']}",
        "Content-Type": "application/json",
    },
    json={
        "model": "gemini-3-pro-image-preview",
        "prompt": "A cinematic product photo of a ceramic coffee cup",
        "n": 1,
        "size": "1024x1024",
    },
)
response.raise_for_status()
result = response.json()
print(result["data"][0]["url"])
""",
    ),
    "api-reference node": (
        "node",
        """const response = await fetch('https://api.pixapi.ai/v1/images/generations', {
  method: 'POST',
  headers: {
    Authorization: `Bearer ${process.env.PIXAPI_KEY}`,
    'Content-Type': 'application/json',
  },
  body: JSON.stringify({
    model: 'gemini-3-pro-image-preview',
    prompt: 'A cinematic product photo of a ceramic coffee cup',
    n: 1,
    size: '1024x1024',
  }),
});
if (!response.ok) {
  throw new Error(await response.text());
}
const result = await response.json();
console.log(result.data?.[0]?.url ?? result);
""",
    ),
    "api-reference go": (
        "go",
        """package main
import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
)
func main() {
	body := []byte(`{
"model": "gemini-3-pro-image-preview",
"prompt": "A cinematic product photo of a ceramic coffee cup",
"n": 1,
"size": "1024x1024"
}`)
	req, err := http.NewRequest(
		"POST",
		"https://api.pixapi.ai/v1/images/generations",
		bytes.NewBuffer(body),
	)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	result, _ := io.ReadAll(resp.Body)
	fmt.Println(string(result))
}
""",
    ),
    "api-reference java": (
        "java",
        '''import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
class PixapiExample {
    public static void main(String[] args) throws Exception {
        String body = """
        {
          "model": "gemini-3-pro-image-preview",
          "prompt": "A cinematic product photo of a ceramic coffee cup",
          "n": 1,
          "size": "1024x1024"
        }
        """;
        HttpRequest request = HttpRequest.newBuilder()
            .uri(URI.create("https://api.pixapi.ai/v1/images/generations"))
            .header("Authorization", "Bearer " + System.getenv("PIXAPI_KEY"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        HttpResponse<String> response = HttpClient.newHttpClient()
            .send(request, HttpResponse.BodyHandlers.ofString());
        System.out.println(response.body());
    }
}
''',
    ),
    "api-reference php": (
        "php",
        """<?php
$payload = json_encode([
    "model" => "gemini-3-pro-image-preview",
    "prompt" => "A cinematic product photo of a ceramic coffee cup",
    "n" => 1,
    "size" => "1024x1024",
]);
$ch = curl_init("https://api.pixapi.ai/v1/images/generations");
curl_setopt_array($ch, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_POST => true,
    CURLOPT_HTTPHEADER => [
        "Authorization: Bearer " . getenv("PIXAPI_KEY"),
        "Content-Type: application/json",
    ],
    CURLOPT_POSTFIELDS => $payload,
]);
$response = curl_exec($ch);
curl_close($ch);
echo $response;
""",
    ),
    "api-reference request body": (
        "json",
        '{"model": "gemini-3-pro-image-preview", "prompt": "A cinematic product photo of a ceramic coffee cup", '
        '"n": 1, "size": "1024x1024"}',
    ),
}
SEED_EXAMPLES.update({f"{name} curl": ("curl", code) for name, code in CURL_GENERATIONS.items()})
SEED_EXAMPLES["api-reference edit curl"] = ("curl", CURL_EDIT)


@pytest.mark.parametrize(("language", "code"), [pytest.param(*v, id=k) for k, v in SEED_EXAMPLES.items()])
def test_pixapi_examples_have_no_findings(language: str, code: str) -> None:
    assert found(check_code(code, language)) == []


def test_detector_table_is_keyed_by_contract_rules() -> None:
    assert set(codecheck.DETECTORS) <= set(contract.RULES_BY_ID)
    code_rules = {rule.id for rule in contract.RULES if rule.scope == "code"}
    assert code_rules <= set(codecheck.DETECTORS), "every code-scope rule needs a detector"
    for rule in contract.RULES:
        assert codecheck.docs_uri_for(rule.id) == f"pixapi://docs/{rule.page}"
        assert (PAGES / f"{rule.page}.md").is_file(), rule.page


def test_summary_names_the_rules_and_the_next_step() -> None:
    assert "No Pixapi contract mistakes" in codecheck.summarize([], "python")
    assert "JSON request body" in codecheck.summarize([], "json")
    findings = check_code('{"model": "veo", "prompt": "x", "seconds": 8}', "json")
    summary = codecheck.summarize(findings, "json")
    assert summary.startswith("1 finding in this JSON request body (duration-field)")
    assert "run check_code again" in summary


# -- property: any text, any language ----------------------------------------------------------

# Text that looks enough like code to reach the detectors (Pixapi paths, field names, quotes,
# comment markers, brackets, newlines), mixed with arbitrary characters.
_PIECES = st.sampled_from(
    [
        "/v1/images/generations",
        "/v1/images/edits",
        "/v1/async/videos/generations",
        "/v1/videos/generations",
        "/v1/tasks/",
        "/v1/async/tasks/",
        "?async=true",
        '"model": "veo"',
        "model: 'nano-banana'",
        '"seconds": 8',
        "image_url",
        "data[0].url",
        "result.data[0].url",
        "status ==",
        '"succeeded"',
        "Authorization",
        "Bearer ",
        "sk-live-0123456789abcdef",
        "NEXT_PUBLIC_PIXAPI_KEY",
        "-F image=@a.png",
        "json=",
        "def post(",
        "fetch(",
        "curl ",
        "<?php",
        "package main",
        *("#", "//", "/*", "*/", '"' * 3, "'" * 3, "`", '"', "'", "\\", "(", ")", "{", "}", "[", "]"),
        *("\n", " = ", ": ", ", "),
    ]
)
_CODE_LIKE = st.lists(st.one_of(_PIECES, st.text(alphabet=string.printable, max_size=8)), max_size=40).map(
    "".join
)
_SOURCE_LANGUAGES = [lang for lang in codecheck.LANGUAGES if lang != "json"]


@settings(max_examples=60, deadline=None)
@given(
    code=st.one_of(_CODE_LIKE, st.text(max_size=300)),
    language=st.sampled_from([*_SOURCE_LANGUAGES, None]),
)
def test_any_text_gives_well_formed_findings(code: str, language: str | None) -> None:
    """Source code in any language (or detected) never raises, and every finding is a known rule
    at a line of the input, with its docs, a fix and no key in its snippet."""
    if language is None and codecheck.detect_language(code) == "json":
        return  # a detected JSON body may be refused: test_json_body covers that path
    lines = max(1, len(code.splitlines()))
    findings = check_code(code, language)
    assert findings == sorted(findings, key=lambda f: f.line)
    assert len({(f.rule_id, f.line) for f in findings}) == len(findings)
    for finding in findings:
        assert finding.rule_id in contract.RULES_BY_ID
        assert 1 <= finding.line <= lines
        assert finding.message and finding.fix
        assert finding.docs_url == contract.RULES_BY_ID[finding.rule_id].docs_url
        assert finding.docs_uri.startswith("pixapi://docs/")
        assert "0123456789abcdef" not in finding.snippet
